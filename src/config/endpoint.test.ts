import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isVeilError } from '../core/index.js';
import {
  formatListenEndpoint,
  formatLocalEndpoint,
  isLocalOnly,
  isLocalOnlyListener,
  parseListenEndpoint,
  parseLocalEndpoint,
  type ListenKind,
} from './endpoint.js';

const isValueError = (e: unknown): boolean => isVeilError(e, 'VEIL_CONFIG_VALUE');
const TUB: readonly ListenKind[] = ['tcp', 'tor', 'i2p'];

describe('local daemon endpoints', () => {
  it('parses tcp:HOST:PORT, tcp:PORT, keyword, bracketed and escaped IPv6 forms, and unix:PATH', () => {
    assert.deepEqual(parseLocalEndpoint('tcp:127.0.0.1:9050'), { kind: 'tcp', host: '127.0.0.1', port: 9050 });
    assert.deepEqual(parseLocalEndpoint('tcp:9050'), { kind: 'tcp', host: '127.0.0.1', port: 9050 });
    assert.deepEqual(parseLocalEndpoint('tcp:host=localhost:port=9051'), { kind: 'tcp', host: 'localhost', port: 9051 });
    assert.deepEqual(parseLocalEndpoint('tcp:[::1]:9050'), { kind: 'tcp', host: '::1', port: 9050 });
    assert.deepEqual(parseLocalEndpoint('tcp:\\:\\:1:9050'), { kind: 'tcp', host: '::1', port: 9050 });
    assert.deepEqual(parseLocalEndpoint('unix:/var/run/tor/control'), { kind: 'unix', path: '/var/run/tor/control' });
    assert.deepEqual(parseLocalEndpoint('unix:path=/x:y'), { kind: 'unix', path: '/x:y' });
    assert.deepEqual(parseLocalEndpoint('unix:private/tor.control', '/n'), { kind: 'unix', path: '/n/private/tor.control' });
  });

  it('rejects unknown types, bad ports, onion hosts, extra arguments and empty paths, naming the value (T4)', () => {
    const bad: [string, RegExp][] = [
      ['meow:unsupported', /unknown endpoint type "meow"/],
      ['tcp:localhost:kumquat', /"kumquat" is not an integer/],
      ['tcp:127.0.0.1:70000', /out of range/],
      ['tcp:abc.onion:9050', /not a local address/],
      ['tcp:127.0.0.1:9050:timeout=3', /unsupported endpoint argument/],
      ['tcp:a:b:c', /not tcp:HOST:PORT/],
      ['tcp:', /not an integer/],
      ['unix:', /no path/],
      ['', /unknown endpoint type/],
    ];
    for (const [text, re] of bad) {
      assert.throws(() => parseLocalEndpoint(text), (e: unknown) => isValueError(e) && re.test((e as Error).message), text);
    }
  });

  it('formats canonically and round-trips', () => {
    for (const t of ['tcp:127.0.0.1:9050', 'tcp:[::1]:9051', 'unix:/run/tor/control', 'tcp:localhost:1']) {
      assert.equal(formatLocalEndpoint(parseLocalEndpoint(t)), t);
    }
  });

  it('isLocalOnly: unix sockets and loopback hosts', () => {
    assert.ok(isLocalOnly(parseLocalEndpoint('unix:/x')));
    assert.ok(isLocalOnly(parseLocalEndpoint('tcp:localhost:1')));
    assert.ok(!isLocalOnly(parseLocalEndpoint('tcp:192.168.1.1:9050')));
    assert.ok(!isLocalOnly(parseLocalEndpoint('tcp:tor.example.org:9050')));
  });
});

describe('listen endpoints', () => {
  it('parses tcp:PORT, tcp:PORT:interface=ADDR, bare integers, listen:tor and listen:i2p', () => {
    assert.deepEqual(parseListenEndpoint('tcp:2000:interface=127.0.0.1', TUB), { kind: 'tcp', port: 2000, interface: '127.0.0.1' });
    assert.deepEqual(parseListenEndpoint('tcp:port=2000:interface=[::1]', TUB), { kind: 'tcp', port: 2000, interface: '::1' });
    assert.deepEqual(parseListenEndpoint('1234', TUB), { kind: 'tcp', port: 1234 });
    assert.deepEqual(parseListenEndpoint('listen:tor', TUB), { kind: 'tor' });
    assert.deepEqual(parseListenEndpoint('listen:i2p', TUB), { kind: 'i2p' });
  });

  it('rejects kinds not allowed for the key, hostnames as interfaces, unknown listeners and an empty interface', () => {
    const bad: [string, RegExp][] = [
      ['unix:/x', /cannot be used here/],
      ['tcp:80:interface=localhost', /interface must be an IP address/],
      ['listen:meow', /unknown listener/],
      ['tcp:80:interface=', /interface= is empty/],
      ['tcp:80:interface=::1', /brackets/],
      ['ssl:443', /unknown endpoint type "ssl"/],
      ['tcp:interface=127.0.0.1', /has no port/],
    ];
    for (const [text, re] of bad) {
      assert.throws(() => parseListenEndpoint(text, TUB), (e: unknown) => isValueError(e) && re.test((e as Error).message), text);
    }
  });

  it('formats canonically, round-trips, and knows which listeners are local-only', () => {
    for (const t of ['tcp:2000', 'tcp:2000:interface=127.0.0.1', 'tcp:1:interface=[::1]', 'listen:tor', 'listen:i2p']) {
      assert.equal(formatListenEndpoint(parseListenEndpoint(t, TUB)), t);
    }
    assert.ok(isLocalOnlyListener(parseListenEndpoint('tcp:2000:interface=127.0.0.1', TUB)));
    assert.ok(!isLocalOnlyListener(parseListenEndpoint('tcp:2000', TUB)));
    assert.ok(!isLocalOnlyListener(parseListenEndpoint('tcp:2000:interface=0.0.0.0', TUB)));
    assert.ok(isLocalOnlyListener(parseListenEndpoint('unix:/w', ['unix'])));
  });
});
