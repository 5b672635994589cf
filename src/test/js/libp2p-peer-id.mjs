// The peer ID that js-libp2p (as installed for js-ipfs under tools/ipfs) derives from a key, to
// check ferry's derivation against the real implementation (NodeKeyLibp2pTest runs this).
//   node libp2p-peer-id.mjs HEX...   one line per key: the peer ID of that libp2p PrivateKey protobuf
//   node libp2p-peer-id.mjs --generate   a new Ed25519 key of js-libp2p's: "HEX PEER_ID"
const libp2p = new URL('../../../tools/ipfs/node_modules/@libp2p/', import.meta.url);
const { generateKeyPair, marshalPrivateKey, unmarshalPrivateKey } =
  await import(new URL('crypto/dist/src/keys/index.js', libp2p));
const { createFromPrivKey } = await import(new URL('peer-id-factory/dist/src/index.js', libp2p));

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const args = process.argv.slice(2);
if (args[0] === '--generate') {
  const key = await generateKeyPair('Ed25519');
  console.log(`${hex(marshalPrivateKey(key))} ${(await createFromPrivKey(key)).toString()}`);
} else {
  for (const arg of args) {
    const key = await unmarshalPrivateKey(Buffer.from(arg, 'hex'));
    console.log((await createFromPrivKey(key)).toString());
  }
}
