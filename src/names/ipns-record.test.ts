import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { unmarshalIPNSRecord } from 'ipns';
import { isVeilError } from '../core/index.js';
import { IPNS_SPEC_VECTORS } from './ipns-vectors.test-data.js';
import { Keystore, createRecord, ipnsNameOf, parseIpnsName, publishName, validateRecord, FsRecordStore, MemoryRecordStore, parseDuration, normalizeValue, selectRecord } from './index.js';

const HELLO = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o';

function vector(variant: string): { name: string; bytes: Uint8Array } {
  const v = IPNS_SPEC_VECTORS.find((x) => x.variant === variant);
  assert.ok(v, variant);
  return { name: v.name, bytes: Buffer.from(v.hex, 'hex') };
}

test('spec vectors: V1+V2 and V2-only records verify and give the spec values', async () => {
  const v12 = vector('v1-v2');
  const r = await validateRecord(parseIpnsName(v12.name), v12.bytes);
  assert.equal(r.value, '/ipfs/bafkqaddwgevxmmraojswg33smq');
  assert.equal(r.sequence, 0n);
  assert.equal(r.ttlSeconds, 1800);
  assert.equal(r.validUntil.toISOString(), '2123-08-14T12:17:03.694Z');
  const v2 = vector('v2');
  assert.equal((await validateRecord(parseIpnsName(v2.name), v2.bytes)).value, '/ipfs/bafkqadtwgiww63tmpeqhezldn5zgi');
});

test('spec vectors: V1-only, broken V2 signature and inconsistent V1 value are refused', async () => {
  for (const variant of ['v1', 'v1-v2-broken-signature-v2', 'v1-v2-broken-v1-value']) {
    const v = vector(variant);
    await assert.rejects(validateRecord(parseIpnsName(v.name), v.bytes), (e: unknown) => isVeilError(e, 'VEIL_IPNS_RECORD_INVALID'), variant);
  }
  // a valid record presented under another name: signed by the wrong key
  await assert.rejects(validateRecord(parseIpnsName(vector('v2').name), vector('v1-v2').bytes), (e: unknown) => isVeilError(e, 'VEIL_IPNS_RECORD_INVALID'));
});

test('created records round-trip with V1 compatibility fields as Kubo sets them', async () => {
  const key = await generateKeyPair('Ed25519');
  const name = ipnsNameOf(key.publicKey);
  assert.match(name.name, /^k51qzi5uqu5/);
  assert.equal(parseIpnsName(name.name).name, name.name);
  assert.equal(parseIpnsName(key.publicKey.toCID().toString()).name, name.name, 'base32 bafz… names the same key');
  assert.equal(parseIpnsName(key.publicKey.toString()).name, name.name, 'base58 12D3Koo… names the same key');
  const bytes = await createRecord(key, { value: `/ipfs/${HELLO}`, sequence: 5n, lifetimeMs: 3_600_000, ttlMs: 60_000 });
  const raw = unmarshalIPNSRecord(bytes);
  assert.ok('signatureV1' in raw && raw.signatureV1.length === 64, 'V1 signature present');
  assert.equal(raw.signatureV2.length, 64);
  assert.equal(raw.value, `/ipfs/${HELLO}`);
  const valid = await validateRecord(name, bytes);
  assert.equal(valid.sequence, 5n);
  assert.equal(valid.ttlSeconds, 60);
  assert.ok(Math.abs(valid.validUntil.getTime() - (Date.now() + 3_600_000)) < 10_000);
  // tampering with one byte of the signed data breaks the V2 signature
  const tampered = Uint8Array.from(bytes);
  tampered[tampered.length - 5] = tampered[tampered.length - 5]! ^ 1;
  await assert.rejects(validateRecord(name, tampered), (e: unknown) => isVeilError(e, 'VEIL_IPNS_RECORD_INVALID'));
  // oversized input is refused before parsing
  await assert.rejects(validateRecord(name, new Uint8Array(11 * 1024)), (e: unknown) => isVeilError(e, 'VEIL_IPNS_RECORD_INVALID'));
});

