import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { base32Decode, base32Encode } from './base32.js';

test('RFC 4648 test vectors (without padding), both cases', () => {
  const vectors: [string, string][] = [['', ''], ['f', 'my'], ['fo', 'mzxq'], ['foo', 'mzxw6'], ['foob', 'mzxw6yq'], ['fooba', 'mzxw6ytb'], ['foobar', 'mzxw6ytboi']];
  for (const [plain, encoded] of vectors) {
    assert.equal(base32Encode(Buffer.from(plain)), encoded);
    assert.equal(base32Encode(Buffer.from(plain), { upperCase: true }), encoded.toUpperCase());
    assert.equal(base32Decode(encoded)?.toString(), plain);
    assert.equal(base32Decode(encoded.toUpperCase())?.toString(), plain);
  }
});

test('decode(encode(x)) = x; bad characters and non-canonical endings are refused', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => assert.deepEqual(base32Decode(base32Encode(bytes)), Buffer.from(bytes))));
  assert.equal(base32Decode('m1'), undefined);
  assert.equal(base32Decode('mz'), undefined, 'non-zero trailing bits');
  assert.equal(base32Decode('mzx'), undefined, 'a length no encoding produces');
});
