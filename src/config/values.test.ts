import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isVeilError } from '../core/index.js';
import { editDistance, nearest } from './reader.js';
import { formatSize, parseBoolean, parseInteger, parsePort, parseSize } from './values.js';

const isValueError = (e: unknown): boolean => isVeilError(e, 'VEIL_CONFIG_VALUE');

describe('scalar values', () => {
  it('booleans: true/false/yes/no/1/0 (and on/off), any case', () => {
    for (const t of ['true', 'True', 'YES', 'yes', '1', 'on']) assert.equal(parseBoolean(t), true, t);
    for (const f of ['false', 'FALSE', 'No', '0', 'off']) assert.equal(parseBoolean(f), false, f);
    for (const bad of ['', 'maybe', 'truee', '2']) assert.throws(() => parseBoolean(bad), isValueError, bad);
  });

  it('sizes follow Tahoe reserved_space: 100MB = 100M = 100000000B = 100000kb; 1MiB = 1024KiB = 1048576B', () => {
    for (const s of ['100MB', '100M', '100000000B', '100000000', '100000kb', '100 MB']) assert.equal(parseSize(s), 100_000_000, s);
    for (const s of ['1MiB', '1024KiB', '1048576B', '1mi']) assert.equal(parseSize(s), 1_048_576, s);
    assert.equal(parseSize('1G'), 1e9);
    assert.equal(parseSize('2T'), 2e12);
    assert.equal(parseSize(''), 0);
    for (const bad of ['1.5G', '-1', 'G', '1X', '1GBB', '99999999999999T']) assert.throws(() => parseSize(bad), isValueError, bad);
  });

  it('formatSize gives an exact short form that parses back', () => {
    for (const n of [0, 1, 999, 1000, 1024, 1e9, 1_048_576, 3 * 1024 ** 4, 123456789]) assert.equal(parseSize(formatSize(n)), n);
    assert.equal(formatSize(1e9), '1G');
    assert.equal(formatSize(1_048_576), '1Mi');
  });

  it('ports and integers are range-checked decimal integers, naming the bad value', () => {
    assert.equal(parsePort('65535'), 65535);
    assert.throws(() => parsePort('0'), isValueError);
    assert.throws(() => parsePort('65536'), isValueError);
    assert.throws(() => parsePort('kumquat'), (e: unknown) => isValueError(e) && /kumquat/.test((e as Error).message));
    assert.throws(() => parsePort('0x50'), isValueError);
    assert.equal(parseInteger('7', 1, 256), 7);
    assert.throws(() => parseInteger('257', 1, 256), isValueError);
  });

  it('edit distance picks the nearest known name', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('TUB.PORT', 'tub.port'), 0);
    assert.equal(nearest('tub.prot', ['nickname', 'tub.port', 'tub.location']), 'tub.port');
    assert.equal(nearest('x', []), undefined);
  });
});
