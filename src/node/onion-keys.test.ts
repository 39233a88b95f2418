import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base32Decode, base32Encode } from '../core/base32.js';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { isVeilError } from '../core/index.js';
import { formatAddOnion } from '../tor/index.js';
import {
  clientAuthKeyForControl,
  expandEd25519Seed,
  formatAuthPrivateLine,
  formatAuthorizedClientLine,
  generateClientAuthKeyPair,
  generateOnionServiceKey,
  isClientAuthKey,
  parseAuthPrivateLine,
} from './onion-keys.js';

test('a new onion service key is an ED25519-V3 blob of 64 bytes that ADD_ONION accepts; ids differ', () => {
  const a = generateOnionServiceKey();
  const b = generateOnionServiceKey();
  assert.match(a.privateKey, /^ED25519-V3:[A-Za-z0-9+/]{86}==$/);
  assert.equal(Buffer.from(a.privateKey.slice(11), 'base64').length, 64);
  assert.match(a.serviceId, /^[a-z2-7]{55}d$/, 'v3 ids end in "d" (version 3)');
  assert.notEqual(a.serviceId, b.serviceId);
  assert.deepEqual(formatAddOnion({ privateKey: a.privateKey, ports: [{ virtualPort: 22, target: '127.0.0.1:22' }] }), [a.privateKey, 'Port=22,127.0.0.1:22']);
});

test('expandEd25519Seed clamps as RFC 8032 §5.1.5', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
      const h = expandEd25519Seed(seed);
      assert.equal(h.length, 64);
      assert.equal(h[0]! & 7, 0);
      assert.equal(h[31]! & 0xc0, 0x40);
    }),
  );
});

test('client auth key pair: the public key belongs to the private key; lines in tor\'s formats', () => {
  const pair = generateClientAuthKeyPair();
  assert.ok(isClientAuthKey(pair.publicKey) && isClientAuthKey(pair.privateKey));
  const d = base32Decode(pair.privateKey)!.toString('base64url');
  const pub = createPublicKey(createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: '' } as never, format: 'jwk' })).export({ format: 'jwk' }).x;
  assert.equal(base32Encode(Buffer.from(pub!, 'base64url'), { upperCase: true }), pair.publicKey);
  const id = generateOnionServiceKey().serviceId;
  const line = formatAuthPrivateLine(id, pair.privateKey);
  assert.equal(line, `${id}:descriptor:x25519:${pair.privateKey}`);
  assert.deepEqual(parseAuthPrivateLine(`${line}\n`), { serviceId: id, privateKey: pair.privateKey });
  assert.deepEqual(parseAuthPrivateLine(line.replace(id, `${id.toUpperCase()}.onion`)).serviceId, id);
  assert.equal(formatAuthorizedClientLine(pair.publicKey), `descriptor:x25519:${pair.publicKey}`);
  const control = clientAuthKeyForControl(pair.privateKey);
  assert.match(control, /^x25519:[A-Za-z0-9+/]{43}=$/);
  assert.deepEqual(Buffer.from(control.slice(7), 'base64'), base32Decode(pair.privateKey));
});

test('parseAuthPrivateLine rejects anything else with VEIL_ONION_CLIENT_KEY_INVALID (random input too)', () => {
  const id = generateOnionServiceKey().serviceId;
  const key = generateClientAuthKeyPair().privateKey;
  for (const bad of ['', `${id}:descriptor:x25519`, `${id}:basic:x25519:${key}`, `${id}:descriptor:ed25519:${key}`, `${id.slice(1)}:descriptor:x25519:${key}`, `${id}:descriptor:x25519:${key.slice(1)}`]) {
    assert.throws(() => parseAuthPrivateLine(bad), (e: unknown) => isVeilError(e, 'VEIL_ONION_CLIENT_KEY_INVALID') && !e.message.includes(key));
  }
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      try {
        parseAuthPrivateLine(text);
      } catch (err) {
        assert.ok(isVeilError(err, 'VEIL_ONION_CLIENT_KEY_INVALID'));
      }
    }),
  );
});
