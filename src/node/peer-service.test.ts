/**
 * The peer service's storage wiring (issue #4 §3): with `[storage] expire.enabled = true` the node's lease crawler
 * runs at start (deleting a block stored without a lease, keeping one with a live lease), and close() stops it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNodeConfig } from '../config/index.js';
import { FsBlockstore, cidFor, CODEC } from '../content/index.js';
import { LeaseStore } from '../grid/index.js';
import { LEASES_DIR, STORAGE_DIR, createPeerService } from './peer-service.js';

test('expire.enabled: the crawler deletes lease-less blocks at start, keeps leased ones, and stops with close()', async () => {
  const nodeDir = mkdtempSync(join(tmpdir(), 'veil-peer-'));
  try {
    mkdirSync(join(nodeDir, 'private'), { mode: 0o700 });
    const store = await FsBlockstore.open(join(nodeDir, STORAGE_DIR));
    const leases = await LeaseStore.open(join(nodeDir, LEASES_DIR));
    const [bare, leased] = [randomBytes(100), randomBytes(100)].map((bytes) => ({ bytes, cid: cidFor(bytes, CODEC.raw) }));
    for (const b of [bare!, leased!]) await store.put(b.cid, b.bytes);
    await leases.addUnlocked(leased!.cid, { renew: randomBytes(32), cancel: randomBytes(32) });
    const config = parseNodeConfig('[node]\ntub.port = tcp:3457:interface=127.0.0.1\ntub.location = tcp:127.0.0.1:1\n[storage]\nenabled = true\nexpire.enabled = true\n', { nodeDir });
    const peers = await createPeerService(config, 'test');
    try {
      assert.ok(peers.leaseCrawler, 'expire.enabled starts a crawler');
      await peers.leaseCrawler.crawl(); // joins the pass started with the node
      assert.equal(await store.has(bare!.cid), false);
      assert.equal(await store.has(leased!.cid), true);
    } finally {
      await peers.close();
    }
    await assert.rejects(peers.leaseCrawler!.crawl(), /closed/);
    const off = await createPeerService(parseNodeConfig('[node]\ntub.port = tcp:3457:interface=127.0.0.1\ntub.location = tcp:127.0.0.1:1\n[storage]\nenabled = true\n', { nodeDir }), 'test');
    assert.equal(off.leaseCrawler, undefined, 'no crawler unless expire.enabled');
    await off.close();
  } finally {
    rmSync(nodeDir, { recursive: true, force: true });
  }
});
