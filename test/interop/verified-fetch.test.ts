/**
 * Interop (issue #5): `@helia/verified-fetch`, an IPFS client no one here wrote, fetches a file from a Veil storage
 * server used as a trustless gateway (`GET /ipfs/<cid>?format=raw` block by block) and verifies it; a server that
 * sends a wrong block makes it fail.
 *
 * Configuration: never Helia's defaults (they dial public bootstrap peers, delegated routers and gateways). A
 * light Helia (no libp2p) gets only the HTTP block broker, NO delegated routers, and one "recursive gateway": the
 * Veil server (its `fetch` asserts that no other host is ever asked). Its fetches go to that server only: the test's `fetch` sends them through an undici 7 dispatcher
 * that pins the server's TLS key (as every Veil client does) and puts the storage path prefix with the swissnum in
 * front of the `/ipfs/…` path, because Helia's gateway client replaces the gateway URL's path with `/ipfs/<cid>`.
 *
 * Node 20: verified-fetch pulls in @libp2p/http, which wants undici 8 (Node 22 APIs); package.json `overrides`
 * pins it to our undici 7 (that module is never used here: no libp2p), so this runs on the Node 20 CI as is.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { createHeliaLight } from 'helia';
import { withHTTP } from '@helia/http';
import { createVerifiedFetch } from '@helia/verified-fetch';
import { FsBlockstore, importFile, type CID } from '../../src/content/index.js';
import { createStorageHandler, generateTlsIdentity, newSwissnum, STORAGE_PATH_PREFIX } from '../../src/grid/index.js';
import { createPeerStreamServer, createPinnedAgent, type HttpListener, type PeerStreamServer } from '../../src/net/index.js';
import { deterministicBytes } from '../../src/content/test-helpers.js';
import { loopbackOpener } from '../../src/net/test-helpers.js';

let root: string;
const servers: { server: PeerStreamServer; listener: HttpListener }[] = [];
const dispatchers: Dispatcher[] = [];
const realFetch = globalThis.fetch;

interface VeilServer {
  readonly port: number;
  readonly keyHash: string;
  readonly swissnum: string;
  readonly store: FsBlockstore;
}

/** A Veil storage server on loopback; `lie` makes it answer every block request with other bytes. */
async function startStorageServer(name: string, lie = false): Promise<VeilServer> {
  const id = generateTlsIdentity();
  const store = await FsBlockstore.open(join(root, name));
  const swissnum = newSwissnum();
  const served = lie ? Object.assign(Object.create(store) as FsBlockstore, { get: async () => new TextEncoder().encode('not the block you asked for') }) : store;
  const storage = createStorageHandler({ blockstore: served, swissnum, version: 'interop', reservedSpaceBytes: 0, freeBytes: async () => 1e12 });
  const server = createPeerStreamServer({
    keyPem: id.keyPem,
    certPem: id.certPem,
    tlsHandler: (req, res) => {
      if (!storage(req, res)) res.writeHead(404).end();
    },
    plainHandler: (_req, res) => res.writeHead(404).end(),
  });
  const listener = await server.listen({ kind: 'tcp', host: '127.0.0.1', port: 0 });
  servers.push({ server, listener });
  return { port: listener.target.kind === 'tcp' ? listener.target.port : 0, keyHash: id.keyHash, swissnum, store };
}

const loopback = loopbackOpener;

/** The transport for the test's fetch: pinned TLS to the Veil server, storage prefix in front of the path. */
function veilTransport(s: VeilServer): Dispatcher {
  const agent = createPinnedAgent({ open: loopback(s.port), keyHash: s.keyHash, connections: 2 });
  dispatchers.push(agent);
  const prefix = `${STORAGE_PATH_PREFIX}${s.swissnum}`;
  return agent.compose((dispatch) => (opts, handler) => dispatch({ ...opts, path: `${prefix}${opts.path}` }, handler));
}

/** verified-fetch configured with only the Veil server as gateway (no libp2p, no delegated routers). */
async function verifiedFetchVia(s: VeilServer, onRequest: (path: string) => void = () => undefined): Promise<{ fetch: Awaited<ReturnType<typeof createVerifiedFetch>>; stop: () => Promise<void> }> {
  const dispatcher = veilTransport(s);
  globalThis.fetch = ((input: string | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    assert.equal(url.host, `127.0.0.1:${s.port}`, `verified-fetch asked only the Veil server, not ${url.host}`);
    onRequest(url.pathname);
    return undiciFetch(url, { ...(init as object), dispatcher });
  }) as typeof fetch;
  const helia = withHTTP(createHeliaLight({}), { delegatedRouters: [], recursiveGateways: [`https://127.0.0.1:${s.port}`], allowLocal: true, allowInsecure: false });
  // Helia 7 asks its non-fallback routers first and, with none at all, waits forever before trying the fallback
  // ones (the recursive gateway); one router that finds nothing lets it go on to the Veil server.
  helia.addRouter({ name: 'no-other-routers', findProviders: async function* () {} });
  await helia.start();
  const vf = await createVerifiedFetch(helia);
  return {
    fetch: vf,
    stop: async () => {
      await vf.stop();
      await helia.stop();
      globalThis.fetch = realFetch;
    },
  };
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'veil-interop-'));
});

after(async () => {
  globalThis.fetch = realFetch;
  await Promise.allSettled(dispatchers.map((d) => d.close()));
  for (const { server } of servers) await server.close();
  rmSync(root, { recursive: true, force: true });
});

test('@helia/verified-fetch fetches and verifies a multi-block file from a Veil storage server', async () => {
  const server = await startStorageServer('honest');
  const bytes = await deterministicBytes(1024 * 1024 + 4321, 'interop'); // five 256 KiB chunks: several blocks
  const { cid } = await importFile(bytes, server.store);
  const vf = await verifiedFetchVia(server);
  try {
    const res = await vf.fetch(`ipfs://${cid.toString()}`);
    assert.equal(res.status, 200);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(body.length, bytes.length);
    assert.ok(body.equals(bytes), 'verified-fetch returned the file');
  } finally {
    await vf.stop();
  }
});

test('@helia/verified-fetch never returns a block that does not match its CID', async () => {
  const server = await startStorageServer('liar', true);
  const { cid }: { cid: CID } = await importFile(new TextEncoder().encode('the real content\n'), server.store);
  // verified-fetch refuses the block (InvalidMultihashError in its log) and then waits for another provider, which
  // never comes: the wait is cut 15 s after the wrong block was asked for (a bound, not a measured time).
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let requests = 0;
  const vf = await verifiedFetchVia(server, () => {
    requests++;
    timer ??= setTimeout(() => controller.abort(), 15_000);
  });
  try {
    let outcome: string;
    try {
      const res = await vf.fetch(`ipfs://${cid.toString()}`, { signal: controller.signal });
      outcome = `status ${res.status}: ${await res.text()}`;
    } catch (err) {
      outcome = `rejected: ${(err as Error).name}`;
    }
    assert.ok(requests >= 1, 'the block was asked for');
    assert.doesNotMatch(outcome, /the real content|not the block/);
    assert.ok(outcome.startsWith('rejected') || /^status [45]\d\d/.test(outcome), outcome);
  } finally {
    clearTimeout(timer);
    await vf.stop();
  }
});
