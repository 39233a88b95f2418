/**
 * Tahoe cases P1–P12 (TAHOE-BEHAVIOURS.md, "Privacy switch"), with the snippets of anonymity-configuration.rst
 * used verbatim. P6 and P7 are not listed in TAHOE-BEHAVIOURS.md.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandAutoLocation } from './hints.js';
import { cfg, leakAt, leaksOf, parseOk, problemsOf } from './test-kit.js';

// anonymity-configuration.rst, "Client anonymity" (verbatim).
const CLIENT_ANONYMITY = `reveal-IP-address = False
tub.port = disabled
tub.location = disabled`;

// anonymity-configuration.rst, "Server anonymity, manual configuration" (verbatim, except that the
// page's cut-off `interface=` is completed to `interface=127.0.0.1`, as the text around it describes).
const MANUAL_SERVER_NODE = `reveal-IP-address = false
tub.port = tcp:2000:interface=127.0.0.1
tub.location = tor:u33m4y7klhz3b.onion:3000`;
const MANUAL_SERVER_CONNECTIONS = `tcp = tor`;

describe('privacy switch (P1-P12)', () => {
  it('P1: reveal-IP-address = false without [connections] is an IP leak naming [connections] tcp', () => {
    const leaks = leaksOf(cfg('[node]', 'reveal-IP-address = false', 'tub.port = disabled', 'tub.location = disabled'));
    assert.equal(leaks.length, 1);
    const l = leakAt(leaks, 'connections', 'tcp');
    assert.equal(l.value, 'tcp');
    assert.equal(l.safeValue, 'tor');
    assert.equal(l.line, undefined, 'not written: the default is reported');
  });

  it('P2: reveal-IP-address = false with tcp = disabled starts, and tcp: hints have no handler', () => {
    const c = parseOk(cfg('[node]', CLIENT_ANONYMITY, '[connections]', 'tcp = disabled'));
    assert.equal(c.connections.tcp, 'disabled');
    assert.equal(c.connectionHandlers.tcp.handler, 'none');
  });

  it('P3: reveal-IP-address = false with tcp = tor passes the connections check', () => {
    const c = parseOk(cfg('[node]', CLIENT_ANONYMITY, '[connections]', 'tcp = tor'));
    assert.equal(c.connectionHandlers.tcp.handler, 'tor');
  });

  it('P4: reveal-IP-address = false with tub.location absent (AUTO) is a leak naming tub.location', () => {
    const leaks = leaksOf(cfg('[node]', 'reveal-IP-address = false', 'tub.port = tcp:2000:interface=127.0.0.1', '[connections]', 'tcp = tor'));
    assert.equal(leaks.length, 1);
    const l = leakAt(leaks, 'node', 'tub.location');
    assert.equal(l.value, 'AUTO');
    assert.match(l.reason, /AUTO/);
  });

  it('P5: reveal-IP-address = false with tub.location = tcp:hostname:1234 is a leak naming the tcp: hint', () => {
    const leaks = leaksOf(
      cfg('[node]', 'reveal-IP-address = false', 'tub.port = tcp:1234:interface=127.0.0.1', 'tub.location = tcp:hostname:1234', '[connections]', 'tcp = tor'),
    );
    const l = leakAt(leaks, 'node', 'tub.location');
    assert.equal(l.line, 4);
    assert.match(l.reason, /tcp: hint/);
    assert.equal(leaks.length, 1);
  });

  it('P8: the manual server recipe (tub.port = tcp:2000:interface=127.0.0.1, tor: location, tcp = tor) starts', () => {
    const c = parseOk(cfg('[node]', MANUAL_SERVER_NODE, '[connections]', MANUAL_SERVER_CONNECTIONS));
    assert.deepEqual(c.node.tubPort, { kind: 'listeners', listeners: [{ kind: 'tcp', port: 2000, interface: '127.0.0.1' }] });
    assert.deepEqual(c.node.tubLocation, { kind: 'entries', entries: [{ kind: 'tor', host: 'u33m4y7klhz3b.onion', port: 3000 }] });
    assert.equal(c.node.revealIpAddress, false);
    assert.equal(c.connectionHandlers.tcp.handler, 'tor');
  });

  it('P8: the recipe as the page prints it (interface= cut off) is rejected with a clear message', () => {
    const problems = problemsOf(cfg('[node]', 'reveal-IP-address = false', 'tub.port = tcp:2000:interface=', 'tub.location = tor:u33m4y7klhz3b.onion:3000'));
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.key, 'tub.port');
    assert.match(problems[0]?.message ?? '', /interface= is empty/);
  });

  it('P8: the recipe with tub.port bound to all interfaces is a leak (Veil: listeners must bind loopback)', () => {
    const leaks = leaksOf(cfg('[node]', 'reveal-IP-address = false', 'tub.port = tcp:2000', 'tub.location = tor:u33m4y7klhz3b.onion:3000', '[connections]', 'tcp = tor'));
    assert.equal(leakAt(leaks, 'node', 'tub.port').safeValue, 'tcp:2000:interface=127.0.0.1');
  });

  it('P9: the "Client anonymity" block with tcp = tor starts with no listeners', () => {
    const c = parseOk(cfg('[node]', CLIENT_ANONYMITY, '[connections]', 'tcp = tor'));
    assert.deepEqual(c.node.tubPort, { kind: 'disabled' });
    assert.deepEqual(c.node.tubLocation, { kind: 'disabled' });
  });

  it('P9: the "Client anonymity" block alone leaks only through [connections] tcp (the page asks for tcp = tor above)', () => {
    const leaks = leaksOf(cfg('[node]', CLIENT_ANONYMITY));
    assert.deepEqual(
      leaks.map((l) => `${l.section} ${l.key}`),
      ['connections tcp'],
    );
  });

  it('P10: reveal-IP-address = false with tub.location = tor:ONION.onion:VIRTPORT,i2p:ADDR.i2p is allowed', () => {
    const c = parseOk(
      cfg(
        '[node]',
        'reveal-IP-address = false',
        'tub.port = tcp:2000:interface=127.0.0.1',
        'tub.location = tor:u33m4y7klhz3b.onion:3000,i2p:ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p',
        '[connections]',
        'tcp = tor',
      ),
    );
    assert.equal(c.node.tubLocation.kind === 'entries' && c.node.tubLocation.entries.map((e) => e.kind).join(','), 'tor,i2p');
  });

  it('P11: reveal-IP-address default, tub.port = tcp:777, tub.location = AUTO -> tcp:<each local ip>:777', () => {
    const c = parseOk(cfg('[node]', 'tub.port = tcp:777', 'tub.location = AUTO'));
    assert.equal(c.node.revealIpAddress, true);
    assert.equal(c.node.tubLocation.kind, 'entries');
    if (c.node.tubLocation.kind !== 'entries') return;
    const hints = expandAutoLocation(c.node.tubLocation.entries, 777, ['192.168.1.2', '2001:db8::7', 'not an ip']);
    assert.deepEqual(hints, [
      { kind: 'tcp', host: '192.168.1.2', port: 777 },
      { kind: 'tcp', host: '2001:db8::7', port: 777 },
    ]);
  });

  it('P12: the flag only vetoes: a passing hidden config equals the revealed one except for the flag', () => {
    const hidden = parseOk(cfg('[node]', MANUAL_SERVER_NODE, '[connections]', MANUAL_SERVER_CONNECTIONS));
    const shown = parseOk(cfg('[node]', MANUAL_SERVER_NODE.replace('false', 'true'), '[connections]', MANUAL_SERVER_CONNECTIONS));
    assert.deepEqual({ ...hidden, node: { ...hidden.node, revealIpAddress: true } }, shown);
  });

  it('P12 (Veil closes the gap): web.port, tor socks/control and SAM hosts are checked, every leak listed at once', () => {
    const leaks = leaksOf(
      cfg(
        '[node]',
        'reveal-IP-address = false',
        'web.port = tcp:8080',
        'tub.port = tcp:2000:interface=0.0.0.0',
        'tub.location = AUTO,tcp:203.0.113.5:2000',
        '[tor]',
        'socks.port = tcp:192.168.1.10:9050',
        'control.port = tcp:10.0.0.1:9051',
        '[i2p]',
        'sam.port = tcp:172.16.0.1:7656',
      ),
    );
    const names = leaks.map((l) => `[${l.section}] ${l.key}`).sort();
    assert.deepEqual(names, [
      '[connections] tcp',
      '[i2p] sam.port',
      '[node] tub.location',
      '[node] tub.port',
      '[node] web.port',
      '[tor] control.port',
      '[tor] socks.port',
    ]);
    assert.equal(leakAt(leaks, 'node', 'web.port').safeValue, 'tcp:8080:interface=127.0.0.1');
    assert.equal(leakAt(leaks, 'node', 'web.port').line, 3);
    assert.match(leakAt(leaks, 'tor', 'socks.port').safeValue, /^tcp:127\.0\.0\.1:9050/);
    assert.match(leakAt(leaks, 'i2p', 'sam.port').safeValue, /^tcp:127\.0\.0\.1:7656/);
  });

  it('P12: unix sockets and loopback endpoints are not leaks; a tor: hint naming a non-onion host is', () => {
    const base = ['[node]', 'reveal-IP-address = false', 'tub.port = tcp:2000:interface=[::1]', '[connections]', 'tcp = tor', '[tor]', 'socks.port = unix:private/socks', 'control.port = tcp:[::1]:9051'];
    const leaks = leaksOf(cfg(...base.slice(0, 3), 'tub.location = tor:example.org:3000', 'web.port = unix:private/web.sock', ...base.slice(3)));
    assert.deepEqual(leaks.map((l) => l.key), ['tub.location']);
    assert.match(leaks[0]?.reason ?? '', /not an onion service/);
  });
});
