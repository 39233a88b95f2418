import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { base32Encode } from '../core/base32.js';
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { VeilError } from '../core/index.js';
import {
  b32Address,
  destinationLength,
  fromI2pBase64,
  isB32Address,
  parseB32Address,
  parseDestination,
  publicDestinationOf,
  signatureTypeOf,
  toI2pBase64,
} from './destination.js';
import { routerIdentityHash, netDbPath } from './router-info.js';

/** A synthetic Ed25519 destination: 384 key bytes + KEY certificate (type 5, length 4, sig 7, crypto 0). */
export function fakeDestination(): Buffer {
  return Buffer.concat([randomBytes(384), Buffer.from([5, 0, 4, 0, 7, 0, 0])]);
}

const code = (c: string) => (e: unknown): boolean => e instanceof VeilError && e.code === c;

describe('I2P base64 and base32', () => {
  it('uses - and ~ instead of + and /', () => {
    assert.equal(toI2pBase64(Buffer.from([0xfb, 0xff])), '-~8=');
    assert.deepEqual([...fromI2pBase64('-~8=')], [0xfb, 0xff]);
  });

  it('round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => assert.deepEqual([...fromI2pBase64(toI2pBase64(b))], [...b])));
  });

  it('rejects standard-alphabet and non-canonical text', () => {
    assert.throws(() => fromI2pBase64('+/8='), code('VEIL_I2P_DESTINATION_INVALID'));
    assert.throws(() => fromI2pBase64('-~9='), code('VEIL_I2P_DESTINATION_INVALID'));
    assert.throws(() => fromI2pBase64('A'), code('VEIL_I2P_DESTINATION_INVALID'));
  });

  it('base32 matches RFC 4648 vectors (lower case, no padding)', () => {
    assert.equal(base32Encode(Buffer.from('foobar')), 'mzxw6ytboi');
    assert.equal(base32Encode(Buffer.from('f')), 'my');
    assert.equal(base32Encode(new Uint8Array(0)), '');
  });
});

describe('destinations and .b32.i2p', () => {
  it('computes the b32 address as base32(sha256(destination)) + .b32.i2p', () => {
    const d = fakeDestination();
    const expected = base32Encode(createHash('sha256').update(d).digest()) + '.b32.i2p';
    assert.equal(b32Address(toI2pBase64(d)), expected);
    assert.equal(b32Address(d), expected);
    assert.equal(expected.length, 52 + 8);
    assert.ok(isB32Address(expected));
  });

  it('measures the destination from its certificate and reads the signature type', () => {
    const d = fakeDestination();
    assert.equal(destinationLength(d), 391);
    assert.equal(signatureTypeOf(d), 7);
    const nullCert = Buffer.concat([randomBytes(384), Buffer.from([0, 0, 0])]);
    assert.equal(signatureTypeOf(nullCert), 0);
  });

  it('rejects short, truncated and over-long destinations', () => {
    assert.throws(() => parseDestination(toI2pBase64(randomBytes(300))), code('VEIL_I2P_DESTINATION_INVALID'));
    assert.throws(() => parseDestination(toI2pBase64(fakeDestination().subarray(0, 389))), code('VEIL_I2P_DESTINATION_INVALID'));
    assert.throws(() => parseDestination(toI2pBase64(Buffer.concat([fakeDestination(), Buffer.from([1])]))), code('VEIL_I2P_DESTINATION_INVALID'));
  });

  it('extracts the public destination from a private key blob', () => {
    const d = fakeDestination();
    const priv = toI2pBase64(Buffer.concat([d, randomBytes(256), randomBytes(32)]));
    assert.equal(publicDestinationOf(priv), toI2pBase64(d));
    assert.throws(() => publicDestinationOf(toI2pBase64(Buffer.concat([d, randomBytes(200)]))), code('VEIL_I2P_PRIVATE_KEY_INVALID'));
    assert.throws(() => publicDestinationOf('not base64!'), code('VEIL_I2P_PRIVATE_KEY_INVALID'));
  });

  it('validates .b32.i2p strings', () => {
    const good = b32Address(fakeDestination());
    assert.equal(parseB32Address(good.toUpperCase()), good);
    for (const bad of ['', 'abc.b32.i2p', good.replace('.b32.i2p', '.i2p'), good.slice(1), '1' + good.slice(1), good + 'x', `${'a'.repeat(56)}.b32.i2p`]) {
      assert.equal(isB32Address(bad), false, bad);
      assert.throws(() => parseB32Address(bad), code('VEIL_I2P_B32_INVALID'));
    }
  });
});

describe('RouterInfo identity hash', () => {
  it('hashes only the RouterIdentity and names the netDb file after it', () => {
    const identity = fakeDestination();
    const ri = Buffer.concat([identity, randomBytes(500)]);
    const h = routerIdentityHash(ri);
    assert.equal(h, toI2pBase64(createHash('sha256').update(identity).digest()));
    assert.equal(routerIdentityHash(Buffer.concat([identity, randomBytes(10)])), h);
    assert.equal(netDbPath('/n', h), `/n/r${h[0]}/routerInfo-${h}.dat`);
  });
});
