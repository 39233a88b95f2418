import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isVeilError } from '../../core/index.js';
import { parseDuration } from './onion.js';

test('parseDuration', () => {
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('7d'), 7 * 86_400_000);
  assert.equal(parseDuration('250ms'), 250);
  for (const bad of ['', '10', 'm', '1x', '1h 2m', '-1s', '400d']) assert.throws(() => parseDuration(bad), (e: unknown) => isVeilError(e, 'VEIL_INPUT_INVALID'), bad);
});
