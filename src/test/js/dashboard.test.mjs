// The dashboard in headless Chromium, against a running three-node cluster of processes; one
// browser and one cluster for every case, in order. Started by dev.ferry.web.DashboardIT, which passes:
//   FERRY_DASHBOARD_URL  the dashboard of node2 (an open API)
//   FERRY_AUTH_URL       the dashboard of node1, whose API has users (FERRY_ADMIN, FERRY_READER: user:password)
//   FERRY_KILL_PID       the PID of node3's process, killed (SIGKILL) in the last case; the script then
//                        prints "restart node3" and DashboardIT starts it again
//   FERRY_SCREENSHOTS    a path prefix for the screenshots of each state (PREFIX-charts.png, ...)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const URL = process.env.FERRY_DASHBOARD_URL;
const AUTH_URL = process.env.FERRY_AUTH_URL;
const API = new globalThis.URL(URL).origin;
const KILL_PID = Number(process.env.FERRY_KILL_PID);
const SHOTS = process.env.FERRY_SCREENSHOTS;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const [ADMIN, ADMIN_PW] = process.env.FERRY_ADMIN.split(':');
const [READER, READER_PW] = process.env.FERRY_READER.split(':');
// pins of content nobody has: counted at once among the nodes' statuses, pin_error after pin.pin_timeout_ms
const MISSING = [0, 1, 2, 3, 4].map((i) => rawCid(`content nobody has ${i} ${Date.now()}`));

/** A CIDv1 (raw, SHA-256) of {@code text}, in base32 as the API writes CIDs. */
function rawCid(text) {
  const bytes = Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), createHash('sha256').update(text).digest()]);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = 'b';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

let browser;
let page;
const problems = [];

function watch(p, label) {
  p.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`${label} console: ${msg.text()} (${msg.location().url})`);
  });
  p.on('pageerror', (err) => problems.push(`${label} page error: ${err.message}`));
  p.on('requestfailed', (req) => problems.push(`${label} request failed: ${req.url()} ${req.failure()?.errorText}`));
}

async function api(method, path, options = {}) {
  const response = await fetch(`${API}${path}`, { method, ...options });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text;
}

