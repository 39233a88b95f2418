import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VeilError } from '../core/index.js';
import { i2pdArgs, renderI2pdConf } from './i2pd-conf.js';
import { launchI2pd } from './launch.js';
import { nonLoopbackSockets } from './launch.js';
import { parseProcNetTable, type ProcSocket } from './proc-sockets.js';

/** Parses `key = value` lines per section, for assertions. */
function parseIni(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let section = '';
  for (const line of text.split('\n')) {
    const s = /^\[(.+)\]$/.exec(line);
    if (s) section = `${s[1]}.`;
    const kv = /^([^#=\s]+)\s*=\s*(.*)$/.exec(line);
    if (kv) out.set(`${section}${kv[1]}`, kv[2]!);
  }
  return out;
}

describe('i2pd.conf for a private network', () => {
  const conf = parseIni(
    renderI2pdConf({ dataDir: '/d', network: { kind: 'private', netId: 77, host: '127.0.0.9', allowLoopbackPeers: true }, ntcp2Port: 3000, samPort: 3001 }),
  );
  const expect: Record<string, string> = {
    netid: '77', host: '127.0.0.9', address4: '127.0.0.9', reservedrange: 'false', ipv6: 'false', nat: 'false', daemon: 'false',
    'ntcp2.enabled': 'true', 'ntcp2.port': '3000', 'ssu2.enabled': 'false', 'upnp.enabled': 'false', 'reseed.urls': '',
    'reseed.file': '', 'reseed.zipfile': '', 'reseed.yggurls': '', 'nettime.enabled': 'false', 'nettime.frompeers': 'false',
    'sam.enabled': 'true', 'sam.address': '127.0.0.1', 'sam.port': '3001', 'http.enabled': 'false', 'httpproxy.enabled': 'false',
    'socksproxy.enabled': 'false', 'bob.enabled': 'false', 'i2cp.enabled': 'false', 'i2pcontrol.enabled': 'false',
    'addressbook.enabled': 'true', 'addressbook.defaulturl': '', 'addressbook.subscriptions': '', 'meshnets.yggdrasil': 'false',
    logfile: '/d/i2pd.log',
  };
  for (const [k, v] of Object.entries(expect)) {
    it(`sets ${k} = ${JSON.stringify(v)}`, () => assert.equal(conf.get(k), v));
  }

  it('pins every path inside the data dir', () => {
    for (const a of i2pdArgs('/d')) assert.match(a, /^--[a-z]+=\/d(\/|$)/);
    assert.deepEqual(i2pdArgs('/d').map((a) => a.split('=')[0]), ['--datadir', '--conf', '--tunconf', '--tunnelsdir', '--certsdir', '--pidfile']);
  });
});

describe('launchI2pd safety', () => {
  it('refuses to start without private-network settings or an explicit public opt-in, spawning nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veil-launch-'));
    try {
      await assert.rejects(
        launchI2pd({ executable: '/usr/sbin/i2pd', dataDir: dir, samPort: 'auto' }),
        (e: unknown) => e instanceof VeilError && e.code === 'VEIL_I2PD_PUBLIC_NETWORK_REFUSED',
      );
      assert.deepEqual(await readdir(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a private-network host off loopback', async () => {
    await assert.rejects(
      launchI2pd({ executable: '/bin/false', dataDir: '/nonexistent', samPort: 'auto', join: { netId: 77, host: '10.1.1.1', routerInfoFiles: [] } }),
      (e: unknown) => e instanceof VeilError && e.code === 'VEIL_I2PD_LAUNCH_FAILED',
    );
  });
});

describe('/proc socket tables', () => {
  it('decodes IPv4 and IPv6 addresses and flags non-loopback sockets', () => {
    const v4 = parseProcNetTable(
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
        '   0: 0500007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1452 1 0 100 0 0 10 0\n' +
        '   1: 0500007F:1F91 0100000A:0050 01 00000000:00000000 00:00000000 00000000     0        0 1453 1 0 100 0 0 10 0\n',
      'tcp',
    );
    assert.deepEqual(
      v4.map((s) => [s.localAddress, s.localPort, s.remoteAddress, s.remotePort, s.state, s.inode]),
      [['127.0.0.5', 8080, '0.0.0.0', 0, '0A', 1452], ['127.0.0.5', 8081, '10.0.0.1', 80, '01', 1453]],
    );
    assert.deepEqual(nonLoopbackSockets(v4).map((s: ProcSocket) => s.inode), [1453]);
    const v6 = parseProcNetTable('h\n 0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 77\n', 'tcp6');
    assert.equal(v6[0]?.localAddress, '0:0:0:0:0:0:0:1');
    assert.equal(nonLoopbackSockets(v6).length, 1);
  });
});
