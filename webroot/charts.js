// ferry dashboard: charts over time (uPlot, vendored from npm by the build).
// Seeded at load from GET /dashboard/history (each member's last dashboard.history_ms of samples, one
// per dashboard.sample_interval_ms), then fed by every node's sample on ferry.events.samples through
// the bridge. Samples are kept in the page for the same span, lined up by sample interval so series of
// several nodes add up. A node's sample stands for it until its next one, for at most HOLD_SLOTS
// intervals (as a Prometheus query looks back for the latest sample): the nodes' timers are not in
// step, so the newest slot has some nodes' samples and not yet the others', and a late or early
// sample leaves a slot without that node; without holding, a cluster-wide sum (the stacked pins
// chart) dropped at every such slot, and its newest point counted only the nodes already reported.
// Each chart's element carries data-points (samples shown), data-last (the newest values by series)
// and, on the Raft chart, data-marks (leader changes marked); ferry.charts.data(id) gives everything a
// chart shows; for tests and for reading without the canvas.
(function (f) {
  'use strict';
  var PIN_STATUSES = ['pinned', 'pinning', 'pin_queued', 'pin_error', 'unpinning', 'unpin_queued', 'unpin_error',
    'unexpectedly_unpinned'];
  var COLORS = ['#1e7f4f', '#2f6fb3', '#c9a227', '#b3261e', '#7b4fb3', '#3d9fa3', '#d36b2a', '#6b7785', '#a3457d'];
  var HEIGHT = 150;
  var REDRAW_MS = 500;
  // how many intervals a node's sample stands for it when it has no newer one: covers a sample one
  // slot late or two in one slot, and drops a node that stopped reporting after two intervals
  var HOLD_SLOTS = 2;

  var intervalMs = 1000;
  var spanMs = 15 * 60 * 1000;
  var buckets = [];   // sorted sample slots (time / interval), oldest first
  var rows = {};      // slot -> {node: values}
  var nodes = {};     // node -> {started_at, version, store, interval_ms, last: {time, values}}
  var charts = {};    // id -> {def, plot, key, el}
  var redrawTimer = null;

  function sum(row, name) {
    var total = null;
    Object.keys(row).forEach(function (n) {
      var v = row[n][name];
      if (typeof v === 'number') total = (total || 0) + v;
    });
    return total;
  }

  function max(row, name) {
    var most = null;
    Object.keys(row).forEach(function (n) {
      var v = row[n][name];
      if (typeof v === 'number' && (most === null || v > most)) most = v;
    });
    return most;
  }

  function nodeNames() { return Object.keys(nodes).sort(); }

  /** Series names some node reported, matching a pattern, with what the pattern captured. */
  function seen(pattern) {
    var found = {};
    Object.keys(nodes).forEach(function (n) {
      var last = nodes[n].last;
      if (!last) return;
      Object.keys(last.values).forEach(function (name) {
        var m = pattern.exec(name);
        if (m) found[m[1]] = true;
      });
    });
    return Object.keys(found).sort();
  }

  function perNode(name, scale) {
    return nodeNames().map(function (n) {
      return { label: n, value: function (row) { var v = row[n] && row[n][name]; return typeof v === 'number' ? v * (scale || 1) : null; } };
    });
  }

  var DEFS = [
    { id: 'pins', title: 'pins by status (all nodes, stacked)', stacked: true,
      series: function () { return PIN_STATUSES.map(function (s) { return { label: s, value: function (row) { return sum(row, 'pins.' + s); } }; }); } },
    { id: 'pin-rate', title: 'pins and unpins per second',
      series: function () {
        return [{ label: 'pins/s', value: function (row) { return sum(row, 'pin.rate'); } },
          { label: 'unpins/s', value: function (row) { return sum(row, 'unpin.rate'); } }];
      } },
    { id: 'queue', title: 'tracker queue (pins and unpins waiting)', series: function () { return perNode('pin.queue'); } },
    { id: 'raft', title: 'Raft commits per second (marks: leader changes)', marks: true,
      series: function () {
        return seen(/^raft\.([^.]+)\.commits$/).map(function (g) {
          return { label: g, value: function (row) { return max(row, 'raft.' + g + '.commits'); } };
        });
      } },
    { id: 'mailboxes', title: 'mailbox messages per second', series: function () { return perNode('mailbox.rate'); } },
    { id: 'circuits', title: 'circuit bytes per second (sent + received)', format: f.bytes,
      series: function () {
        return nodeNames().map(function (n) {
          return { label: n, value: function (row) {
            var v = row[n];
            return v && (typeof v['circuit.sent'] === 'number' || typeof v['circuit.received'] === 'number')
              ? (v['circuit.sent'] || 0) + (v['circuit.received'] || 0) : null;
          } };
        });
      } },
    { id: 'heap', title: 'heap used', format: f.bytes, series: function () { return perNode('heap.used'); } },
    { id: 'cpu', title: 'CPU (% of the machine)', series: function () { return perNode('cpu', 100); } },
    { id: 'loop', title: 'event-loop delay (ms)', series: function () { return perNode('loop.delay_ms'); } }
  ];

  function leaderChangeSlots() {
    var marks = [];
    buckets.forEach(function (b) {
      var row = rows[b];
      var changed = Object.keys(row).some(function (n) {
        return Object.keys(row[n]).some(function (name) { return /\.leader_changes$/.test(name) && row[n][name] > 0; });
      });
      if (changed) marks.push(b * intervalMs / 1000);
    });
    return marks;
  }

  function marksPlugin() {
    return { hooks: { draw: function (u) {
      var ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = '#b3261e';
      ctx.setLineDash([4, 3]);
      leaderChangeSlots().forEach(function (x) {
        var px = Math.round(u.valToPos(x, 'x', true));
        ctx.beginPath();
        ctx.moveTo(px, u.bbox.top);
        ctx.lineTo(px, u.bbox.top + u.bbox.height);
        ctx.stroke();
      });
      ctx.restore();
    } } };
  }

  function width(el) { return Math.max(200, el.clientWidth || 300); }

  function build(chart, series, shown) {
    var def = chart.def;
    var opts = {
      width: width(chart.el.querySelector('.plot')),
      height: HEIGHT,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{}, { size: 72, values: def.format ? function (u, ticks) { return ticks.map(def.format); } : undefined }],
      series: [{}].concat(series.map(function (s, i) {
        var color = COLORS[i % COLORS.length];
        return { label: s.label, stroke: color, width: 1.5, fill: def.stacked ? color + '99' : undefined,
          points: { show: false }, spanGaps: false };
      })),
      plugins: def.marks ? [marksPlugin()] : []
    };
    if (chart.plot) chart.plot.destroy();
    chart.plot = new uPlot(opts, shown, chart.el.querySelector('.plot'));
  }

  /**
   * Each slot's row with every node's latest sample at or before it, no older than HOLD_SLOTS
   * intervals: what the charts draw (the leader-change marks count the samples themselves).
   */
  function heldRows() {
    var latest = {};   // node -> {slot, values}
    return buckets.map(function (b) {
      Object.keys(rows[b]).forEach(function (n) { latest[n] = { slot: b, values: rows[b][n] }; });
      var row = {};
      Object.keys(latest).forEach(function (n) {
        if (b - latest[n].slot <= HOLD_SLOTS) row[n] = latest[n].values;
      });
      return row;
    });
  }

  function data(def, series, held) {
    var xs = buckets.map(function (b) { return b * intervalMs / 1000; });
    var ys = series.map(function (s) { return held.map(function (row) { return s.value(row); }); });
    if (!def.stacked) return [xs].concat(ys);
    // stacked: series k shows the sum of series k..end, drawn first-largest so each band shows its own share
    var stacked = ys.map(function (y, k) {
      return xs.map(function (x, i) {
        var total = null;
        for (var j = k; j < ys.length; j++) if (typeof ys[j][i] === 'number') total = (total || 0) + ys[j][i];
        return total;
      });
    });
    return [xs].concat(stacked);
  }

  function lastValues(series, held) {
    var last = {};
    if (held.length === 0) return last;
    var row = held[held.length - 1];
    series.forEach(function (s) { last[s.label] = s.value(row); });
    return last;
  }

  function redraw() {
    redrawTimer = null;
    prune();
    var container = document.getElementById('charts');
    var held = heldRows();
    DEFS.forEach(function (def) {
      var chart = charts[def.id];
      if (!chart) {
        var el = f.el('figure', null, 'chart');
        el.dataset.chart = def.id;
        el.appendChild(f.el('figcaption', def.title));
        el.appendChild(f.el('div', null, 'plot'));
        el.setAttribute('role', 'img');
        el.setAttribute('aria-label', def.title);
        container.appendChild(el);
        chart = charts[def.id] = { def: def, el: el, plot: null, key: null };
      }
      var series = def.series();
      var key = series.map(function (s) { return s.label; }).join('|');
      var shown = data(def, series, held);
      chart.labels = series.map(function (s) { return s.label; });
      chart.shown = shown;
      if (key !== chart.key) {
        chart.key = key;
        build(chart, series, shown);
      } else {
        chart.plot.setData(shown);
      }
      chart.el.dataset.points = String(buckets.length);
      chart.el.dataset.last = JSON.stringify(lastValues(series, held));
      if (def.marks) chart.el.dataset.marks = String(leaderChangeSlots().length);
    });
    document.getElementById('charts-span').textContent = '(the last ' + Math.round(spanMs / 60000) + ' minutes, a sample every '
      + intervalMs / 1000 + ' s)';
    if (f.onSamples) f.onSamples();
  }

  function scheduleRedraw() {
    if (!redrawTimer) redrawTimer = setTimeout(redraw, REDRAW_MS);
  }

  function prune() {
    var oldest = Math.floor((Date.now() - spanMs) / intervalMs);
    while (buckets.length && buckets[0] < oldest) delete rows[buckets.shift()];
  }

  function add(node, time, values) {
    var slot = Math.round(time / intervalMs);
    if (!rows[slot]) {
      rows[slot] = {};
      var i = buckets.length;
      while (i > 0 && buckets[i - 1] > slot) i--;
      buckets.splice(i, 0, slot);
    }
    rows[slot][node] = values;
    nodes[node] = nodes[node] || {};
    if (!nodes[node].last || nodes[node].last.time <= time) nodes[node].last = { time: time, values: values };
  }

  f.charts = {
    /** Seeds the page from GET /dashboard/history. */
    seed: function (history) {
      Object.keys(history.nodes || {}).forEach(function (name) {
        var h = history.nodes[name];
        if (h.error) return;
        intervalMs = h.interval_ms || intervalMs;
        spanMs = h.history_ms || spanMs;
        nodes[name] = nodes[name] || {};
        ['started_at', 'version', 'store', 'interval_ms'].forEach(function (k) { nodes[name][k] = h[k]; });
        var names = Object.keys(h.series);
        h.times.forEach(function (time, i) {
          var values = {};
          names.forEach(function (s) { if (h.series[s][i] !== null) values[s] = h.series[s][i]; });
          add(name, time, values);
        });
      });
      redraw();
    },
    /** One sample from ferry.events.samples: {node, time, values}. */
    sample: function (body) {
      add(body.node, body.time, body.values);
      if (body.started_at) nodes[body.node].started_at = body.started_at;
      if (body.store) nodes[body.node].store = body.store;
      scheduleRedraw();
    },
    /**
     * What chart {@code id} shows: {times: [epoch ms...], series: {label: [value or null...]}} (a
     * stacked chart's values stacked), or null before its first drawing.
     */
    data: function (id) {
      var c = charts[id];
      if (!c || !c.shown) return null;
      var series = {};
      c.labels.forEach(function (label, i) { series[label] = c.shown[i + 1].slice(); });
      return { times: c.shown[0].map(function (x) { return x * 1000; }), series: series };
    },
    /** What the page knows of each node: started_at, store, version, last {time, values}. */
    nodes: function () { return nodes; },
    resize: function () {
      Object.keys(charts).forEach(function (id) {
        var c = charts[id];
        if (c.plot) c.plot.setSize({ width: width(c.el.querySelector('.plot')), height: HEIGHT });
      });
    }
  };

  if (window.ResizeObserver) {
    var pending = null;
    new ResizeObserver(function () {
      if (pending) return;
      pending = setTimeout(function () { pending = null; f.charts.resize(); }, 100);
    }).observe(document.getElementById('charts'));
  }
})(window.ferry = window.ferry || {});
