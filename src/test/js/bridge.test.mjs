// The SockJS event-bus bridge from Node.js, with the npm client, against a running test cluster.
// Started by dev.ferry.web.BridgeJsTest, which passes the endpoints in the environment:
//   FERRY_BRIDGE_OPEN   bridge URL of a node without a token
//   FERRY_BRIDGE_TOKEN_URL  bridge URL of a node that needs FERRY_TOKEN
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const EventBus = require('@vertx/eventbus-bridge-client.js');

const OPEN = process.env.FERRY_BRIDGE_OPEN;
const GUARDED = process.env.FERRY_BRIDGE_TOKEN_URL;
const TOKEN = process.env.FERRY_TOKEN;
const WAIT_MS = 10000;

/** Opens a bridge connection; resolves once open. */
function connect(url) {
  return new Promise((resolve, reject) => {
    const eb = new EventBus(url);
    eb.errors = [];
    eb.onerror = (err) => eb.errors.push(err);
    const timer = setTimeout(() => reject(new Error(`bridge ${url} did not open`)), WAIT_MS);
    eb.onopen = () => { clearTimeout(timer); resolve(eb); };
  });
}

/** A request over the bridge; resolves with the reply's body, rejects with the failure. */
function request(eb, address, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply from ${address}`)), WAIT_MS);
    eb.send(address, body, headers, (err, reply) => {
      clearTimeout(timer);
      if (err) reject(err); else resolve(reply.body);
    });
  });
}

/** Resolves with the next error frame the server sends this connection (e.g. access_denied). */
function nextError(eb) {
  const seen = eb.errors.length;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (eb.errors.length > seen) { clearInterval(poll); resolve(eb.errors[seen]); }
      else if (Date.now() - started > WAIT_MS) { clearInterval(poll); reject(new Error('no error frame')); }
    }, 20);
  });
}

test('look a name up, send to it, and get the reply', async () => {
  const eb = await connect(OPEN);
  try {
    const found = await request(eb, 'ferry.registry', { op: 'lookup', name: 'echo' });
    assert.equal(found.name, 'echo');
    assert.match(found.address, /^ferry\.mbx\.node1\.[0-9a-z]+\.[0-9]+$/);
    const reply = await request(eb, found.address, { text: 'hello from node' });
    assert.deepEqual(reply, { echo: { text: 'hello from node' } });
    await assert.rejects(request(eb, 'ferry.registry', { op: 'lookup', name: 'nobody' }),
      (err) => err.failureCode === 404 && /^not-found: /.test(err.message));
  } finally {
    eb.close();
  }
});

test('a server mailbox replies to the address the bridge made for this socket', async () => {
  const eb = await connect(OPEN);
  try {
    const mine = await request(eb, 'ferry.bridge.mailbox', {});
    assert.match(mine.address, /^ferry\.mbx\.node1\./);
    const received = new Promise((resolve) => eb.registerHandler(mine.address, {}, (err, msg) => resolve(msg.body)));
    const { address } = await request(eb, 'ferry.registry', { op: 'lookup', name: 'echo' });
    eb.send(address, { text: 'ping', replyTo: mine.address });
    assert.deepEqual(await received, { pong: 'ping' });
  } finally {
    eb.close();
  }
});

test('addresses outside the permissions are denied with access_denied', async () => {
  const eb = await connect(OPEN);
  try {
    let denied = nextError(eb);
    eb.send('ferry.node.node1.id', {});
    assert.equal((await denied).body, 'access_denied');

    denied = nextError(eb);
    eb.registerHandler('ferry.raft.kv.node1', {}, () => {});
    assert.equal((await denied).body, 'access_denied');

    // another socket's address, or any mailbox address but its own, cannot be received on
    const other = await connect(OPEN);
    const theirs = await request(other, 'ferry.bridge.mailbox', {});
    denied = nextError(eb);
    eb.registerHandler(theirs.address, {}, () => {});
    assert.equal((await denied).body, 'access_denied');
    other.close();
  } finally {
    eb.close();
  }
});

test('a node with a token refuses clients without it', async () => {
  const anonymous = await connect(GUARDED);
  try {
    const denied = nextError(anonymous);
    anonymous.send('ferry.registry', { op: 'names' }, {}, () => {});
    assert.equal((await denied).body, 'access_denied');

    const inHeader = await request(anonymous, 'ferry.registry', { op: 'names' }, { token: TOKEN });
    assert.ok(Array.isArray(inHeader.names));
  } finally {
    anonymous.close();
  }
  const inUrl = await connect(`${GUARDED}?token=${encodeURIComponent(TOKEN)}`);
  try {
    const names = await request(inUrl, 'ferry.registry', { op: 'names' });
    assert.ok(names.names.includes('echo'));
  } finally {
    inUrl.close();
  }
});

test('member events are followed live', async () => {
  const eb = await connect(OPEN);
  try {
    const event = new Promise((resolve) => eb.registerHandler('ferry.events.members', {}, (err, msg) => resolve(msg.body)));
    // the Java side stops node3 once it sees this registration on node1's bus
    await request(eb, 'ferry.registry', { op: 'names' });
    process.stdout.write('READY-FOR-MEMBER-EVENT\n');
    const body = await event;
    assert.equal(body.event, 'left');
    assert.equal(body.node, 'node3');
  } finally {
    eb.close();
  }
});
