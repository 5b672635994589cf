// The npm kubo-rpc-client against the IPFS proxy of a node with no IPFS daemon behind it (its
// embedded store answers; started by dev.ferry.web.proxy.KuboRpcClientJsTest), or of a node on a
// real js-ipfs daemon (FERRY_DAEMON=js-ipfs; started by dev.ferry.web.IpfsClusterClientTest). Set:
//   FERRY_PROXY  the proxy's API URL (http://127.0.0.1:PORT/api/v0)
//   FERRY_PEER_ID  the peer ID that id reports: the node's (embedded store) or its daemon's
//   FERRY_STORAGE_MAX  the embedded store's ipfs.storage_max (embedded store only)
// The few answers that are the daemon's own rather than the cluster's differ between the two, as
// each test says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from 'kubo-rpc-client';

const ipfs = create({ url: process.env.FERRY_PROXY });
const onDaemon = process.env.FERRY_DAEMON === 'js-ipfs';
// a block that is gone: the embedded store says so; js-ipfs would wait for the network, so it is asked with a timeout
const gone = (cid) => onDaemon ? ipfs.block.stat(cid, { timeout: 2000 }) : ipfs.block.stat(cid);
const GONE = onDaemon ? /./ : /not in the block store/;
const text = (s) => new TextEncoder().encode(s);

