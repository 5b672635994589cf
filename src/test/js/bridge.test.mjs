// The SockJS event-bus bridge from Node.js, with the npm client, against a running test cluster.
// Started by dev.ferry.web.BridgeJsTest, which passes the endpoints in the environment:
//   FERRY_BRIDGE_OPEN   bridge URL of a node without a token
//   FERRY_BRIDGE_TOKEN_URL  bridge URL of a node that needs FERRY_TOKEN
//   FERRY_ECHO_PEER     the peer id of a circuit "echo" peer on node1
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const EventBus = require('@vertx/eventbus-bridge-client.js');

const OPEN = process.env.FERRY_BRIDGE_OPEN;
const GUARDED = process.env.FERRY_BRIDGE_TOKEN_URL;
const TOKEN = process.env.FERRY_TOKEN;
const ECHO_PEER = process.env.FERRY_ECHO_PEER;
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

/** Resolves with the first message a handler on {@code address} receives that satisfies {@code match}. */
function receive(eb, address, match = () => true) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing on ${address}`)), WAIT_MS);
    eb.registerHandler(address, {}, (err, msg) => {
      if (!err && match(msg)) { clearTimeout(timer); resolve(msg); }
    });
  });
}

test('propose and query Raft in both spellings, and follow its change feed', async () => {
  const eb = await connect(OPEN);
  try {
    const feed = receive(eb, 'ferry.raft.kv.log', (msg) => msg.body.op && msg.body.op.key === 'from-js');
    await request(eb, 'ferry.registry', { op: 'names' });   // the registration above is in place
    const put = await request(eb, 'ferry.raft.kv', { action: 'propose', op: { op: 'put', key: 'from-js', value: 'hi' } });
    assert.ok(put.index > 0);
    const entry = (await feed).body;
    assert.equal(entry.index, put.index);
    assert.equal(entry.op.value, 'hi');
    assert.ok(entry.term > 0);
    const read = await request(eb, 'ferry.raft.kv', { action: 'query', op: { op: 'get', key: 'from-js' } });
    assert.equal(read.result.value, 'hi');
    const status = await request(eb, 'ferry.raft.kv', { action: 'status' });
    assert.ok(status.leader && status.term > 0);
    // the spelling every service shares: "op" names the request, the state machine's op is the "payload"
    const again = await request(eb, 'ferry.raft.kv', { op: 'query', payload: { op: 'get', key: 'from-js' } });
    assert.equal(again.result.value, 'hi');
    assert.equal((await request(eb, 'ferry.raft.kv', { op: 'status' })).group, 'kv');
    // Raft peer traffic is never reachable from the bridge
    const denied = nextError(eb);
    eb.send('ferry.raft.kv.node1', {});
    assert.equal((await denied).body, 'access_denied');
  } finally {
    eb.close();
  }
});

test('hold one end of a circuit to a server peer', async () => {
  const eb = await connect(OPEN);
  try {
    const { peer } = await request(eb, 'ferry.bridge.mailbox', {});
    assert.match(peer, /^bridge[0-9a-z]+$/);
    const circuit = 'c1';
    const inbox = [];
    eb.registerHandler(`ferry.circuit.${peer}.${circuit}`, {}, (err, msg) => { if (!err) inbox.push(msg); });
    await request(eb, 'ferry.registry', { op: 'names' });   // the registration above is in place
    const b64 = (text) => Buffer.from(text).toString('base64');
    const opened = await new Promise((resolve, reject) => {
      eb.send(`ferry.circuit.${ECHO_PEER}`, b64('hello'), {
        kind: 'open', circuit, from: peer, 'from-node': 'node1', 'from-service': 'js', window: '65536',
        serial: '1', subject: 'greeting',
      }, (err, reply) => (err ? reject(err) : resolve(reply)));
    });
    assert.equal(opened.headers.kind, 'opened');
    eb.send(`ferry.circuit.${ECHO_PEER}.${circuit}`, b64('again'), { kind: 'fragment', serial: '2' });
    const started = Date.now();
    while (inbox.filter((m) => m.headers.kind === 'fragment').length < 2 && Date.now() - started < WAIT_MS) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const echoes = inbox.filter((m) => m.headers.kind === 'fragment');
    assert.deepEqual(echoes.map((m) => Buffer.from(m.body, 'base64').toString()), ['hello', 'again']);
    assert.equal(echoes[0].headers.subject, 'greeting');

    // someone else's circuit cannot be listened in on
    const denied = nextError(eb);
    eb.registerHandler(`ferry.circuit.${ECHO_PEER}.${circuit}`, {}, () => {});
    assert.equal((await denied).body, 'access_denied');

    const closed = await new Promise((resolve, reject) => {
      eb.send(`ferry.circuit.${ECHO_PEER}.${circuit}`, null, { kind: 'close', reason: 'tab closed' },
        (err, reply) => (err ? reject(err) : resolve(reply)));
    });
    assert.equal(closed.headers.kind, 'closed');
  } finally {
    eb.close();
  }
});

test('hold several circuits on the socket\'s peer address', async () => {
  const eb = await connect(OPEN);
  try {
    const { peer } = await request(eb, 'ferry.bridge.mailbox', {});
    const inbox = [];
    eb.registerHandler(`ferry.circuit.${peer}`, {}, (err, msg) => { if (!err) inbox.push(msg); });
    await request(eb, 'ferry.registry', { op: 'names' });   // the registration above is in place
    const b64 = (text) => Buffer.from(text).toString('base64');
    const circuits = ['p1', 'p2'];
    let javaEnd;
    for (const circuit of circuits) {
      const opened = await new Promise((resolve, reject) => {
        eb.send(`ferry.circuit.${ECHO_PEER}`, b64(`hello ${circuit}`), {
          kind: 'open', circuit, from: peer, 'from-node': 'node1', 'from-service': 'js', window: '65536',
          'reply-to': `ferry.circuit.${peer}`, serial: '1',
        }, (err, reply) => (err ? reject(err) : resolve(reply)));
      });
      assert.equal(opened.headers.kind, 'opened');
      javaEnd = opened.headers['reply-to'];
      assert.equal(javaEnd, `ferry.circuit.${ECHO_PEER}`);
    }
    for (const circuit of circuits) {
      eb.send(javaEnd, b64(`again ${circuit}`), { kind: 'fragment', circuit, serial: '2' });
    }
    const started = Date.now();
    while (inbox.filter((m) => m.headers.kind === 'fragment').length < 4 && Date.now() - started < WAIT_MS) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const circuit of circuits) {
      const echoes = inbox.filter((m) => m.headers.kind === 'fragment' && m.headers.circuit === circuit);
      assert.deepEqual(echoes.map((m) => Buffer.from(m.body, 'base64').toString()), [`hello ${circuit}`, `again ${circuit}`]);
    }

    // an open that names another peer id (so that the server would send to someone else) is refused
    const denied = nextError(eb);
    eb.send(`ferry.circuit.${ECHO_PEER}`, null, {
      kind: 'open', circuit: 'p3', from: 'bridgesomeoneelse', 'from-node': 'node1', 'from-service': 'js', window: '65536',
    });
    assert.equal((await denied).body, 'access_denied');

    for (const circuit of circuits) {
      const closed = await new Promise((resolve, reject) => {
        eb.send(javaEnd, null, { kind: 'close', circuit, reason: 'tab closed' },
          (err, reply) => (err ? reject(err) : resolve(reply)));
      });
      assert.equal(closed.headers.kind, 'closed');
    }
  } finally {
    eb.close();
  }
});

// the attack: a browser on a node without users moved the kv leadership, removed a
// voter and proposed a raw pin op with a made-up allocation; none of it may pass a bridge
test('no bridge client changes Raft membership or proposes to a service\'s group', async () => {
  const eb = await connect(OPEN);
  try {
    const kv = await request(eb, 'ferry.raft.kv', { op: 'status' });
    const follower = kv.voters.find((node) => node !== kv.leader);
    assert.ok(follower, `a voter other than the leader in ${JSON.stringify(kv)}`);
    const cid = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o';
    const pin = { op: 'pin', cid, name: 'forged', replication_min: 1, replication_max: 1, allocations: ['node9'] };
    for (const [address, body] of [
      ['ferry.raft.kv', { op: 'transfer', node: follower }],
      ['ferry.raft.kv', { action: 'transfer', node: follower }],
      ['ferry.raft.kv', { op: 'leave', node: follower }],
      ['ferry.raft.kv', { op: 'join', node: 'node9' }],
      ['ferry.raft.pins', { op: 'propose', payload: pin }],
      ['ferry.raft.pins', { action: 'propose', op: pin }],
    ]) {
      const denied = nextError(eb);
      eb.send(address, body, {}, () => {});
      assert.equal((await denied).body, 'access_denied', `${address} ${JSON.stringify(body)}`);
    }
    const kvAfter = await request(eb, 'ferry.raft.kv', { op: 'status' });
    assert.equal(kvAfter.leader, kv.leader);
    assert.deepEqual(kvAfter.voters, kv.voters);
    assert.deepEqual(kvAfter.learners, kv.learners);
    // this cluster pins nothing: the pinset is still empty
    const listed = await request(eb, 'ferry.raft.pins', { op: 'query', payload: { op: 'list', limit: 10 } });
    assert.deepEqual(listed.result.pins, []);
    assert.equal(listed.result.count, 0);
    await assert.rejects(request(eb, 'ferry.raft.pins', { op: 'query', payload: { op: 'get', cid } }),
      (err) => /not-found/.test(err.message));
    // the kv group itself still takes a bridge client's write
    const put = await request(eb, 'ferry.raft.kv', { op: 'propose', payload: { op: 'put', key: 'after-denials', value: 'ok' } });
    assert.ok(put.index > 0);
  } finally {
    eb.close();
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
