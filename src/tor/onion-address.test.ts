import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { VeilError } from '../core/index.js';
import {
  isOnionHost,
  isValidOnionAddress,
  onionAddressFromPublicKey,
  onionServiceIdFromPublicKey,
  parseOnionAddress,
} from './onion-address.js';

// Published vector (bitcoin-s NetworkUtilTest): ed25519 public key → v3 onion address.
const VECTOR_KEY = Buffer.from('98908ec971ad17171365865a249c420d04a66f103f973a62d8404ce2f4af1ee2', 'hex');
const VECTOR_ID = 'tcii5slrvulroe3fqzncjhccbuckm3yqh6ltuywyibgof5fpd3rpycyd';

const rejects = (host: string, reason?: RegExp): void => {
  assert.throws(
    () => parseOnionAddress(host),
    (e: unknown) => e instanceof VeilError && e.code === 'VEIL_TOR_ONION_ADDRESS_INVALID' && e.category === 'input' && (!reason || reason.test(e.message)),
    host,
  );
  assert.equal(isValidOnionAddress(host), false);
};

test('derives the published address from a known ed25519 public key, and parses it back to the key', () => {
  assert.equal(onionServiceIdFromPublicKey(VECTOR_KEY), VECTOR_ID);
  assert.equal(onionAddressFromPublicKey(VECTOR_KEY), `${VECTOR_ID}.onion`);
  const parsed = parseOnionAddress(`${VECTOR_ID}.onion`);
  assert.deepEqual(Buffer.from(parsed.publicKey), VECTOR_KEY);
  assert.equal(parsed.serviceId, VECTOR_ID);
  assert.equal(parsed.hostname, `${VECTOR_ID}.onion`);
  assert.equal(parsed.subdomain, '');
});

test('a KeyObject gives the same address as its raw bytes', () => {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  assert.equal(onionAddressFromPublicKey(publicKey), onionAddressFromPublicKey(raw));
  const { publicKey: x25519 } = generateKeyPairSync('x25519');
  assert.throws(() => onionAddressFromPublicKey(x25519), { code: 'VEIL_TOR_ONION_ADDRESS_INVALID' });
  assert.throws(() => onionAddressFromPublicKey(new Uint8Array(31)), { code: 'VEIL_TOR_ONION_ADDRESS_INVALID' });
});

test('any 32-byte key round-trips: key → address → key', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
      const addr = onionAddressFromPublicKey(key);
      assert.match(addr, /^[a-z2-7]{56}\.onion$/);
      assert.deepEqual(parseOnionAddress(addr).publicKey, Uint8Array.from(key));
    }),
  );
});

test('subdomains, upper case and a trailing dot are accepted and normalised', () => {
  const p = parseOnionAddress(`WWW.Files.${VECTOR_ID.toUpperCase()}.ONION.`);
  assert.equal(p.serviceId, VECTOR_ID);
  assert.equal(p.subdomain, 'www.files');
  assert.equal(p.hostname, `${VECTOR_ID}.onion`);
  assert.equal(isOnionHost(`x.${VECTOR_ID}.onion`), true);
  assert.equal(isOnionHost('example.com'), false);
  assert.equal(isOnionHost('onion'), false);
});

test('changing any one character is rejected (checksum or version)', () => {
  for (let i = 0; i < VECTOR_ID.length; i++) {
    const c = VECTOR_ID[i]!;
    const other = c === 'a' ? 'b' : 'a';
    rejects(`${VECTOR_ID.slice(0, i)}${other}${VECTOR_ID.slice(i + 1)}.onion`);
  }
  // The last two characters carry the version byte; the 2-byte checksum sits just before.
  rejects(`${VECTOR_ID.slice(0, 50)}${VECTOR_ID[50] === 'q' ? 'r' : 'q'}${VECTOR_ID.slice(51)}.onion`, /checksum|version/);
});

/** An independent RFC 4648 base32 encoder (lower case, no padding) for building hostile addresses. */
function base32(bytes: Uint8Array): string {
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += 'abcdefghijklmnopqrstuvwxyz234567'[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out;
}

test('an address with a consistent checksum but version 4 is rejected for its version', () => {
  const v4 = Uint8Array.of(4);
  const sum = createHash('sha3-256').update('.onion checksum').update(VECTOR_KEY).update(v4).digest().subarray(0, 2);
  rejects(`${base32(Buffer.concat([VECTOR_KEY, sum, v4]))}.onion`, /version byte is 4/);
  // The same construction with version 3 is the published address: the test encoder agrees with ours.
  const v3 = Uint8Array.of(3);
  const sum3 = createHash('sha3-256').update('.onion checksum').update(VECTOR_KEY).update(v3).digest().subarray(0, 2);
  assert.equal(base32(Buffer.concat([VECTOR_KEY, sum3, v3])), VECTOR_ID);
});

test('v2 (16 characters), wrong lengths, bad characters and non-onion names are rejected', () => {
  rejects('expyuzz4wqqyqhjn.onion', /v2/);
  rejects(`${VECTOR_ID.slice(1)}.onion`, /55 characters/);
  rejects(`${VECTOR_ID}a.onion`, /57 characters/);
  rejects(`${VECTOR_ID.slice(0, 55)}1.onion`, /a-z and 2-7/);
  rejects(`${VECTOR_ID}.onion.example`, /does not end/);
  rejects('.onion');
  rejects(`-bad.${VECTOR_ID}.onion`, /subdomain/);
  rejects(`${'a'.repeat(300)}.onion`, /longer/);
});

test('random strings never throw anything but VEIL_TOR_ONION_ADDRESS_INVALID', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (s) => {
      try {
        parseOnionAddress(`${s}.onion`);
      } catch (err) {
        assert.ok(err instanceof VeilError && err.code === 'VEIL_TOR_ONION_ADDRESS_INVALID');
      }
    }),
  );
});
