/**
 * `[storage]` lease expiration keys (Tahoe's expire.enabled, expire.mode, expire.override_lease_duration,
 * expire.cutoff_date) and connection.max_bytes: defaults, parsing, and each misuse reported with its key.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isVeilError } from '../core/index.js';
import { parseOk, problemsOf } from './test-kit.js';
import { parseDate, parseDuration } from './values.js';

describe('[storage] expire.* and connection.max_bytes', () => {
  it('defaults: no expiration, age mode with each lease\'s own duration, 1 GiB per connection', () => {
    const { storage } = parseOk('');
    assert.equal(storage.expireEnabled, false);
    assert.deepEqual(storage.expire, { mode: 'age', overrideLeaseDurationMs: undefined });
    assert.equal(storage.connectionMaxBytes, 1024 ** 3);
  });

  it('age mode with an override duration; cutoff-date mode with a date', () => {
    const a = parseOk('[storage]\nexpire.enabled = true\nexpire.mode = age\nexpire.override_lease_duration = 60 days\nconnection.max_bytes = 10Mi\n').storage;
    assert.equal(a.expireEnabled, true);
    assert.deepEqual(a.expire, { mode: 'age', overrideLeaseDurationMs: 60 * 86_400_000 });
    assert.equal(a.connectionMaxBytes, 10 * 1024 * 1024);
    const c = parseOk('[storage]\nexpire.enabled = true\nexpire.mode = cutoff-date\nexpire.cutoff_date = 2026-01-31\n').storage;
    assert.deepEqual(c.expire, { mode: 'cutoff-date', cutoffMs: Date.UTC(2026, 0, 31) });
  });

  it('reports an unknown mode, a missing or misplaced cutoff date, a bad duration and a tiny budget, each by key', () => {
    const keys = (text: string): string[] => problemsOf(text).map((p) => `${p.section} ${p.key}`).sort();
    assert.deepEqual(keys('[storage]\nexpire.mode = forever\n'), ['storage expire.mode']);
    assert.deepEqual(keys('[storage]\nexpire.mode = cutoff-date\n'), ['storage expire.cutoff_date']);
    assert.deepEqual(keys('[storage]\nexpire.cutoff_date = 2026-01-31\n'), ['storage expire.cutoff_date']);
    assert.deepEqual(keys('[storage]\nexpire.mode = cutoff-date\nexpire.cutoff_date = 2026-02-30\n'), ['storage expire.cutoff_date']);
    assert.deepEqual(keys('[storage]\nexpire.override_lease_duration = soon\n'), ['storage expire.override_lease_duration']);
    assert.deepEqual(keys('[storage]\nconnection.max_bytes = 1000\n'), ['storage connection.max_bytes']);
  });

  it('parseDuration: Tahoe units, singular or plural; parseDate: real dates only', () => {
    assert.equal(parseDuration('1 month'), 31 * 86_400_000);
    assert.equal(parseDuration('2 years'), 2 * 365 * 86_400_000);
    assert.equal(parseDuration('12hours'), 12 * 3_600_000);
    assert.throws(() => parseDuration('0 days'), (e) => isVeilError(e, 'VEIL_CONFIG_VALUE'));
    assert.equal(parseDate('2024-02-29'), Date.UTC(2024, 1, 29));
    assert.throws(() => parseDate('2023-02-29'), (e) => isVeilError(e, 'VEIL_CONFIG_VALUE'));
    fc.assert(
      fc.property(fc.string(), (text) => {
        for (const parse of [parseDuration, parseDate]) {
          try {
            parse(text);
          } catch (err) {
            assert.ok(isVeilError(err, 'VEIL_CONFIG_VALUE'));
          }
        }
      }),
    );
  });
});
