// The SockJS bridge of a node with api.users, from Node.js with the npm client.
// Started by dev.ferry.web.BridgeAuthTest, which passes in the environment:
//   FERRY_BRIDGE    the node's bridge URL
//   FERRY_API       the node's HTTP API (for POST /token)
//   FERRY_ADMIN, FERRY_READER   "USER:PASSWORD" of an admin and of a read user
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const EventBus = require('@vertx/eventbus-bridge-client.js');

const BRIDGE = process.env.FERRY_BRIDGE;
const API = process.env.FERRY_API;
const ADMIN = process.env.FERRY_ADMIN;
const READER = process.env.FERRY_READER;
const WAIT_MS = 10000;

const basic = (userPassword) => `Basic ${Buffer.from(userPassword).toString('base64')}`;

/** Opens a bridge connection whose every frame carries {@code authorization} (none if null). */
function connect(authorization) {
  return new Promise((resolve, reject) => {
    const eb = new EventBus(BRIDGE);
    eb.errors = [];
    eb.onerror = (err) => eb.errors.push(err);
    if (authorization) eb.defaultHeaders = { authorization };
    const timer = setTimeout(() => reject(new Error(`bridge ${BRIDGE} did not open`)), WAIT_MS);
    eb.onopen = () => { clearTimeout(timer); resolve(eb); };
  });
}

/** A request over the bridge; resolves with the reply's body, rejects with the failure. */
function request(eb, address, body) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply from ${address}`)), WAIT_MS);
    eb.send(address, body, {}, (err, reply) => {
      clearTimeout(timer);
      if (err) reject(err); else resolve(reply.body);
    });
  });
}

/** Sends {@code body} to {@code address} and resolves with the error frame the server answers it with. */
function refused(eb, address, body) {
  const seen = eb.errors.length;
  eb.send(address, body, {}, () => {});
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (eb.errors.length > seen) { clearInterval(poll); resolve(eb.errors[seen].body); }
      else if (Date.now() - started > WAIT_MS) { clearInterval(poll); reject(new Error(`no error frame for ${address}`)); }
    }, 20);
  });
}

const propose = (key) => ({ op: 'propose', payload: { op: 'put', key, value: 'v' } });

test('no credentials or wrong ones are refused', async () => {
  for (const authorization of [null, basic(`${READER.split(':')[0]}:not-the-password`), 'Bearer not.a.token']) {
    const eb = await connect(authorization);
    try {
      assert.equal(await refused(eb, 'ferry.registry', { op: 'names' }), 'access_denied');
      assert.equal(await refused(eb, 'ferry.raft.kv', { op: 'status' }), 'access_denied');
    } finally {
      eb.close();
    }
  }
});

test('a read user may query and follow feeds but not propose', async () => {
  const eb = await connect(basic(READER));
  try {
    const names = await request(eb, 'ferry.registry', { op: 'names' });
    assert.ok(Array.isArray(names.names));
    const status = await request(eb, 'ferry.raft.kv', { op: 'status' });
    assert.equal(status.group, 'kv');
    const read = await request(eb, 'ferry.raft.kv', { op: 'query', payload: { op: 'get', key: 'absent' } });
    assert.equal(read.result ?? null, null);   // absent: answered, not refused
    assert.equal(await refused(eb, 'ferry.raft.kv', propose('from-reader')), 'access_denied');
    assert.equal(await refused(eb, 'ferry.raft.kv', { action: 'propose', op: { op: 'put', key: 'k', value: 'v' } }),
      'access_denied');
    // registering on a mailbox service is a change: not for read
    assert.equal(await refused(eb, 'ferry.registry', { op: 'register', name: 'x', address: 'ferry.mbx.node1.a.1' }),
      'access_denied');
  } finally {
    eb.close();
  }
  // still refused after all that: the value was never written
  const admin = await connect(basic(ADMIN));
  try {
    const read = await request(admin, 'ferry.raft.kv', { op: 'query', payload: { op: 'get', key: 'from-reader' } });
    assert.equal(read.result?.value ?? null, null);
  } finally {
    admin.close();
  }
});

test('an admin with a token proposes to kv, but not membership changes nor to a service\'s group', async () => {
  const response = await fetch(`${API}/token`, { method: 'POST', headers: { authorization: basic(ADMIN) } });
  assert.equal(response.status, 200);
  const { token } = await response.json();
  const eb = await connect(`Bearer ${token}`);
  try {
    const put = await request(eb, 'ferry.raft.kv', propose('from-admin'));
    assert.ok(put.index > 0);
    for (const op of [{ op: 'transfer', node: 'node1' }, { op: 'leave', node: 'node1' },
      { op: 'join', node: 'node9' }, { action: 'transfer', node: 'node1' }]) {
      assert.equal(await refused(eb, 'ferry.raft.kv', op), 'access_denied', JSON.stringify(op));
    }
    assert.equal(await refused(eb, 'ferry.raft.pins', propose('made-up')), 'access_denied');
    // the group still answers the admin: nothing above broke the socket
    assert.equal((await request(eb, 'ferry.raft.kv', { op: 'status' })).group, 'kv');
  } finally {
    eb.close();
  }
});
