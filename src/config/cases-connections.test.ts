/** Tahoe cases C1–C9 (TAHOE-BEHAVIOURS.md, "[connections]"). */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isVeilError } from '../core/index.js';
import { classifyHost, torExitRefusal } from './host.js';
import { loadNodeConfig } from './load.js';
import { formatNodeFormat } from './node-dir.js';
import { cfg, parseOk, problemAt, problemsOf } from './test-kit.js';

describe('[connections] (C1-C9)', () => {
  it('C1: no [connections]: tcp -> direct, tor -> tor, i2p -> i2p', () => {
    const h = parseOk('').connectionHandlers;
    assert.deepEqual([h.tcp.handler, h.tor.handler, h.i2p.handler], ['direct', 'tor', 'i2p']);
    assert.equal(h.tcp.reason, '[connections] tcp = tcp');
  });

  it('C2: tcp = tor sends tcp: hints through Tor; the value is lower-cased', () => {
    const c = parseOk(cfg('[connections]', 'TCP = Tor'));
    assert.equal(c.connections.tcp, 'tor');
    assert.equal(c.connectionHandlers.tcp.handler, 'tor');
    assert.equal(c.connectionHandlers.tcp.reason, '[connections] tcp = tor');
  });

  it('C3: tcp = disabled ignores tcp: hints', () => {
    assert.equal(parseOk(cfg('[connections]', 'tcp = disabled')).connectionHandlers.tcp.handler, 'none');
  });

  it('C4: tcp = unknown is rejected naming the unknown handler type', () => {
    const p = problemAt(problemsOf(cfg('[connections]', 'tcp = unknown')), 'connections', 'tcp');
    assert.match(p.message, /unknown handler type "unknown"/);
    assert.equal(p.line, 2);
  });

  it('C5: tcp = tor with [tor] enabled = false is rejected (the tor handler is unavailable)', () => {
    const p = problemAt(problemsOf(cfg('[connections]', 'tcp = tor', '[tor]', 'enabled = false')), 'connections', 'tcp');
    assert.match(p.message, /enabled = false/);
  });

  it('C6: tcp = i2p is always rejected (I2P cannot reach TCP ports), also when the IP may be revealed', () => {
    const p = problemAt(problemsOf(cfg('[node]', 'reveal-IP-address = true', '[connections]', 'tcp = i2p')), 'connections', 'tcp');
    assert.match(p.message, /I2P cannot reach TCP/);
  });

  it('C7: a Tahoe private/servers.yaml (per-server overrides) is refused instead of silently ignored', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veil-c7-'));
    try {
      await writeFile(join(dir, 'node.format'), formatNodeFormat());
      await writeFile(join(dir, 'veil.cfg'), cfg('[connections]', 'tcp = tor'));
      await mkdir(join(dir, 'private'));
      await writeFile(join(dir, 'private', 'servers.yaml'), 'storage:\n  v0-abc:\n    connections:\n      tcp: tcp\n');
      await assert.rejects(loadNodeConfig(dir), (err: unknown) => {
        assert.ok(isVeilError(err, 'VEIL_CONFIG_INVALID'));
        assert.match(err.message, /servers\.yaml/);
        return true;
      });
      await rm(join(dir, 'private', 'servers.yaml'));
      assert.equal((await loadNodeConfig(dir)).connections.tcp, 'tor');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('C8: over Tor, IPv6 literals and loopback/RFC 1918/multicast/reserved IPv4 are refused; names go unresolved', () => {
    for (const host of ['::1', '2001:4860::8888', '127.0.0.1', '10.1.2.3', '172.16.5.4', '192.168.0.1', '224.0.0.1', '240.0.0.1', '0.0.0.0', '169.254.1.1', '100.64.0.1', 'localhost']) {
      assert.ok(torExitRefusal(host) !== undefined, `${host} should be refused`);
    }
    for (const host of ['8.8.8.8', 'example.org', 'u33m4y7klhz3b.onion']) {
      assert.equal(torExitRefusal(host), undefined, `${host} should be allowed`);
    }
    assert.equal(classifyHost('example.org').kind, 'dns', 'classified without resolving');
  });

  it('C8: [testnet] allow-loopback-exit lets only loopback targets through, and defaults to false', () => {
    assert.equal(parseOk('').testnet.allowLoopbackExit, false);
    const c = parseOk(cfg('[testnet]', 'allow-loopback-exit = true'));
    assert.equal(c.testnet.allowLoopbackExit, true);
    const opts = { allowLoopbackExit: c.testnet.allowLoopbackExit };
    assert.equal(torExitRefusal('127.0.0.1', opts), undefined);
    assert.equal(torExitRefusal('127.3.4.5', opts), undefined);
    assert.ok(torExitRefusal('10.0.0.1', opts));
    assert.ok(torExitRefusal('::1', opts), 'IPv6 literals stay refused');
  });

  it('C9: tor: hints always use tor and i2p: hints i2p; with the network off the hint is ignored', () => {
    const on = parseOk(cfg('[connections]', 'tcp = disabled')).connectionHandlers;
    assert.equal(on.tor.handler, 'tor');
    assert.equal(on.i2p.handler, 'i2p');
    const off = parseOk(cfg('[tor]', 'enabled = false', '[i2p]', 'enabled = false')).connectionHandlers;
    assert.equal(off.tor.handler, 'none');
    assert.equal(off.i2p.handler, 'none');
    assert.match(off.i2p.reason, /\[i2p\] enabled = false/);
  });
});
