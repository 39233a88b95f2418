/**
 * Leases (issue #4 §3): the lease store's add/renew/cancel rules (Tahoe's, by renew and cancel secret), that only
 * hashes of secrets reach the disk, crash leftovers swept on open, the crawler under each expire mode with a
 * fake clock, the client's secret derivation (per server, per block), and the lease-file parser on random input.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { base32Encode } from '../core/index.js';
import { FsBlockstore, cidFor, CODEC, type CID } from '../content/index.js';
import { DEFAULT_LEASE_DURATION_MS, LeaseStore, MAX_LEASES_PER_BLOCK, parseLeaseFile } from './lease-store.js';
import { LeaseCrawler } from './lease-crawler.js';
import { leaseSecretsFor, loadOrCreateLeaseSecret } from './lease-secrets.js';

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'veil-lease-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

const secrets = (): { renew: Uint8Array; cancel: Uint8Array } => ({ renew: randomBytes(32), cancel: randomBytes(32) });
const block = (): { cid: CID; bytes: Uint8Array } => {
  const bytes = randomBytes(100);
  return { cid: cidFor(bytes, CODEC.raw), bytes };
};

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

describe('lease store', () => {
  it('adds, renews by renew secret, cancels by cancel secret; stores hashes, never secrets', async () => {
    const clock = { now: 1_000_000 };
    const store = await LeaseStore.open(join(root, 'rules'), { now: () => clock.now });
    const { cid } = block();
    const a = secrets();
    const b = secrets();
    assert.equal((await store.addUnlocked(cid, a)).expiresAt, 1_000_000 + DEFAULT_LEASE_DURATION_MS);
    clock.now += 5000;
    await store.addUnlocked(cid, a); // same renew secret: a renewal, not a second lease
    assert.equal((await store.read(cid)).length, 1);
    assert.equal((await store.read(cid))[0]!.renewedAt, 1_005_000);
    await store.addUnlocked(cid, b);
    assert.equal((await store.read(cid)).length, 2);
    assert.equal(await store.renewUnlocked(cid, randomBytes(32)), undefined);
    assert.equal(await store.renewUnlocked(cid, a.cancel), undefined, 'a cancel secret does not renew');
    assert.ok(await store.renewUnlocked(cid, b.renew));
    assert.equal(await store.cancelUnlocked(cid, a.renew), undefined, 'a renew secret does not cancel');
    const text = allFiles(store.directory).map((f) => readFileSync(f, 'utf8')).join('');
    for (const s of [a.renew, a.cancel, b.renew, b.cancel]) {
      assert.ok(!text.includes(base32Encode(s)) && !text.includes(Buffer.from(s).toString('hex')) && !text.includes(Buffer.from(s).toString('base64')), 'no secret on disk');
    }
    assert.equal(await store.cancelUnlocked(cid, a.cancel), 1);
    assert.equal(await store.cancelUnlocked(cid, b.cancel), 0);
    assert.deepEqual(allFiles(store.directory), [], 'the last cancel removes the lease file');
  });

  it('open() sweeps temp files a crash left, and keeps complete lease files', async () => {
    const dir = join(root, 'crash');
    const store = await LeaseStore.open(dir);
    const { cid } = block();
    await store.addUnlocked(cid, secrets());
    const shard = readdirSync(dir)[0]!;
    writeFileSync(join(dir, shard, '.tmp-0123456789abcdef'), '{"v":1,"lea');
    const reopened = await LeaseStore.open(dir);
    assert.deepEqual(readdirSync(join(dir, shard)).filter((n) => n.startsWith('.tmp-')), []);
    assert.equal((await reopened.read(cid)).length, 1);
  });

  it('a corrupt lease file reads as no leases (the block is then unprotected, never a crash)', async () => {
    const dir = join(root, 'corrupt');
    const store = await LeaseStore.open(dir);
    const { cid } = block();
    await store.addUnlocked(cid, secrets());
    const file = allFiles(dir)[0]!;
    writeFileSync(file, 'not json');
    assert.deepEqual(await store.read(cid), []);
  });

  it('a full block takes a new lease in place of the one expiring first', async () => {
    const clock = { now: 0 };
    const store = await LeaseStore.open(join(root, 'full'), { now: () => clock.now });
    const { cid } = block();
    const first = secrets();
    await store.addUnlocked(cid, first);
    for (let i = 1; i < MAX_LEASES_PER_BLOCK; i++) {
      clock.now += 1000;
      await store.addUnlocked(cid, secrets());
    }
    clock.now += 1000;
    await store.addUnlocked(cid, secrets());
    const leases = await store.read(cid);
    assert.equal(leases.length, MAX_LEASES_PER_BLOCK);
    assert.equal(Math.min(...leases.map((l) => l.renewedAt)), 1000, 'the oldest lease made room');
    assert.equal(await store.cancelUnlocked(cid, first.cancel), undefined);
  });

  it('parseLeaseFile: random text gives undefined or leases, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const r = parseLeaseFile(text);
        assert.ok(r === undefined || Array.isArray(r));
      }),
    );
    const valid = JSON.stringify({ v: 1, leases: [{ renewHash: 'a', cancelHash: 'b', renewedAt: 1, durationMs: 2 }] });
    assert.equal(parseLeaseFile(valid)?.length, 1);
  });
});

describe('lease crawler', () => {
  async function setup(name: string): Promise<{ blocks: FsBlockstore; leases: LeaseStore; clock: { now: number } }> {
    const clock = { now: Date.UTC(2026, 0, 1) };
    return { blocks: await FsBlockstore.open(join(root, name, 'storage')), leases: await LeaseStore.open(join(root, name, 'leases'), { now: () => clock.now }), clock };
  }

  it('age mode: keeps blocks with a live lease, deletes expired and lease-less ones', async () => {
    const { blocks, leases, clock } = await setup('age');
    const [live, expired, bare] = [block(), block(), block()];
    for (const b of [live, expired, bare]) await blocks.put(b.cid, b.bytes);
    await leases.addUnlocked(expired.cid, secrets());
    clock.now += 20 * 86_400_000;
    await leases.addUnlocked(live.cid, secrets());
    clock.now += 12 * 86_400_000; // expired: 32 days old; live: 12 days old
    const crawler = new LeaseCrawler({ blockstore: blocks, leases, policy: { mode: 'age', overrideLeaseDurationMs: undefined } });
    assert.deepEqual(await crawler.crawl(), { blocks: 3, deleted: 2 });
    assert.equal(await blocks.has(live.cid), true);
    assert.equal(await blocks.has(expired.cid), false);
    assert.equal(await blocks.has(bare.cid), false);
    assert.deepEqual(await leases.read(expired.cid), []);
    // With expire.override_lease_duration = 10 days, the 12-day-old lease has expired too.
    const strict = new LeaseCrawler({ blockstore: blocks, leases, policy: { mode: 'age', overrideLeaseDurationMs: 10 * 86_400_000 } });
    assert.deepEqual(await strict.crawl(), { blocks: 1, deleted: 1 });
    await crawler.close();
    await strict.close();
  });

  it('cutoff-date mode: leases last renewed before the date have expired; a renewal after it keeps the block', async () => {
    const { blocks, leases, clock } = await setup('cutoff');
    const [old, renewed] = [block(), block()];
    for (const b of [old, renewed]) await blocks.put(b.cid, b.bytes);
    const s = secrets();
    await leases.addUnlocked(old.cid, secrets());
    await leases.addUnlocked(renewed.cid, s);
    clock.now += 2 * 86_400_000;
    await leases.renewUnlocked(renewed.cid, s.renew);
    const crawler = new LeaseCrawler({ blockstore: blocks, leases, policy: { mode: 'cutoff-date', cutoffMs: Date.UTC(2026, 0, 2) } });
    assert.deepEqual(await crawler.crawl(), { blocks: 2, deleted: 1 });
    assert.equal(await blocks.has(renewed.cid), true);
    await crawler.close();
    await assert.rejects(crawler.crawl(), /closed/);
  });

  it('start() runs a first pass at once; close() stops the timer', async () => {
    const { blocks, leases } = await setup('timer');
    const b = block();
    await blocks.put(b.cid, b.bytes);
    const crawler = new LeaseCrawler({ blockstore: blocks, leases, policy: { mode: 'age', overrideLeaseDurationMs: undefined } });
    crawler.start();
    await crawler.crawl(); // joins the running first pass
    assert.equal(await blocks.has(b.cid), false);
    await crawler.close();
  });
});

describe('client lease secrets', () => {
  it('derive per server, per upload root and per block, deterministically, from NODEDIR/private/secret (0600)', async () => {
    const nodeDir = join(root, 'node');
    mkdirSync(join(nodeDir, 'private'), { recursive: true });
    const secret = await loadOrCreateLeaseSecret(nodeDir);
    assert.deepEqual(await loadOrCreateLeaseSecret(nodeDir), secret);
    const { statSync } = await import('node:fs');
    assert.equal(statSync(join(nodeDir, 'private', 'secret')).mode & 0o777, 0o600);
    const [x, y, upload, otherUpload] = [block().cid, block().cid, block().cid, block().cid];
    const s1 = leaseSecretsFor(secret, 'a'.repeat(52), upload);
    const s2 = leaseSecretsFor(secret, 'b'.repeat(52), upload);
    const s3 = leaseSecretsFor(secret, 'a'.repeat(52), otherUpload);
    const all = [s1(x), s1(y), s2(x), s2(y), s3(x)].flatMap((s) => [Buffer.from(s.renew).toString('hex'), Buffer.from(s.cancel).toString('hex')]);
    assert.equal(new Set(all).size, 10, 'every secret differs: per server, per upload, per block');
    assert.deepEqual(leaseSecretsFor(secret, 'a'.repeat(52), upload)(x), s1(x));
    assert.deepEqual(s1(x.toV1()), s1(x));
  });
});
