// @nftstorage/ipfs-cluster 5.0.1, the npm client of IPFS Cluster's REST API, unmodified, against a
// ferry cluster of two nodes on real js-ipfs daemons. Run by dev.ferry.web.IpfsClusterClientTest, which sets:
//   FERRY_API_1, FERRY_API_2   the nodes' HTTP APIs
//   FERRY_PEER_1, FERRY_PEER_2 their libp2p peer IDs
//   FERRY_DAEMON_1             node1's daemon's peer ID
//   FERRY_CAR, FERRY_CAR_ROOT  a CARv1 file (exported by a daemon) and its root
//   FERRY_HELD                 a CID node1's daemon holds, not pinned in the cluster
// Every method of the client is called; each answer is checked as the client hands it to its user.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Cluster, TrackerStatusPinned, TrackerStatusRemote, TrackerStatusUnpinned } from '@nftstorage/ipfs-cluster'

const env = (name) => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set: run this through IpfsClusterClientTest`)
  return value
}
const one = new Cluster(env('FERRY_API_1'))
const two = new Cluster(env('FERRY_API_2'))
const peers = [env('FERRY_PEER_1'), env('FERRY_PEER_2')]
const PEER_ID = /^(12D3KooW|Qm)[1-9A-HJ-NP-Za-km-z]+$/

/** Until check() is truthy, every 200 ms, for at most 60 s. */
const eventually = async (what, check) => {
  const deadline = Date.now() + 60_000
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

const pinnedEverywhere = (cid) => eventually(`${cid} pinned on both nodes`, async () => {
  const status = await two.status(cid)
  return Object.keys(status.peerMap).length === 2 &&
    Object.values(status.peerMap).every((peer) => peer.status === TrackerStatusPinned)
})

test('version and info describe the node', async () => {
  assert.match(await one.version(), /^\d+\.\d+\.\d+/)
  const info = await one.info()
  assert.equal(info.id, peers[0])
  assert.match(info.id, PEER_ID)
  assert.equal(info.peerName, 'node1')
  assert.deepEqual([...info.clusterPeers].sort(), [...peers].sort())
  assert.equal(info.ipfs.id, env('FERRY_DAEMON_1'))
  assert.ok(info.addresses.every((address) => address.startsWith('/')))
})

test('peerList lists both nodes by peer ID', async () => {
  const list = await two.peerList()
  assert.deepEqual(list.map((peer) => peer.id).sort(), [...peers].sort())
  assert.deepEqual(list.map((peer) => peer.peerName).sort(), ['node1', 'node2'])
})

test('add with the default options adds and pins a file', async () => {
  const file = new File([`hello from node ${Date.now()}`], 'hello.txt')
  const added = await one.add(file)
  assert.match(added.cid, /^bafk/)   // the client asks for CIDv1 with raw leaves
  assert.equal(added.name, 'hello.txt')
  assert.equal(added.size, file.size)
  await pinnedEverywhere(added.cid)
})

test('addDirectory wraps the files in a directory and pins it', async () => {
  const files = [new File(['first'], 'a.txt'), new File([`second ${Date.now()}`], 'b.txt')]
  const added = await one.addDirectory(files, { name: 'site' })
  assert.deepEqual(added.map((entry) => entry.name), ['a.txt', 'b.txt', 'site'])
  const root = added[added.length - 1]
  assert.deepEqual(root.allocations, [])   // every node: the default replication
  assert.ok(added.slice(0, 2).every((entry) => entry.cid.startsWith('bafk')))
  await pinnedEverywhere(root.cid)
})

test('addCAR imports the blocks of a CAR and pins its root', async () => {
  const car = new Blob([readFileSync(env('FERRY_CAR'))])
  const added = await two.addCAR(car)
  assert.equal(added.cid, env('FERRY_CAR_ROOT'))
  await pinnedEverywhere(added.cid)
})

test('pin with options, allocation, status, statusAll with filters, recover and unpin', async () => {
  const cid = env('FERRY_HELD')
  const expireAt = new Date(Date.now() + 3600_000)
  const pinned = await one.pin(cid, {
    name: 'held', replicationFactorMin: 1, replicationFactorMax: 1, userAllocations: [peers[0]],
    expireAt, metadata: { owner: 'ann' }
  })
  assert.equal(pinned.cid, cid)
  assert.equal(pinned.name, 'held')
  assert.equal(pinned.type, 'pin')
  assert.equal(pinned.mode, 'recursive')
  assert.deepEqual(pinned.allocations, [peers[0]])
  assert.deepEqual(pinned.userAllocations, [peers[0]])
  assert.deepEqual(pinned.metadata, { owner: 'ann' })
  assert.equal(Math.floor(pinned.expireAt.getTime() / 1000), Math.floor(expireAt.getTime() / 1000))

  const allocation = await two.allocation(cid)
  assert.equal(allocation.cid, cid)
  assert.deepEqual(allocation.allocations, [peers[0]])

  const status = await eventually('node1 to pin it', async () => {
    const s = await two.status(cid)
    return s.peerMap[peers[0]]?.status === TrackerStatusPinned && s
  })
  assert.equal(status.peerMap[peers[0]].peerName, 'node1')
  assert.equal(status.peerMap[peers[0]].ipfsPeerId, env('FERRY_DAEMON_1'))
  assert.ok(status.peerMap[peers[0]].timestamp instanceof Date && !isNaN(status.peerMap[peers[0]].timestamp))
  // as IPFS Cluster: every cluster peer is in the peer map, node2 (not allocated) remote
  assert.deepEqual(Object.keys(status.peerMap).sort(), [...peers].sort())
  assert.equal(status.peerMap[peers[1]].status, TrackerStatusRemote)
  assert.equal(status.peerMap[peers[1]].peerName, 'node2')

  const all = await two.statusAll()
  const line = all.find((s) => s.cid === cid)
  assert.deepEqual(Object.keys(line.peerMap).sort(), [...peers].sort())
  assert.equal(line.peerMap[peers[0]].status, TrackerStatusPinned)
  assert.equal(line.peerMap[peers[1]].status, TrackerStatusRemote)
  // a filter keeps the pins some peer's status matches, with those peers' statuses alone
  const pinnedOnes = await two.statusAll({ filter: [TrackerStatusPinned] })
  assert.deepEqual(Object.keys(pinnedOnes.find((s) => s.cid === cid).peerMap), [peers[0]])
  const remoteOnes = await two.statusAll({ filter: [TrackerStatusRemote] })
  const remote = remoteOnes.find((s) => s.cid === cid)
  assert.deepEqual(Object.keys(remote.peerMap), [peers[1]])
  assert.equal(remote.peerMap[peers[1]].status, TrackerStatusRemote)
  const errors = await two.statusAll({ filter: ['error'] })
  assert.ok(errors.every((s) => s.cid !== cid))
  const listed = await two.statusAll({ cids: [cid] })
  assert.deepEqual(listed.map((s) => s.cid), [cid])
  assert.deepEqual(Object.keys(listed[0].peerMap).sort(), [...peers].sort())
  const local = await two.statusAll({ local: true, cids: [cid] })
  assert.deepEqual(Object.keys(local[0].peerMap), [peers[1]])
  const localAll = await two.statusAll({ local: true })
  const localLine = localAll.find((s) => s.cid === cid)
  assert.deepEqual(Object.keys(localLine.peerMap), [peers[1]])
  assert.equal(localLine.peerMap[peers[1]].status, TrackerStatusRemote)

  const recovered = await one.recover(cid)
  assert.equal(recovered.cid, cid)
  assert.equal(recovered.peerMap[peers[0]].status, TrackerStatusPinned)
  assert.equal(recovered.peerMap[peers[1]].status, TrackerStatusRemote)

  const unpinned = await two.unpin(cid)
  assert.equal(unpinned.cid, cid)
  const after = await two.status(cid)
  assert.ok(Object.values(after.peerMap).every((peer) => peer.status === TrackerStatusUnpinned))
})

test('pin and unpin take an IPFS path', async () => {
  const cid = env('FERRY_HELD')
  const pinned = await two.pin(`/ipfs/${cid}`, { replicationFactorMin: -1, replicationFactorMax: -1 })
  assert.equal(pinned.cid, cid)
  assert.deepEqual(pinned.allocations, [])
  await pinnedEverywhere(cid)
  assert.equal((await one.unpin(`/ipfs/${cid}`)).cid, cid)
})

test('a failure is an error with the status', async () => {
  await assert.rejects(one.pin('QmNotACid'), /^Error: 400/)
  await assert.rejects(one.allocation('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'), /^Error: 404/)
})

test('metricNames lists the monitor\'s metrics', async () => {
  const names = await eventually('every metric name', async () => {
    const got = await one.metricNames()
    return got.includes('ping') && got.includes('freespace') ? got : null
  })
  assert.deepEqual(names, ['freespace', 'numpin', 'ping', 'pinqueue', 'tag:group'])
})
