import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isVeilError } from '../core/index.js';
import { loadNodeConfig } from './load.js';
import { writeNodeFormat } from './node-dir.js';
import { parseOk } from './test-kit.js';
import { formatNodeConfig, writeNodeConfig, type NodeConfigValues } from './write.js';

// What create-node --hide-ip --listen=tor writes (TAHOE-BEHAVIOURS.md N1, N9).
const HIDDEN_TOR_SERVER: NodeConfigValues = {
  node: {
    nickname: 'alice',
    'reveal-IP-address': false,
    'tub.port': 'tcp:41234:interface=127.0.0.1',
    'tub.location': 'tor:u33m4y7klhz3b.onion:3457',
  },
  connections: { tcp: 'tor' },
  tor: {
    launch: true,
    onion: true,
    'onion.local_port': 41234,
    'onion.external_port': 3457,
    'onion.private_key_file': 'private/tor_onion.privkey',
  },
  storage: { enabled: true, reserved_space: '1G' },
};

describe('veil.cfg writer', () => {
  it('formats sections in table order with a comment above each key, and parses back to the values', () => {
    const text = formatNodeConfig(HIDDEN_TOR_SERVER);
    assert.match(text, /^## Veil node configuration/);
    assert.ok(text.indexOf('[node]') < text.indexOf('[connections]') && text.indexOf('[connections]') < text.indexOf('[tor]'));
    assert.match(text, /## Set to false to refuse[^\n]*\n(##[^\n]*\n)*reveal-IP-address = false\n/);
    const c = parseOk(text);
    assert.equal(c.node.nickname, 'alice');
    assert.equal(c.node.revealIpAddress, false);
    assert.equal(c.tor.onion?.localPort, 41234);
    assert.equal(c.storage.reservedSpaceBytes, 1e9);
  });

  it('refuses unknown sections or keys and values with line breaks (VEIL_CONFIG_VALUE)', () => {
    const isValue = (e: unknown): boolean => isVeilError(e, 'VEIL_CONFIG_VALUE');
    assert.throws(() => formatNodeConfig({ node: { nickname: 'a\n[tor]\nlaunch = true' } }), isValue);
    assert.throws(() => formatNodeConfig({ node: { 'tub.prot': 1 } } as unknown as NodeConfigValues), isValue);
    assert.throws(() => formatNodeConfig({ helper: {} } as unknown as NodeConfigValues), isValue);
    assert.throws(() => formatNodeConfig({ client: { 'shares.needed': 1.5 } }), isValue);
  });

  it('writeNodeConfig validates first (an IP leak is never written) and never overwrites', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veil-write-'));
    try {
      await assert.rejects(writeNodeConfig(dir, { node: { 'reveal-IP-address': false } }), (e: unknown) => isVeilError(e, 'VEIL_CONFIG_IP_LEAK'));
      await assert.rejects(stat(join(dir, 'veil.cfg')), /ENOENT/);
      const written = await writeNodeConfig(dir, HIDDEN_TOR_SERVER);
      assert.equal(((await stat(join(dir, 'veil.cfg'))).mode & 0o777).toString(8), '600');
      await writeNodeFormat(dir);
      assert.equal(await readFile(join(dir, 'node.format'), 'utf8'), '1\n');
      assert.deepEqual(await loadNodeConfig(dir), written);
      await assert.rejects(writeNodeConfig(dir, HIDDEN_TOR_SERVER), (e: unknown) => isVeilError(e, 'VEIL_CONFIG_WRITE_FAILED'));
      await assert.rejects(writeNodeFormat(dir), (e: unknown) => isVeilError(e, 'VEIL_CONFIG_WRITE_FAILED'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
