// The reference CIDs for ferry's UnixFS importer: imports files with js-ipfs's own importer
// (ipfs-unixfs-importer, installed under tools/ipfs by bin/test) and prints one JSON line per
// entry it yields: {"job": n, "path": ..., "cid": ..., "size": ...}.
//
// usage: node src/test/js/unixfs-reference.mjs SPEC.json
// SPEC: {"jobs": [{"options": {cidVersion, rawLeaves, maxChunkSize, wrapWithDirectory, ...},
//        "entries": [{"path": "a/b.txt", "file": "/abs/path/of/content"}, {"path": "emptydir"}]}, ...]}
import { readFileSync, createReadStream } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const modules = resolve(process.env.FERRY_IPFS_MODULES ?? 'tools/ipfs/node_modules')
const { importer } = await import(pathToFileURL(resolve(modules, 'ipfs-unixfs-importer/src/index.js')))

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'))

// a blockstore that keeps nothing: the CIDs do not depend on what is stored
const blockstore = {
  put: async (cid) => cid,
  has: async () => false,
  get: async () => { throw new Error('the reference blockstore keeps nothing') }
}

for (const [job, { options: given, entries }] of spec.jobs.entries()) {
  const options = { ...given }
  if (options.maxChunkSize) {
    options.minChunkSize = options.maxChunkSize
    options.avgChunkSize = options.maxChunkSize
  }
  const candidates = entries.map(e => e.file === undefined
    ? { path: e.path }
    : { path: e.path, content: createReadStream(e.file, { highWaterMark: 1 << 20 }) })
  for await (const entry of importer(candidates, blockstore, options)) {
    const cid = options.cidVersion === 1 ? entry.cid.toV1().toString() : entry.cid.toString()
    console.log(JSON.stringify({ job, path: entry.path, cid, size: Number(entry.size ?? 0) }))
  }
}
