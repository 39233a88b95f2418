/**
 * IPNS records on storage servers (issue #5 §4): the storage server keeps a record only when it verifies for its
 * name and wins the IPNS selection (sequence) against the one it holds; nothing is written otherwise. The grid
 * RecordStore asks every server and returns the best valid record, ignoring servers that lie or fail.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { isVeilError } from '../core/index.js';
import { FsBlockstore } from '../content/index.js';
import { request } from 'undici';
import { StorageClient, STORAGE_PATH_PREFIX, createStorageHandler, generateTlsIdentity, newSwissnum, type ServiceAddress } from '../grid/index.js';
import { createPeerStreamServer, createPinnedAgent, type PeerStreamServer } from '../net/index.js';
import { FsRecordStore, createRecord, ipnsNameOf, readRecordUnchecked } from '../names/index.js';
import { GridRecordStore, ipnsRecordPolicy } from './grid-records.js';
import { loopbackOpener } from '../net/test-helpers.js';

const HELLO = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o';
const OTHER = 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH';
let root: string;
const servers: PeerStreamServer[] = [];
const clients: StorageClient[] = [];

before(() => {
  root = mkdtempSync(join(tmpdir(), 'veil-grid-records-'));
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.close()));
  rmSync(root, { recursive: true, force: true });
});

const loopback = loopbackOpener;

async function startServer(name: string): Promise<{ client: StorageClient; recordsDir: string; port: number; address: ServiceAddress }> {
  const id = generateTlsIdentity();
  const swissnum = newSwissnum();
  const dir = join(root, name);
  const storage = createStorageHandler({
    blockstore: await FsBlockstore.open(join(dir, 'storage')),
    swissnum,
    version: 'test',
    reservedSpaceBytes: 0,
    freeBytes: async () => 1e12,
    records: { policy: ipnsRecordPolicy(), store: new FsRecordStore(dir, 'storage-names') },
  });
  const server = createPeerStreamServer({ keyPem: id.keyPem, certPem: id.certPem, tlsHandler: (req, res) => void (storage(req, res) || res.writeHead(404).end()), plainHandler: (_q, r) => r.writeHead(404).end() });
  servers.push(server);
  const listener = await server.listen({ kind: 'tcp', host: '127.0.0.1', port: 0 });
  const port = listener.target.kind === 'tcp' ? listener.target.port : 0;
  const address = { keyHash: id.keyHash, hints: [{ kind: 'tcp' as const, host: '127.0.0.1', port }], swissnum };
  const client = new StorageClient(address, { open: loopback(port), requestTimeoutMs: 10_000 });
  clients.push(client);
  return { client, recordsDir: join(dir, 'storage-names'), port, address };
}

test('a server keeps a record only if it verifies and is newer; GET and the trustless /ipns/ route serve it', async () => {
  const { client, recordsDir, port, address } = await startServer('s1');
  const key = await generateKeyPair('Ed25519');
  const name = ipnsNameOf(key.publicKey).name;
  const r1 = await createRecord(key, { value: `/ipfs/${HELLO}`, sequence: 1n, lifetimeMs: 3_600_000, ttlMs: 60_000 });
  const r0 = await createRecord(key, { value: `/ipfs/${OTHER}`, sequence: 0n, lifetimeMs: 3_600_000, ttlMs: 60_000 });
  assert.equal(await client.getRecord(name), undefined);
  assert.equal(await client.putRecord(name, r1), true);
  assert.equal(await client.putRecord(name, r1), true, 'the same record again: held');
  assert.equal(await client.putRecord(name, r0), false, 'an older sequence is not stored');
  assert.equal(readRecordUnchecked((await client.getRecord(name))!).sequence, 1n);

  // A record signed by another key, presented under this name: refused, nothing written.
  const other = await generateKeyPair('Ed25519');
  const foreign = await createRecord(other, { value: `/ipfs/${OTHER}`, sequence: 9n, lifetimeMs: 3_600_000, ttlMs: 60_000 });
  await assert.rejects(client.putRecord(name, foreign), (e: unknown) => isVeilError(e, 'VEIL_GRID_SERVER_REFUSED') && e.details['serverCode'] === 'VEIL_IPNS_RECORD_INVALID');
  await assert.rejects(client.putRecord('not-a-name', r1), (e: unknown) => isVeilError(e, 'VEIL_GRID_SERVER_REFUSED'));
  assert.deepEqual(readdirSync(recordsDir).filter((f) => !f.startsWith('.')), [`${name}.ipns-record`]);

  const r2 = await createRecord(key, { value: `/ipfs/${OTHER}`, sequence: 2n, lifetimeMs: 3_600_000, ttlMs: 60_000 });
  assert.equal(await client.putRecord(name, r2), true);
  assert.deepEqual(await client.getRecord(name), r2);

  // The trustless gateway's IPNS record response (Trustless Gateway spec §IPNS Record Responses).
  const agent = createPinnedAgent({ open: loopback(port), keyHash: address.keyHash, connections: 1 });
  try {
    const base = `https://veil-peer${STORAGE_PATH_PREFIX}${address.swissnum}/ipns/${name}`;
    const res = await request(`${base}?format=ipns-record`, { dispatcher: agent });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/vnd.ipfs.ipns-record');
    assert.deepEqual(new Uint8Array(await res.body.arrayBuffer()), r2);
    const plain = await request(base, { dispatcher: agent });
    assert.equal(plain.statusCode, 406);
    await plain.body.dump();
  } finally {
    await agent.close();
  }
});

test('the grid RecordStore returns the best valid record of all servers and skips liars and failures', async () => {
  const a = await startServer('a');
  const b = await startServer('b');
  const key = await generateKeyPair('Ed25519');
  const name = ipnsNameOf(key.publicKey).name;
  const old = await createRecord(key, { value: `/ipfs/${OTHER}`, sequence: 3n, lifetimeMs: 3_600_000, ttlMs: 60_000 });
  const newer = await createRecord(key, { value: `/ipfs/${HELLO}`, sequence: 4n, lifetimeMs: 3_600_000, ttlMs: 60_000 });
  await a.client.putRecord(name, old);
  await b.client.putRecord(name, newer);
  const liar = { name: 'liar', getRecord: async () => new TextEncoder().encode('garbage'), putRecord: async () => true } as unknown as StorageClient;
  const down = { name: 'down', getRecord: async () => Promise.reject(new Error('unreachable')), putRecord: async () => Promise.reject(new Error('unreachable')) } as unknown as StorageClient;
  const store = new GridRecordStore(() => [liar, a.client, down, b.client]);
  assert.deepEqual(await store.get(name), newer);
  const put = await new GridRecordStore(() => [a.client, b.client, down]).putAll(name, old);
  assert.deepEqual({ stored: put.stored, newer: put.newer, failed: Object.keys(put.failures).length }, { stored: 1, newer: 1, failed: 1 });
  await assert.rejects(new GridRecordStore(() => []).put(name, newer), (e: unknown) => isVeilError(e, 'VEIL_GRID_NO_SERVERS'));
  assert.equal(await new GridRecordStore(() => [liar, down]).get(name), undefined);
});