async function bytes(iterable) {
  const chunks = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function all(iterable) {
  const items = [];
  for await (const item of iterable) items.push(item);
  return items;
}

test('add gives Kubo\'s CID, pins in the cluster, and cat reads ranges', async () => {
  const added = await ipfs.add({ path: 'hello.txt', content: text('hello world\n') });
  assert.equal(added.cid.toString(), 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o');  // Kubo's, for these bytes
  assert.equal(added.path, 'hello.txt');
  assert.equal((await bytes(ipfs.cat(added.cid))).toString(), 'hello world\n');
  assert.equal((await bytes(ipfs.cat(added.cid, { offset: 6, length: 5 }))).toString(), 'world');
  const pins = await all(ipfs.pin.ls({ paths: [added.cid] }));
  assert.deepEqual(pins.map((p) => [p.cid.toString(), p.type]), [[added.cid.toString(), 'recursive']]);
  const v1 = await ipfs.add(text('hello world\n'), { cidVersion: 1, pin: false });
  assert.equal(v1.cid.toString(), 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4');  // sha2-256 of the bytes, as a raw CIDv1
});

test('directories: addAll, ls, refs and get as a tar', async () => {
  const added = await all(ipfs.addAll([{ path: 'd/a.txt', content: text('A') }, { path: 'd/b/c.txt', content: text('C') }]));
  assert.deepEqual(added.map((f) => f.path), ['d/a.txt', 'd/b/c.txt', 'd/b', 'd']);
  const root = added[3].cid;
  const listed = await all(ipfs.ls(root));
  assert.deepEqual(listed.map((e) => [e.name, e.type]), [['a.txt', 'file'], ['b', 'dir']]);
  const refs = await all(ipfs.refs(root, { recursive: true }));
  assert.equal(refs.length, 3);
  const tar = await bytes(ipfs.get(root));
  assert.equal(tar.length % 512, 0);
  assert.ok(tar.includes(Buffer.from(`${root}/b/c.txt`)), 'the tar holds the nested file under the root\'s name');
});

test('blocks: put, stat, get and rm; dag put, get, export and import', async () => {
  const cid = await ipfs.block.put(text('a block'));
  assert.equal((await ipfs.block.stat(cid)).size, 7);
  assert.equal(new TextDecoder().decode(await ipfs.block.get(cid)), 'a block');
  const removed = await all(ipfs.block.rm(cid));
  assert.equal(removed[0].error, undefined);
  await assert.rejects(gone(cid), GONE);

  const node = await ipfs.dag.put({ hello: 'world' });
  assert.deepEqual((await ipfs.dag.get(node)).value, { hello: 'world' });

  const file = await ipfs.add(text('exported ' + Date.now()), { pin: false });
  const car = await bytes(ipfs.dag.export(file.cid));
  const imported = await all(ipfs.dag.import([car]));
  assert.deepEqual(imported.map((r) => [r.root.cid.toString(), r.root.pinErrorMsg ?? '']), [[file.cid.toString(), '']]);
  if (!onDaemon) {  // a daemon's dag/import is forwarded and pins on the daemon alone, as IPFS Cluster's proxy forwards it
    assert.ok((await all(ipfs.pin.ls({ paths: [file.cid] }))).length === 1, 'dag/import pins its roots in the cluster');
  }
});

test('pin update and rm act on the cluster', async () => {
  const a = await ipfs.add(text('first ' + Date.now()));
  const b = await ipfs.add(text('second ' + Date.now()), { pin: false });
  const updated = await ipfs.pin.update(a.cid, b.cid);
  assert.deepEqual(updated.map(String), [a.cid.toString(), b.cid.toString()]);
  const pinned = (await all(ipfs.pin.ls())).map((p) => p.cid.toString());
  assert.ok(pinned.includes(b.cid.toString()) && !pinned.includes(a.cid.toString()));
  assert.deepEqual((await ipfs.pin.rm(b.cid)).toString(), b.cid.toString());
});

test('a direct pin, a block put with pin, and GET with the argument in the path act on the cluster', async () => {
  const cid = await ipfs.block.put(text('direct ' + Date.now()));
  await ipfs.pin.add(cid, { recursive: false });
  const direct = await all(ipfs.pin.ls({ type: 'direct' }));
  assert.deepEqual(direct.filter((p) => p.cid.toString() === cid.toString()).map((p) => p.type), ['direct']);
  assert.ok(!(await all(ipfs.pin.ls({ type: 'recursive' }))).some((p) => p.cid.toString() === cid.toString()));
  await ipfs.pin.rm(cid);
  const pinned = await ipfs.block.put(text('pinned block ' + Date.now()), { pin: true });
  const viaGet = await fetch(`${process.env.FERRY_PROXY}/pin/ls/${pinned}`);  // IPFS Cluster's proxy takes GET and the slash form
  assert.equal(viaGet.status, 200);
  assert.deepEqual((await viaGet.json()).Keys[pinned.toString()], { Type: 'recursive' });
  await ipfs.pin.rm(pinned);
});

test('pin add, ls, update and rm take paths; dag put with pin pins in the cluster', async () => {
  const stamp = Date.now();
  const added = await all(ipfs.addAll([{ path: 'site/docs/a.txt', content: text('path a ' + stamp) },
    { path: 'site/docs/b.txt', content: text('path b ' + stamp) }], { pin: false }));
  const cidOf = (path) => added.find((e) => e.path === path).cid.toString();
  const [root, a, b] = [cidOf('site'), cidOf('site/docs/a.txt'), cidOf('site/docs/b.txt')];
  assert.equal((await ipfs.pin.add(`/ipfs/${root}/docs/a.txt`)).toString(), a);  // resolved below the root
  // pin/ls takes a CID or /ipfs/CID, as IPFS Cluster's proxy (a path below one is not resolved there)
  const listed = await all(ipfs.pin.ls({ paths: [`/ipfs/${a}`] }));
  assert.deepEqual(listed.map((p) => [p.cid.toString(), p.type]), [[a, 'recursive']]);
  const updated = await ipfs.pin.update(`/ipfs/${root}/docs/a.txt`, `/ipfs/${root}/docs/b.txt`);
  assert.deepEqual(updated.map(String), [a, b]);
  const pinned = (await all(ipfs.pin.ls())).map((p) => p.cid.toString());
  assert.ok(pinned.includes(b) && !pinned.includes(a), 'the update pinned b and unpinned a');
  assert.equal((await ipfs.pin.rm(`/ipfs/${root}/docs/b.txt`)).toString(), b);
  assert.ok(!(await all(ipfs.pin.ls())).some((p) => p.cid.toString() === b), 'b is unpinned');

  const node = await ipfs.dag.put({ pinned: stamp }, { pin: true });
  assert.deepEqual((await all(ipfs.pin.ls({ paths: [node] }))).map((p) => [p.cid.toString(), p.type]),
    [[node.toString(), 'recursive']]);
  await ipfs.pin.rm(node);
});

test('id, version and repo stat describe the store; gc collects what no pin reaches; other calls need a daemon', async () => {
  const id = await ipfs.id();
  assert.equal(id.id.toString(), process.env.FERRY_PEER_ID);
  assert.match(id.agentVersion, onDaemon ? /^js-ipfs\// : /^ferry-embedded\//);
  assert.ok((await ipfs.version()).version);
  const stat = await ipfs.repo.stat();
  if (!onDaemon) {
    assert.equal(stat.storageMax, BigInt(process.env.FERRY_STORAGE_MAX));
  }
  assert.ok(stat.numObjects > 0n && stat.repoSize > 0n && stat.storageMax > 0n);
  const loose = await ipfs.block.put(text('unpinned ' + Date.now()));
  // by multihash: a blockstore keyed by multihash (js-ipfs's, Kubo's) names what it removed as a raw CIDv1
  const hash = (cid) => Buffer.from(cid.multihash.bytes).toString('hex');
  const collected = (await all(ipfs.repo.gc())).filter((r) => r.cid).map((r) => hash(r.cid));
  assert.ok(collected.includes(hash(loose)), `the unpinned block ${loose} is collected`);
  await assert.rejects(gone(loose), GONE);
  if (onDaemon) {  // forwarded to the daemon, as any command the proxy does not take over
    assert.ok(Array.isArray(await ipfs.swarm.peers()));
  } else {
    await assert.rejects(ipfs.swarm.peers(), /needs a Kubo daemon.*ipfs\.api/);
  }
});
