import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyHost, isLoopbackAddress, parseIPv4, parseIPv6 } from './host.js';

function scopeOf(host: string): string {
  const info = classifyHost(host);
  return info.kind === 'ipv4' || info.kind === 'ipv6' ? info.scope : info.kind;
}

describe('host classification', () => {
  it('parses IPv4 strictly (no leading zeros, no short forms)', () => {
    assert.deepEqual(parseIPv4('192.168.0.1'), [192, 168, 0, 1]);
    for (const bad of ['127.1', '010.0.0.1', '1.2.3.256', '1.2.3.4.5', ' 1.2.3.4']) assert.equal(parseIPv4(bad), undefined, bad);
  });

  it('parses IPv6 text forms', () => {
    assert.deepEqual(parseIPv6('::1'), [0, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(parseIPv6('::'), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(parseIPv6('2001:db8::8:800:200c:417a'), [0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a]);
    assert.deepEqual(parseIPv6('::ffff:127.0.0.1'), [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    assert.deepEqual(parseIPv6('1:2:3:4:5:6:1.2.3.4'), [1, 2, 3, 4, 5, 6, 0x102, 0x304]);
    for (const bad of ['1::2::3', ':1::', '1:2:3:4:5:6:7:8:9', '12345::', '1:2:3:4:5:6:7', 'g::1', '::1.2.3']) assert.equal(parseIPv6(bad), undefined, bad);
  });

  it('classifies scopes (IANA special-purpose registries)', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.1.2', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['172.32.0.1', 'public'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'private'],
      ['169.254.0.1', 'link-local'],
      ['224.0.0.251', 'multicast'],
      ['240.0.0.1', 'reserved'],
      ['255.255.255.255', 'reserved'],
      ['192.0.2.1', 'reserved'],
      ['0.0.0.0', 'unspecified'],
      ['8.8.8.8', 'public'],
      ['::1', 'loopback'],
      ['[::1]', 'loopback'],
      ['::', 'unspecified'],
      ['fd00::1', 'private'],
      ['fe80::1', 'link-local'],
      ['ff02::1', 'multicast'],
      ['2001:db8::1', 'reserved'],
      ['::ffff:10.0.0.1', 'private'],
      ['2606:4700::1111', 'public'],
    ];
    for (const [host, scope] of cases) assert.equal(scopeOf(host), scope, host);
  });

  it('classifies names without resolving them, and refuses numeric look-alikes', () => {
    assert.equal(classifyHost('Example.ORG.').kind, 'dns');
    assert.deepEqual(classifyHost('localhost'), { kind: 'dns', name: 'localhost', isLocalhost: true });
    assert.deepEqual(classifyHost('u33m4y7klhz3b.onion'), { kind: 'onion', name: 'u33m4y7klhz3b.onion' });
    assert.equal(classifyHost('abc.b32.i2p').kind, 'i2p');
    assert.equal(classifyHost('example.i2p').kind, 'i2p');
    for (const bad of ['127.1', '0x7f000001', '1.2.3.4.5', 'a..b', '-a.com', 'bad_name.com', 'x!.onion', 'b32.i2p.', '']) {
      assert.equal(classifyHost(bad).kind, 'invalid', bad);
    }
  });

  it('isLoopbackAddress: 127/8, ::1, IPv4-mapped loopback and localhost only', () => {
    for (const h of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST']) assert.ok(isLoopbackAddress(h), h);
    for (const h of ['0.0.0.0', '10.0.0.1', '127.0.0.01', 'example.org', '::']) assert.ok(!isLoopbackAddress(h), h);
  });
});

it('a name is refused as numeric only when its last label is a number (WHATWG "ends in a number")', () => {
  for (const numeric of ['127.1', '0x7f000001', 'a.0x1f', 'example.123']) assert.equal(classifyHost(numeric).kind, 'invalid', numeric);
  for (const name of ['0x.aa', '0xdead.example', '1.example']) assert.equal(classifyHost(name).kind, 'dns', name);
});
