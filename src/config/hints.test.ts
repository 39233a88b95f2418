import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isVeilError } from '../core/index.js';
import { formatConnectionHint, formatFurl, parseConnectionHint, parseConnectionHints, parseFurl, parseLocation } from './hints.js';

const isValueError = (e: unknown): boolean => isVeilError(e, 'VEIL_CONFIG_VALUE');

describe('connection hints', () => {
  it('parses tcp:, tor:, i2p: (with and without port) and legacy HOST:PORT', () => {
    assert.deepEqual(parseConnectionHint('tcp:example.org:1234'), { kind: 'tcp', host: 'example.org', port: 1234 });
    assert.deepEqual(parseConnectionHint('tcp:[2001:db8::1]:1234'), { kind: 'tcp', host: '2001:db8::1', port: 1234 });
    assert.deepEqual(parseConnectionHint('tor:u33m4y7klhz3b.onion:3000'), { kind: 'tor', host: 'u33m4y7klhz3b.onion', port: 3000 });
    assert.deepEqual(parseConnectionHint('i2p:abc.b32.i2p'), { kind: 'i2p', address: 'abc.b32.i2p' });
    assert.deepEqual(parseConnectionHint('i2p:abc.b32.i2p:3457'), { kind: 'i2p', address: 'abc.b32.i2p', port: 3457 });
    assert.deepEqual(parseConnectionHint('123.45.67.89:8098'), { kind: 'tcp', host: '123.45.67.89', port: 8098 });
  });

  it('rejects malformed hints naming the problem; unknown types only from peers', () => {
    const bad: [string, RegExp][] = [
      ['tcp:example.org', /not tcp:HOST:PORT/],
      ['tcp:abc.onion:80', /use tor:/],
      ['tcp:x.i2p:80', /use i2p:/],
      ['i2p:example.org', /not an \.i2p address/],
      ['tor:u33m4y7klhz3b.onion:kumquat', /"kumquat" is not an integer/],
      ['meow:x:1', /unknown connection hint type "meow"/],
      ['', /empty/],
      ['tcp:127.1:80', /numeric address/],
    ];
    for (const [text, re] of bad) {
      assert.throws(() => parseConnectionHint(text), (e: unknown) => isValueError(e) && re.test((e as Error).message), text);
    }
    assert.deepEqual(parseConnectionHint('meow:x:1', { allowOther: true }), { kind: 'other', type: 'meow', raw: 'meow:x:1' });
  });

  it('comma lists: order kept, empty entries and overlong lists rejected', () => {
    assert.deepEqual(
      parseConnectionHints('tcp:a.example:1, tor:u33m4y7klhz3b.onion:2').map((h) => h.kind),
      ['tcp', 'tor'],
    );
    assert.throws(() => parseConnectionHints('tcp:a.example:1,,tcp:b.example:2'), isValueError);
    assert.throws(() => parseConnectionHints(Array(40).fill('tcp:a.example:1').join(',')), isValueError);
  });

  it('tub.location: AUTO (any case) mixed with hints', () => {
    assert.deepEqual(parseLocation('AUTO,tcp:example.org:1'), [{ kind: 'auto' }, { kind: 'tcp', host: 'example.org', port: 1 }]);
    assert.deepEqual(parseLocation('auto'), [{ kind: 'auto' }]);
  });

  it('formats canonically and round-trips', () => {
    for (const t of ['tcp:example.org:1', 'tcp:[::1]:2', 'tor:u33m4y7klhz3b.onion:3000', 'i2p:abc.b32.i2p', 'i2p:abc.b32.i2p:1']) {
      assert.equal(formatConnectionHint(parseConnectionHint(t)), t);
    }
  });

  it('FURLs: pb://TUBID@HINTS/NAME, keeping unknown hint types', () => {
    const f = parseFurl('pb://ok45ssoklj4y7eok5c3xkmj@tcp:tahoe.example:44801,meow:x/ii3uumo');
    assert.equal(f.tubId, 'ok45ssoklj4y7eok5c3xkmj');
    assert.equal(f.name, 'ii3uumo');
    assert.deepEqual(f.hints.map((h) => h.kind), ['tcp', 'other']);
    assert.equal(formatFurl(f), 'pb://ok45ssoklj4y7eok5c3xkmj@tcp:tahoe.example:44801,meow:x/ii3uumo');
    for (const bad of ['http://x@y/z', 'pb://ABC@tcp:a.b:1/x', 'pb://abc@/x', 'pb://abc@tcp:a.b:1']) assert.throws(() => parseFurl(bad), isValueError, bad);
  });
});