/** Polls the API until {@code check} holds, with a deadline. */
async function until(what, timeoutMs, check) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}${last ? ': ' + last.message : ''}`);
}

/** Whether every node a pin is allocated to reports it pinned (GET /pins/{cid}, IPFS Cluster's shape). */
async function pinnedOnItsAllocations(cid, nodes) {
  const info = JSON.parse(await api('GET', `/pins/${cid}`));
  const allocated = info.allocations;
  if (allocated.length !== nodes) return false;
  return allocated.every((peer) => info.peer_map[peer] && info.peer_map[peer].status === 'pinned');
}

function total(last) {
  return Object.values(JSON.parse(last || '{}')).reduce((n, v) => n + (v || 0), 0);
}

before(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  watch(page, 'node2');
  // nothing from the network beyond the node itself
  await page.route((url) => url.origin !== API, (route) => {
    problems.push(`request off the node: ${route.request().url()}`);
    return route.abort();
  });
});

after(async () => {
  await browser?.close();
});

test('members show live, and the charts render and move as pins are added', { timeout: 90000 }, async () => {
  await page.goto(URL);
  await page.waitForSelector('[data-testid=connection].up', { timeout: 20000 });
  await page.waitForFunction(() => document.querySelectorAll('#members tr[data-state=up]').length === 3,
    null, { timeout: 30000 });
  const names = await page.$$eval('#members tr', (rows) => rows.map((r) => r.dataset.node));
  assert.deepEqual(names, ['node1', 'node2', 'node3']);
  // each member's peer ID, version, uptime and store (kind, used of maximum) from GET /peers and its samples
  await page.waitForFunction(() => [...document.querySelectorAll('#members tr[data-node]')]
    .every((r) => r.dataset.peer.startsWith('12D3Koo') && r.dataset.store === 'embedded'
      && Number(r.dataset.storeMax) > 0 && r.dataset.storeUsed !== '' && Number(r.dataset.storeUsed) <= Number(r.dataset.storeMax)),
  null, { timeout: 20000 });
  const storeCells = await page.$$eval('#members tr[data-node]', (rows) => rows.map((r) => r.children[6].textContent));
  storeCells.forEach((text) => assert.match(text, /^embedded, .+ of .+$/));
  await page.waitForFunction(() => document.querySelectorAll('#mailboxes tr[data-node]').length === 3,
    null, { timeout: 20000 });
  await page.waitForFunction(() => {
    const kv = document.querySelector('#raft tr[data-group=kv]');
    return kv && kv.dataset.leader !== '';
  }, null, { timeout: 30000 });

  const charts = await page.$$eval('figure.chart', (figs) => figs.map((f) => f.dataset.chart));
  assert.deepEqual(charts, ['pins', 'pin-rate', 'queue', 'raft', 'mailboxes', 'circuits', 'heap', 'cpu', 'loop']);
  assert.equal(await page.$$eval('figure.chart canvas', (c) => c.length), charts.length);
  await page.waitForFunction(() => Number(document.querySelector('figure[data-chart=heap]').dataset.points) >= 2,
    null, { timeout: 20000 });
  const heap = JSON.parse(await page.$eval('figure[data-chart=heap]', (f) => f.dataset.last));
  assert.deepEqual(Object.keys(heap).sort(), ['node1', 'node2', 'node3']);
  const before = await page.$eval('figure[data-chart=pins]', (f) => ({ points: Number(f.dataset.points), last: f.dataset.last }));

  for (const [i, cid] of MISSING.entries()) {
    await api('POST', `/pins/${cid}?name=missing-${i}&replication=1`);
  }
  // the stacked pins chart counts them (every node's statuses of its pins) on newer samples
  await page.waitForFunction(([points, pinsBefore, added]) => {
    const f = document.querySelector('figure[data-chart=pins]');
    const sum = Object.values(JSON.parse(f.dataset.last)).reduce((n, v) => n + (v || 0), 0);
    return Number(f.dataset.points) > points && sum >= pinsBefore + added;
    // the newest point holds each node's latest sample (charts.js HOLD_SLOTS): before, it counted only
    // the nodes whose sample for the newest slot had come, and with the nodes' timers out of step it
    // could miss one node at every redraw for as long as their phases stayed so (two timeouts in CI)
  }, [before.points, total(before.last), MISSING.length], { timeout: 30000 });
  await page.waitForFunction((n) => document.querySelector('#pins').dataset.count === String(n), MISSING.length,
    { timeout: 20000 });
  // counts by status per node, from each node's samples
  assert.deepEqual(await page.$$eval('#pin-counts tr[data-node]', (rows) => rows.map((r) => r.dataset.node)),
    ['node1', 'node2', 'node3']);
  // the mailbox chart is messages per second per node (the mailbox.rate series), not queue lengths
  assert.equal(await page.$eval('figure[data-chart=mailboxes] figcaption', (c) => c.textContent),
    'mailbox messages per second');
  const history = JSON.parse(await api('GET', '/dashboard/history'));
  assert.deepEqual(Object.keys(history.nodes).sort(), ['node1', 'node2', 'node3']);
  for (const node of Object.values(history.nodes)) {
    assert.ok(node.series['mailbox.rate']?.some((v) => typeof v === 'number' && v >= 0), JSON.stringify(node.series));
  }
  await page.waitForFunction(() => Object.values(JSON.parse(document.querySelector('figure[data-chart=mailboxes]')
    .dataset.last || '{}')).filter((v) => typeof v === 'number').length === 3, null, { timeout: 20000 });
  await page.screenshot({ path: `${SHOTS}charts.png`, fullPage: true });
  assert.deepEqual(problems, []);
});

test('a file dropped on the page is added, and ends pinned on its allocated nodes', { timeout: 90000 }, async () => {
  await page.fill('#add-form input[name=replication]', '2');
  await page.fill('#add-form input[name=name]', 'dropped');
  const content = randomBytes(300 * 1024).toString('base64');
  const files = await page.evaluateHandle((text) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], 'dropped.txt', { type: 'text/plain' }));
    return transfer;
  }, content);
  await page.dispatchEvent('#drop', 'drop', { dataTransfer: files });
  await page.waitForSelector('#uploads li[data-file="dropped.txt"][data-state=done]', { timeout: 30000 });
  const upload = await page.$eval('#uploads li[data-file="dropped.txt"]', (li) => ({ cid: li.dataset.cid, progress: li.querySelector('progress').value }));
  assert.match(upload.cid, /^(Qm|baf)/);
  assert.equal(upload.progress, 100);
  await until(`${upload.cid} pinned on both its allocated nodes`, 30000, () => pinnedOnItsAllocations(upload.cid, 2));
  const pin = JSON.parse(await api('GET', `/allocations/${upload.cid}`));
  assert.equal(pin.name, 'dropped');
  // the list shows it, with its status on each node
  await page.fill('#pin-search input[name=q]', 'dropped');
  await page.click('#pin-search button');
  await page.waitForFunction((cid) => {
    const row = document.querySelector(`#pin-list tr[data-cid="${cid}"]`);
    return row && row.dataset.statuses.split(',').filter((s) => s.endsWith(':pinned')).length === 2;
  }, upload.cid, { timeout: 20000 });
  await page.screenshot({ path: `${SHOTS}add.png`, fullPage: true });
  assert.deepEqual(problems, []);
});

