import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isVeilError } from '../core/index.js';
import { assertOnionName, formatOnionTarget, parseOnionTarget, parseServicePort } from './onion-target.js';

test('targets on this machine are accepted and formatted for ADD_ONION', () => {
  const cases: [string, string][] = [
    ['22', '127.0.0.1:22'],
    ['127.0.0.1:22', '127.0.0.1:22'],
    ['127.8.9.10:8080', '127.8.9.10:8080'],
    ['localhost:22', '127.0.0.1:22'],
    ['[::1]:22', '[::1]:22'],
    ['unix:/run/app.sock', 'unix:/run/app.sock'],
  ];
  for (const [input, out] of cases) assert.equal(formatOnionTarget(parseOnionTarget(input)), out, input);
});

test('targets elsewhere are refused with VEIL_ONION_TARGET_NOT_LOCAL, malformed ones with VEIL_ONION_TARGET_INVALID', () => {
  for (const t of ['192.168.1.10:22', '10.0.0.1:22', '8.8.8.8:53', '[2001:db8::1]:22', 'example.com:22', 'host.onion:80']) {
    assert.throws(() => parseOnionTarget(t), (e: unknown) => isVeilError(e, 'VEIL_ONION_TARGET_NOT_LOCAL'), t);
  }
  for (const t of ['', '0', '70000', '127.0.0.1', '127.0.0.1:', '127.0.0.1:x', 'unix:relative', 'unix:/a b', ':22', 'tcp:127.0.0.1:22']) {
    assert.throws(() => parseOnionTarget(t), (e: unknown) => isVeilError(e, 'VEIL_ONION_TARGET_INVALID'), t);
  }
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (text) => {
      try {
        parseOnionTarget(text);
      } catch (err) {
        assert.ok(isVeilError(err, 'VEIL_ONION_TARGET_INVALID') || isVeilError(err, 'VEIL_ONION_TARGET_NOT_LOCAL'), String(err));
      }
    }),
  );
});

test('names and ports', () => {
  for (const ok of ['ssh', 'web-1', 'A_b', 'x'.repeat(32)]) assertOnionName(ok);
  for (const bad of ['', '-x', '_x', 'a/b', '..', 'a b', 'x'.repeat(33), 'é']) {
    assert.throws(() => assertOnionName(bad), (e: unknown) => isVeilError(e, 'VEIL_ONION_NAME_INVALID'), bad);
  }
  assert.equal(parseServicePort('65535'), 65535);
  assert.throws(() => parseServicePort('0'), (e: unknown) => isVeilError(e, 'VEIL_ONION_TARGET_INVALID'));
});
