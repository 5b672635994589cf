// webroot/charts.js on its own, in a VM with a minimal DOM and a simulated clock: three nodes' samples
// arrive as the bridge would hand them over, and each chart's data-last is read after every redraw,
// as DashboardIT reads it. Started by dev.ferry.web.ChartsJsTest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const INTERVAL = 1000;
const T0 = 1_700_000_000_000;

/** A page with charts.js loaded; {@code at(time)} runs its timers due by then. */
function page() {
  let now = T0;
  let timers = [];
  const figures = {};
  const element = () => ({
    dataset: {}, children: [], clientWidth: 600, textContent: '',
    appendChild(c) { this.children.push(c); return c; }, querySelector: () => element(), setAttribute() {},
  });
  const ferry = {
    bytes: (x) => x,
    el(tag) {
      const e = element();
      if (tag === 'figure') {
        const dataset = {};
        e.dataset = new Proxy(dataset, { set(d, k, v) { d[k] = v; if (k === 'chart') figures[v] = e; return true; } });
      }
      return e;
    },
  };
  const context = vm.createContext({
    window: { ferry }, document: { getElementById: () => element() }, Date: { now: () => now },
    setTimeout: (fn, ms) => { timers.push({ at: now + ms, fn }); return timers.length; },
    uPlot: class { setData() {} destroy() {} setSize() {} },
  });
  vm.runInContext(readFileSync('webroot/charts.js', 'utf8'), context);
  const charts = ferry.charts;
  charts.seed({ nodes: {} });
  return {
    charts,
    /** Runs the timers due by {@code time}, then moves the clock there; each redraw's data-last of {@code chart}. */
    at(time, chart) {
      const seen = [];
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        if (!timers.length || timers[0].at > time) break;
        const timer = timers.shift();
        now = timer.at;
        timer.fn();
        seen.push(JSON.parse(figures[chart].dataset.last));
      }
      now = time;
      return seen;
    },
  };
}

const total = (last) => Object.values(last).reduce((n, v) => n + (v || 0), 0);

/** Every node's samples (phases: each node's offset in the interval), in time order, for {@code seconds}. */
function samples(phases, seconds, values) {
  const out = [];
  for (let s = 0; s < seconds; s++) {
    phases.forEach((phase, i) => {
      const node = `node${i + 1}`;
      const v = values(node, s);
      if (v) out.push({ node, time: T0 + s * INTERVAL + phase * INTERVAL, values: v });
    });
  }
  return out.sort((a, b) => a.time - b.time);
}

function feed(p, events, chart) {
  const redraws = [];
  for (const e of events) {
    redraws.push(...p.at(e.time, chart));
    p.charts.sample(e);
  }
  redraws.push(...p.at(events[events.length - 1].time + 10 * INTERVAL, chart));
  return redraws;
}

test('the newest point of a cluster-wide sum counts every node, though their timers are out of step', () => {
  // node1 samples just before a slot's middle, node2 and node3 just after: node1 never shares the
  // newest slot with the others when the page redraws, so counting that slot alone missed it always
  for (const phases of [[0.4, 0.5, 0.6], [0.0, 0.33, 0.66], [0.05, 0.4, 0.75]]) {
    const p = page();
    const redraws = feed(p, samples(phases, 30, () => ({ 'pins.pin_queued': 1 })), 'pins').slice(3, -1);
    assert.ok(redraws.length >= 20, `${redraws.length} redraws`);
    for (const last of redraws) assert.equal(total(last), 3, `phases ${phases}: ${JSON.stringify(last)}`);
  }
});

test('a node whose sample comes a slot late, after two in one slot, still counts in the slot it missed', () => {
  const p = page();
  // node3 samples at the slot boundary, late every fourth time: two of its samples round into one
  // slot and the next slot has none of its
  const events = samples([0.1, 0.2, 0.49], 30, () => ({ 'pins.pinned': 2 }))
    .map((e) => (e.node === 'node3' && Math.round((e.time - T0) / INTERVAL) % 4 === 0 ? { ...e, time: e.time + 20 } : e))
    .sort((a, b) => a.time - b.time);
  const redraws = feed(p, events, 'pins').slice(3, -1);
  for (const last of redraws) assert.equal(total(last), 6, JSON.stringify(last));
});

test('a node that stops reporting leaves the sum after two intervals', () => {
  const p = page();
  const events = samples([0.1, 0.3, 0.6], 30, (node, s) => (node === 'node3' && s >= 15 ? null : { 'pins.pinned': 1 }));
  const redraws = feed(p, events, 'pins');
  assert.equal(total(redraws[redraws.length - 1]), 2, 'node3 no longer counted');
  assert.ok(redraws.some((last) => total(last) === 3), 'node3 counted while it reported');
});

test('samples older than the span (dashboard.history_ms) leave the charts, newer ones stay', () => {
  const p = page();
  const SPAN = 10 * INTERVAL;
  // the node's history says the span: 10 samples; the seed itself is older than the span by the end
  p.charts.seed({ nodes: { node1: { interval_ms: INTERVAL, history_ms: SPAN, started_at: T0,
    times: [T0, T0 + INTERVAL], series: { 'heap.used': [1, 2] } } } });
  const events = samples([0.5], 40, (node, s) => ({ 'heap.used': 100 + s }));
  const redraws = feed(p, events, 'heap');
  const last = events[events.length - 1].time;
  const shown = p.charts.data('heap');
  assert.ok(redraws.length > 30, `${redraws.length} redraws`);
  assert.ok(shown.times.length > 0, 'newer samples stay');
  // every slot the chart still holds is within the span before its last redraw, half a second after the last sample
  const redrawn = last + 500;
  for (const time of shown.times) assert.ok(time >= redrawn - SPAN - INTERVAL, `${time} is older than the span before ${redrawn}`);
  assert.ok(!shown.series.node1.includes(1) && !shown.series.node1.includes(2), 'the seeded samples are gone');
  assert.ok(shown.times.length <= SPAN / INTERVAL + 1, `${shown.times.length} slots kept`);
});