test('a CID is pinned, unpinned and recovered from the page', { timeout: 120000 }, async () => {
  // content on node2 that the cluster has not pinned yet
  const body = new FormData();
  body.append('file', new Blob([randomBytes(4096)]), 'unpinned.bin');
  const added = (await api('POST', '/add?no-pin=true', { body })).trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.cid);
  const cid = added[added.length - 1].cid;

  await page.fill('#pin-form input[name=cid]', cid);
  await page.fill('#pin-form input[name=name]', 'from-page');
  await page.fill('#pin-form input[name=replication]', '3');
  await page.click('#pin-form button[type=submit]');
  await until(`${cid} pinned on all three nodes`, 40000, () => pinnedOnItsAllocations(cid, 3));

  await page.fill('#pin-search input[name=q]', 'from-page');
  await page.click('#pin-search button');
  await page.click(`#pin-list tr[data-cid="${cid}"] button`);
  await page.waitForSelector(`#pin-detail[data-cid="${cid}"] button[data-action=unpin]`);
  assert.equal(await page.$$eval('#pin-detail tr[data-status=pinned]', (rows) => rows.length), 3);
  await page.click('#pin-detail button[data-action=unpin]');
  await until(`${cid} to leave the pinset`, 20000, async () => (await fetch(`${API}/allocations/${cid}`)).status === 404);
  await page.waitForFunction((c) => document.querySelector('#pin-message').textContent === `unpinned ${c}`, cid);

  // a pin whose content nobody has fails after pin.pin_timeout_ms; recover retries it
  const failing = MISSING[0];
  await until(`${failing} in pin_error`, 40000, async () => {
    const info = JSON.parse(await api('GET', `/pins/${failing}`));
    return Object.values(info.peer_map).some((s) => s.status === 'pin_error');
  });
  await page.fill('#pin-search input[name=q]', 'missing-0');
  await page.click('#pin-search button');
  await page.click(`#pin-list tr[data-cid="${failing}"] button`);
  await page.waitForSelector(`#pin-detail[data-cid="${failing}"] tr[data-status=pin_error]`, { timeout: 20000 });
  const [recovered] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${API}/pins/${failing}/recover` && r.request().method() === 'POST'),
    page.click('#pin-detail button[data-action=recover]'),
  ]);
  assert.equal(recovered.status(), 200);
  await page.waitForFunction((c) => document.querySelector('#pin-message').textContent === `recovered ${c}`, failing);
  await page.screenshot({ path: `${SHOTS}pins.png`, fullPage: true });
  assert.deepEqual(problems, []);
});

test('at phone width the page fits, and the drop zone is reached and used from the keyboard', { timeout: 60000 }, async () => {
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  watch(phone, 'phone');
  // Playwright turns Chromium's file-chooser interception on when a page gets its first 'filechooser'
  // listener, by a message it does not wait for: a waitForEvent just before the key press raced it,
  // and a chooser opened before the interception was on came to nothing (no event). A listener from
  // the start has the interception on long before the press.
  phone.on('filechooser', () => {});
  try {
    await phone.goto(URL);
    await phone.waitForSelector('[data-testid=connection].up', { timeout: 20000 });
    await phone.waitForFunction(() => Number(document.querySelector('figure[data-chart=pins]')?.dataset.points) >= 1,
      null, { timeout: 20000 });
    assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      'the page is wider than the phone');
    // Enter on the focused drop zone opens the file chooser
    await phone.focus('#drop');
    assert.equal(await phone.evaluate(() => document.activeElement?.id), 'drop');
    const [chooser] = await Promise.all([phone.waitForEvent('filechooser', { timeout: 10000 }),
      phone.keyboard.press('Enter')]);
    assert.ok(chooser.isMultiple());
    await phone.screenshot({ path: `${SHOTS}phone.png`, fullPage: true });
  } finally {
    await phone.close();
  }
  assert.deepEqual(problems, []);
});

test('with api.users the page asks to log in, and a read user sees no add or pin controls', { timeout: 60000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const auth = await context.newPage();
  try {
    await auth.goto(AUTH_URL);
    await auth.waitForSelector('#login:not([hidden])', { timeout: 20000 });
    assert.ok(await auth.$eval('#main', (m) => m.hidden));
    await auth.screenshot({ path: `${SHOTS}login.png` });

    await auth.fill('#login input[name=user]', READER);
    await auth.fill('#login input[name=password]', 'not-the-password');
    await auth.click('#login button[type=submit]');
    await auth.waitForFunction(() => document.querySelector('#login-error').textContent.startsWith('login failed'));

    await auth.fill('#login input[name=password]', READER_PW);
    await auth.click('#login button[type=submit]');
    await auth.waitForSelector('#main:not([hidden])', { timeout: 20000 });
    assert.equal(await auth.$eval('#user', (u) => u.textContent), `${READER} (read)`);
    // the bridge logs the socket in with the token: live data flows
    await auth.waitForSelector('[data-testid=connection].up', { timeout: 20000 });
    await auth.waitForFunction(() => document.querySelectorAll('#members tr[data-state=up]').length === 3,
      null, { timeout: 30000 });
    await auth.waitForFunction(() => Number(document.querySelector('figure[data-chart=pins]')?.dataset.points) >= 2,
      null, { timeout: 20000 });
    for (const control of ['#pin-form', '#drop', '#add-form']) {
      assert.equal(await auth.isVisible(control), false, `${control} is shown to a read user`);
    }
    await auth.waitForSelector('#pin-list tr[data-cid] button', { timeout: 20000 });
    await auth.click('#pin-list tr[data-cid] button');
    await auth.waitForSelector('#pin-detail:not([hidden]) table');
    assert.equal(await auth.$$eval('#pin-detail button', (b) => b.length), 0);
    await auth.screenshot({ path: `${SHOTS}read.png`, fullPage: true });

    await auth.click('#logout');
    await auth.waitForSelector('#login:not([hidden])');
    await auth.fill('#login input[name=user]', ADMIN);
    await auth.fill('#login input[name=password]', ADMIN_PW);
    await auth.click('#login button[type=submit]');
    await auth.waitForSelector('#pin-form', { state: 'visible', timeout: 20000 });
    assert.equal(await auth.$eval('#user', (u) => u.textContent), `${ADMIN} (admin)`);
  } finally {
    await context.close();
  }
});

test('a killed node shows down and alerted within 10 s, and both clear when it returns', { timeout: 120000 }, async () => {
  const killedAt = Date.now();
  process.kill(KILL_PID, 'SIGKILL');
  await page.waitForFunction(() => document.querySelector('#members tr[data-node=node3]')?.dataset.state === 'down',
    null, { timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('#alerts li[data-node=node3]')
    && document.querySelector('#members tr[data-node=node3]').dataset.alerts !== '0', null,
  { timeout: Math.max(1000, 10000 - (Date.now() - killedAt)) });
  const states = await page.$$eval('#members tr', (rows) => rows.map((r) => `${r.dataset.node}:${r.dataset.state}`));
  assert.deepEqual(states, ['node1:up', 'node2:up', 'node3:down']);
  await page.waitForFunction(() => {
    const kv = document.querySelector('#raft tr[data-group=kv]');
    return kv && (kv.dataset.leader === 'node1' || kv.dataset.leader === 'node2');
  }, null, { timeout: 30000 });
  await page.screenshot({ path: `${SHOTS}down.png`, fullPage: true });

  console.log('restart node3');
  await page.waitForFunction(() => document.querySelector('#members tr[data-node=node3]')?.dataset.state === 'up',
    null, { timeout: 60000 });
  await page.waitForFunction(() => !document.querySelector('#alerts li[data-node=node3]')
    && document.querySelector('#members tr[data-node=node3]').dataset.alerts === '0', null, { timeout: 30000 });
  await page.screenshot({ path: `${SHOTS}back.png`, fullPage: true });
  assert.deepEqual(problems, []);
});
