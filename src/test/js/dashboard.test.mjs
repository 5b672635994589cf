// The dashboard in headless Chromium, against a running three-node cluster of processes.
// Started by dev.ferry.web.DashboardIT, which passes:
//   FERRY_DASHBOARD_URL  the dashboard of node1
//   FERRY_KILL_PID       the PID of node3's process, killed (SIGKILL) once three members show
//   FERRY_SCREENSHOT     where to save the screenshot
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const URL = process.env.FERRY_DASHBOARD_URL;
const KILL_PID = Number(process.env.FERRY_KILL_PID);
const SCREENSHOT = process.env.FERRY_SCREENSHOT;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

test('the dashboard shows the members live and notices a killed node', { timeout: 120000 }, async () => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const problems = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));

    await page.goto(URL);
    await page.waitForSelector('[data-testid=connection].up', { timeout: 20000 });
    await page.waitForFunction(() => document.querySelectorAll('#members tr[data-state=up]').length === 3,
      null, { timeout: 30000 });
    const names = await page.$$eval('#members tr', (rows) => rows.map((r) => r.dataset.node));
    assert.deepEqual(names, ['node1', 'node2', 'node3']);
    await page.waitForFunction(() => document.querySelectorAll('#mailboxes tr[data-node]').length === 3,
      null, { timeout: 20000 });
    // the kv group has elected a leader, and this node's circuit service reports
    await page.waitForFunction(() => {
      const kv = document.querySelector('#raft tr[data-group=kv]');
      return kv && kv.dataset.leader !== '';
    }, null, { timeout: 30000 });
    await page.waitForSelector('#circuits[data-open]', { timeout: 20000 });
    // a pin made over the HTTP API is counted, and counted once among this node's statuses of its pins
    // (pin_error or remote: no IPFS daemon runs here)
    const cid = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
    const api = new globalThis.URL(URL).origin;
    const pinned = await fetch(`${api}/pins/${cid}?name=dashboard&replication=2`, { method: 'POST' });
    assert.equal(pinned.status, 200, await pinned.text());
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('#pins tr[data-status]')];
      return document.querySelector('#pins').dataset.count === '1'
        && rows.reduce((n, r) => n + Number(r.dataset.pins), 0) === 1;
    }, null, { timeout: 30000 });

    process.kill(KILL_PID, 'SIGKILL');
    await page.waitForFunction(() => {
      const row = document.querySelector('#members tr[data-node=node3]');
      return row && row.dataset.state === 'down';
    }, null, { timeout: 30000 });
    const states = await page.$$eval('#members tr', (rows) => rows.map((r) => `${r.dataset.node}:${r.dataset.state}`));
    assert.deepEqual(states, ['node1:up', 'node2:up', 'node3:down']);
    // Raft status is live too: the kv group's leader is (or becomes) one of the survivors
    await page.waitForFunction(() => {
      const kv = document.querySelector('#raft tr[data-group=kv]');
      return kv && (kv.dataset.leader === 'node1' || kv.dataset.leader === 'node2');
    }, null, { timeout: 30000 });

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
