import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { base32Encode } from '../core/index.js';
import { X509Certificate, createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVeilError } from '../core/index.js';
import { spkiKeyHash } from '../net/index.js';
import { cidFor, CODEC } from '../content/index.js';
import { generateTlsIdentity, keyHashOf, loadOrCreateTlsIdentity, TLS_KEY_FILE } from './tls-identity.js';
import { formatServiceAddress, newSwissnum, parseServiceAddress } from './service-address.js';
import { aesCtr, convergentKey, formatCapability, loadOrCreateConvergenceSecret, parseCapability } from './convergent.js';

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of source) parts.push(c);
  return Buffer.concat(parts);
}

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('TLS identity and KEYHASH', () => {
  it('makes a self-signed Ed25519 certificate that verifies, whose SPKI hash is the KEYHASH', () => {
    const id = generateTlsIdentity();
    const cert = new X509Certificate(id.certPem);
    assert.ok(cert.verify(cert.publicKey), 'self-signature verifies');
    assert.equal(cert.publicKey.asymmetricKeyType, 'ed25519');
    assert.match(id.keyHash, /^[a-z2-7]{52}$/);
    assert.equal(id.keyHash, spkiKeyHash(cert.publicKey.export({ type: 'spki', format: 'der' })));
    assert.equal(id.keyHash, keyHashOf(createPublicKey(id.keyPem)));
    assert.notEqual(generateTlsIdentity().keyHash, id.keyHash);
  });
  it('is created once under NODEDIR/private (0600) and read back unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veil-tls-'));
    try {
      const a = await loadOrCreateTlsIdentity(dir);
      assert.equal(statSync(join(dir, TLS_KEY_FILE)).mode & 0o777, 0o600);
      const b = await loadOrCreateTlsIdentity(dir);
      assert.equal(b.keyHash, a.keyHash);
      assert.equal(b.certPem, a.certPem);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('service addresses pb://KEYHASH@HINTS/SWISSNUM', () => {
  const keyHash = generateTlsIdentity().keyHash;
  it('round-trip with tor:, i2p: and tcp: hints', () => {
    const text = `pb://${keyHash}@tor:${'a'.repeat(56)}.onion:3457,tcp:127.0.0.1:9/${newSwissnum()}`;
    const a = parseServiceAddress(text);
    assert.equal(a.keyHash, keyHash);
    assert.deepEqual(a.hints.map((h) => h.kind), ['tor', 'tcp']);
    assert.equal(formatServiceAddress(a), text);
  });
  it('refuses short key hashes, missing hints and short swissnums with VEIL_GRID_ADDRESS_INVALID', () => {
    for (const bad of [`pb://abc@tcp:127.0.0.1:9/${newSwissnum()}`, `pb://${keyHash}@/${newSwissnum()}`, `pb://${keyHash}@tcp:127.0.0.1:9/short`, 'http://x']) {
      assert.throws(() => parseServiceAddress(bad), (e) => isVeilError(e, 'VEIL_GRID_ADDRESS_INVALID'), bad);
    }
  });
});

describe('convergent encryption and capabilities', () => {
  it('derives the same key for the same content and secret, another for another secret', () => {
    const digest = randomBytes(32);
    const s1 = randomBytes(32);
    assert.deepEqual(convergentKey(s1, digest), convergentKey(s1, digest));
    assert.notDeepEqual(convergentKey(s1, digest), convergentKey(randomBytes(32), digest));
    assert.notDeepEqual(convergentKey(s1, digest), convergentKey(s1, randomBytes(32)));
  });
  it('AES-256-CTR round-trips whatever the chunking', async () => {
    const key = randomBytes(32);
    const plain = randomBytes(100_003);
    const c1 = await collect(aesCtr(key, chunks(plain, 4096)));
    const c2 = await collect(aesCtr(key, chunks(plain, 777)));
    assert.deepEqual(c1, c2);
    assert.notDeepEqual(c1, plain);
    assert.deepEqual(await collect(aesCtr(key, chunks(c1, 1000))), plain);
  });
  it('formats and parses veil:chk:KEY:CID and public CIDs; refuses others with VEIL_GRID_CAP_INVALID', () => {
    const cid = cidFor(Buffer.from('x'), CODEC.raw);
    const key = randomBytes(32);
    const text = formatCapability({ kind: 'chk', key, cid });
    assert.match(text, /^veil:chk:[a-z2-7]{52}:b[a-z2-7]+$/);
    const back = parseCapability(text);
    assert.ok(back.kind === 'chk' && Buffer.from(back.key).equals(key) && back.cid.equals(cid));
    assert.ok(parseCapability(`/ipfs/${cid}`).cid.equals(cid));
    for (const bad of ['veil:chk:abc:' + cid.toString(), 'veil:chk:' + base32Encode(key), 'nonsense', `veil:chk:${base32Encode(key)}:${cid}:extra`]) {
      assert.throws(() => parseCapability(bad), (e) => isVeilError(e, 'VEIL_GRID_CAP_INVALID'), bad);
    }
  });
  it('keeps the convergence secret in NODEDIR/private/convergence (0600)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veil-conv-'));
    try {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(dir, 'private'));
      const a = await loadOrCreateConvergenceSecret(dir);
      assert.equal(a.length, 32);
      assert.deepEqual(Buffer.from(await loadOrCreateConvergenceSecret(dir)), Buffer.from(a));
      assert.equal(statSync(join(dir, 'private/convergence')).mode & 0o777, 0o600);
      assert.match(readFileSync(join(dir, 'private/convergence'), 'utf8'), /^[a-z2-7]{52}\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TLS identity certificates', () => {
  it('always encode as valid DER (serials never start with a zero byte)', () => {
    for (let i = 0; i < 300; i++) {
      const id = generateTlsIdentity();
      assert.doesNotThrow(() => new X509Certificate(id.certPem));
    }
  });
});
