// The reference for ferry's CAR files: @ipld/car (installed under tools/ipfs by bin/test).
//   node src/test/js/car-reference.mjs read CAR       prints {"roots": [...]}, then {"cid": ..., "bytes": n} per block
//   node src/test/js/car-reference.mjs write FILE CAR imports FILE as js-ipfs adds it (CIDv0), writes its
//                                                     blocks to CAR with one root, prints {"root": ...}
import { readFileSync, createWriteStream } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const modules = resolve(process.env.FERRY_IPFS_MODULES ?? 'tools/ipfs/node_modules')
const load = (path) => import(pathToFileURL(resolve(modules, path)))
const { CarReader, CarWriter } = await load('@ipld/car/src/index.js')

const [mode, input, output] = process.argv.slice(2)
if (mode === 'read') {
  const reader = await CarReader.fromBytes(readFileSync(input))
  console.log(JSON.stringify({ roots: (await reader.getRoots()).map(String) }))
  for await (const block of reader.blocks()) {
    console.log(JSON.stringify({ cid: block.cid.toString(), bytes: block.bytes.length }))
  }
} else if (mode === 'write') {
  const { importer } = await load('ipfs-unixfs-importer/src/index.js')
  const blocks = []  // in the order the importer makes them
  const blockstore = {
    put: async (cid, bytes) => { blocks.push({ cid, bytes }); return cid },
    has: async () => false,
    get: async () => { throw new Error('not kept') }
  }
  let root
  for await (const entry of importer([{ path: 'f', content: readFileSync(input) }], blockstore, {})) {
    root = entry.cid
  }
  const { writer, out } = CarWriter.create([root])
  const done = (async () => {
    const file = createWriteStream(output)
    for await (const chunk of out) file.write(chunk)
    await new Promise(resolve => file.end(resolve))
  })()
  for (const block of blocks) {
    await writer.put(block)
  }
  await writer.close()
  await done
  console.log(JSON.stringify({ root: root.toString() }))
} else {
  throw new Error('usage: car-reference.mjs read CAR | write FILE CAR')
}
