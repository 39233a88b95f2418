/** General validation behaviour: every problem at once, nearest-key suggestions, defaults, frozen results. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cfg, parseOk, problemAt, problemsOf } from './test-kit.js';

describe('validation', () => {
  it('reports every problem at once, in file order, each naming [section] key as written and the line', () => {
    const problems = problemsOf(
      cfg(
        '[node]',
        'Tub.Prot = tcp:1',
        'reveal-ip-address = perhaps',
        'web.port = tcp:http',
        '[client]',
        'shares.needed = 0',
        '[storage]',
        'reserved_space = lots',
        '[gateway]',
        'dnslink.resolver = http://resolver.example/dns-query',
      ),
    );
    assert.deepEqual(
      problems.map((p) => `${p.line} [${p.section}] ${p.key}`),
      ['2 [node] Tub.Prot', '3 [node] reveal-ip-address', '4 [node] web.port', '6 [client] shares.needed', '8 [storage] reserved_space', '10 [gateway] dnslink.resolver'],
    );
    assert.match(problems[0]?.message ?? '', /nearest known key in \[node\]: tub\.port/);
    assert.match(problems[1]?.message ?? '', /"perhaps" is not a boolean/);
  });

  it('unknown keys name the nearest known key of their own section', () => {
    assert.match(problemAt(problemsOf(cfg('[tor]', 'sock.port = 1')), 'tor', 'sock.port').message, /socks\.port/);
    assert.match(problemAt(problemsOf(cfg('[i2p]', 'samport = 1')), 'i2p', 'samport').message, /sam\.port/);
    assert.match(problemAt(problemsOf(cfg('[testnet]', 'allow-loopback = 1')), 'testnet', 'allow-loopback').message, /allow-loopback-exit/);
  });

  it('key names are case-insensitive (REVEAL-ip-ADDRESS is reveal-IP-address); booleans accept yes/no/1/0', () => {
    const c = parseOk(cfg('[node]', 'REVEAL-ip-ADDRESS = no', 'tub.port = disabled', 'tub.location = disabled', '[connections]', 'tcp = tor', '[storage]', 'ENABLED = 0'));
    assert.equal(c.node.revealIpAddress, false);
    assert.equal(c.storage.enabled, false);
  });

  it('fetch.public is a list of gateway URLs (false: none; true is refused); fetch.routing one URL', () => {
    assert.deepEqual(parseOk('').gateway.fetchPublic, []);
    assert.deepEqual(parseOk(cfg('[gateway]', 'fetch.public = false')).gateway.fetchPublic, []);
    const c = parseOk(cfg('[gateway]', 'fetch.public = https://a.example, http://127.0.0.1:8081/', 'fetch.routing = https://routing.example'));
    assert.deepEqual(c.gateway.fetchPublic, ['https://a.example/', 'http://127.0.0.1:8081/']);
    assert.equal(c.gateway.fetchRouting, 'https://routing.example/');
    assert.match(problemAt(problemsOf(cfg('[gateway]', 'fetch.public = true')), 'gateway', 'fetch.public').message, /URLs/);
    problemAt(problemsOf(cfg('[gateway]', 'fetch.public = http://gw.example')), 'gateway', 'fetch.public');
    problemAt(problemsOf(cfg('[gateway]', 'fetch.routing = ftp://r.example')), 'gateway', 'fetch.routing');
  });

  it('storage.servers: service addresses split between addresses, not between the hints of one', () => {
    const a = 'pb://ok45ssoklj4y7eok5c3xkmj@tor:u33m4y7klhz3b.onion:44801,tcp:127.0.0.1:3456/ii3uumo';
    const b = 'pb://abcdefgh@tcp:127.0.0.1:4000/sw1';
    assert.deepEqual(parseOk(cfg('[client]', `storage.servers = ${a}, ${b}`)).client.storageServers, [a, b]);
    assert.deepEqual(parseOk('').client.storageServers, []);
    problemAt(problemsOf(cfg('[client]', 'storage.servers = https://x.example')), 'client', 'storage.servers');
  });

  it('defaults: web.port tcp:8080 on 127.0.0.1, reveal true, shares 3/7/10, reserved_space 1G, storage off', () => {
    const c = parseOk('');
    assert.deepEqual(c.node.webPort, { kind: 'tcp', port: 8080, interface: '127.0.0.1' });
    assert.equal(c.node.revealIpAddress, true);
    assert.deepEqual([c.client.sharesNeeded, c.client.sharesHappy, c.client.sharesTotal], [3, 7, 10]);
    assert.equal(c.storage.reservedSpaceBytes, 1e9);
    assert.equal(c.storage.enabled, false);
    assert.equal(c.client.introducerFurl, undefined);
    assert.equal(c.gateway.dnsResolver, undefined);
    assert.equal(c.nodeDir, '/srv/veil-node');
  });

  it('the result is deeply frozen', () => {
    const c = parseOk(cfg('[client]', 'introducer.furl = pb://abc@tcp:intro.example:1/x'));
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.node) && Object.isFrozen(c.tor.socksCandidates) && Object.isFrozen(c.client.introducerFurl?.hints));
    assert.throws(() => {
      (c.node as { revealIpAddress: boolean }).revealIpAddress = false;
    }, TypeError);
  });

  it('shares must satisfy needed <= happy <= total <= 256', () => {
    const problems = problemsOf(cfg('[client]', 'shares.needed = 8', 'shares.happy = 7', 'shares.total = 300'));
    assert.deepEqual(problems.map((p) => p.key).sort(), ['shares.happy', 'shares.total']);
    assert.match(problemAt(problemsOf(cfg('[client]', 'shares.happy = 11')), 'client', 'shares.happy').message, /at most shares\.total/);
  });

  it('web.port: disabled or empty turns the web server off; unix sockets are allowed', () => {
    assert.equal(parseOk(cfg('[node]', 'web.port = disabled')).node.webPort, undefined);
    assert.equal(parseOk(cfg('[node]', 'web.port =')).node.webPort, undefined);
    assert.deepEqual(parseOk(cfg('[node]', 'web.port = unix:private/web.sock')).node.webPort, { kind: 'unix', path: '/srv/veil-node/private/web.sock' });
    assert.match(problemAt(problemsOf(cfg('[node]', 'web.port = listen:tor')), 'node', 'web.port').message, /cannot be used here/);
  });

  it('dnslink.resolver must be https:// (http:// only for a loopback resolver), without credentials', () => {
    assert.equal(parseOk(cfg('[gateway]', 'dnslink.resolver = https://dns.example/dns-query')).gateway.dnsResolver, 'https://dns.example/dns-query');
    assert.equal(parseOk(cfg('[gateway]', 'dnslink.resolver = http://127.0.0.1:8053/dns-query')).gateway.dnsResolver, 'http://127.0.0.1:8053/dns-query');
    problemAt(problemsOf(cfg('[gateway]', 'dnslink.resolver = https://u:p@dns.example/')), 'gateway', 'dnslink.resolver');
    problemAt(problemsOf(cfg('[gateway]', 'dnslink.resolver = not a url')), 'gateway', 'dnslink.resolver');
  });

  it('introducer.furl is parsed into its tub id, hints and name', () => {
    const c = parseOk(cfg('[client]', 'introducer.furl = pb://ok45ssoklj4y7eok5c3xkmj@tor:u33m4y7klhz3b.onion:44801/ii3uumo'));
    assert.deepEqual(c.client.introducerFurl, {
      tubId: 'ok45ssoklj4y7eok5c3xkmj',
      hints: [{ kind: 'tor', host: 'u33m4y7klhz3b.onion', port: 44801 }],
      name: 'ii3uumo',
    });
  });

  it('tub.location with a hint type Veil does not know is rejected; AUTO with only provider listeners is rejected', () => {
    problemAt(problemsOf(cfg('[node]', 'tub.location = meow:x:1')), 'node', 'tub.location');
    const ONION = ['[tor]', 'launch = true', 'onion = true', 'onion.local_port = 1', 'onion.external_port = 2', 'onion.private_key_file = k'];
    assert.match(problemAt(problemsOf(cfg('[node]', 'tub.port = listen:tor', 'tub.location = AUTO', ...ONION)), 'node', 'tub.location').message, /AUTO needs a tcp: listener/);
  });

  it('settings for a switched-off network are rejected rather than ignored', () => {
    problemAt(problemsOf(cfg('[tor]', 'enabled = false', 'launch = true')), 'tor', 'launch');
    problemAt(problemsOf(cfg('[i2p]', 'enabled = false', 'launch = true')), 'i2p', 'launch');
    problemAt(problemsOf(cfg('[i2p]', 'dest.port = 1')), 'i2p', 'dest.port');
  });
});