test('an expired record (EOL in the past) is VEIL_IPNS_RECORD_EXPIRED; selection prefers the higher sequence', async () => {
  const key = await generateKeyPair('Ed25519');
  const name = ipnsNameOf(key.publicKey);
  const expired = await createRecord(key, { value: `/ipfs/${HELLO}`, sequence: 1n, lifetimeMs: -1000, ttlMs: 1000 });
  await assert.rejects(validateRecord(name, expired), (e: unknown) => isVeilError(e, 'VEIL_IPNS_RECORD_EXPIRED'));
  const a = await createRecord(key, { value: `/ipfs/${HELLO}`, sequence: 1n, lifetimeMs: 60_000, ttlMs: 1000 });
  const b = await createRecord(key, { value: `/ipfs/${HELLO}`, sequence: 2n, lifetimeMs: 30_000, ttlMs: 1000 });
  assert.equal(selectRecord(name, [a, b]), 1);
});

test('names that are not IPNS names are refused with VEIL_IPNS_NAME_INVALID', () => {
  for (const bad of ['', HELLO.replace('Qm', 'Qx'), 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', 'k51', 'not a name', 'x'.repeat(300)]) {
    assert.throws(() => parseIpnsName(bad), (e: unknown) => isVeilError(e, 'VEIL_IPNS_NAME_INVALID'), bad);
  }
});

test('keystore: keys are 0600 in a 0700 directory, never overwritten, and `self` is created once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'veil-keys-'));
  try {
    const keys = new Keystore(dir);
    const blog = await keys.generate('blog');
    assert.equal((await stat(join(dir, 'private/keys/blog'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'private/keys'))).mode & 0o777, 0o700);
    await assert.rejects(keys.generate('blog'), (e: unknown) => isVeilError(e, 'VEIL_KEY_EXISTS'));
    await assert.rejects(keys.load('nope'), (e: unknown) => isVeilError(e, 'VEIL_KEY_NOT_FOUND'));
    for (const bad of ['.hidden', '../x', 'a/b', '', 'x'.repeat(65)]) {
      await assert.rejects(keys.generate(bad), (e: unknown) => isVeilError(e, 'VEIL_KEY_NAME_INVALID'), bad);
    }
    const [s1, s2] = await Promise.all([keys.loadOrCreate('self'), keys.loadOrCreate('self')]);
    assert.ok(s1.publicKey.equals(s2.publicKey), 'concurrent creation gives one key');
    const list = await keys.list();
    assert.deepEqual(list.map((k) => k.name), ['blog', 'self']);
    assert.equal(list[0]?.id, blog.id);
    assert.equal(list[1]?.id, ipnsNameOf(s1.publicKey).name);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('publishName stores a verified record and increments the sequence on republish', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'veil-publish-'));
  try {
    const keys = new Keystore(dir);
    const store = new FsRecordStore(dir);
    const first = await publishName(keys, store, HELLO);
    assert.equal(first.value, `/ipfs/${HELLO}`);
    assert.equal(first.sequence, 0n);
    const second = await publishName(keys, store, `/ipfs/${HELLO}`, { lifetimeMs: parseDuration('1h'), ttlMs: parseDuration('30s') });
    assert.equal(second.name, first.name);
    assert.equal(second.sequence, 1n);
    const stored = await store.get(first.name);
    assert.ok(stored);
    assert.equal((await validateRecord(parseIpnsName(first.name), stored)).ttlSeconds, 30);
    assert.equal((await stat(join(dir, 'names', `${first.name}.ipns-record`))).mode & 0o777, 0o600);
    await assert.rejects(publishName(keys, store, HELLO, { keyName: 'missing' }), (e: unknown) => isVeilError(e, 'VEIL_KEY_NOT_FOUND'));
    await assert.rejects(publishName(keys, new MemoryRecordStore(), 'not-a-cid'), (e: unknown) => isVeilError(e, 'VEIL_CONTENT_CID_INVALID'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('durations and values parse like Kubo takes them', () => {
  assert.equal(parseDuration('24h'), 86_400_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('500ms'), 500);
  for (const bad of ['', '10', 'h', '1d', '-1h', '1h ', `${'9'.repeat(30)}h`]) {
    assert.throws(() => parseDuration(bad), (e: unknown) => isVeilError(e, 'VEIL_INPUT_INVALID'), bad);
  }
  assert.equal(normalizeValue(HELLO), `/ipfs/${HELLO}`);
  assert.equal(normalizeValue(`/ipfs/${HELLO}/a/b/`), `/ipfs/${HELLO}/a/b`);
  assert.equal(normalizeValue('/ipns/example.test'), '/ipns/example.test');
  assert.throws(() => normalizeValue(`/ipfs/${HELLO}/../x`), (e: unknown) => isVeilError(e, 'VEIL_INPUT_INVALID'));
  assert.throws(() => normalizeValue('/ftp/x'), (e: unknown) => isVeilError(e, 'VEIL_INPUT_INVALID'));
});
