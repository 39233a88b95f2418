import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isVeilError } from '../core/index.js';
import { loadNodeConfig } from './load.js';
import { NODE_FORMAT_VERSION, checkNodeFormat, formatNodeFormat } from './node-dir.js';

const codeIs = (code: string) => (e: unknown) => isVeilError(e) && e.code === code;

describe('loadNodeConfig and node.format', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'veil-load-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('NODE_FORMAT_VERSION is 1 and node.format holds it', () => {
    assert.equal(NODE_FORMAT_VERSION, 1);
    assert.equal(formatNodeFormat(), '1\n');
  });

  it('a missing node.format is VEIL_CONFIG_NODE_FORMAT (not a Veil node directory)', async () => {
    await assert.rejects(loadNodeConfig(dir), codeIs('VEIL_CONFIG_NODE_FORMAT'));
  });

  it('a corrupt or different node.format is refused', async () => {
    await writeFile(join(dir, 'node.format'), 'banana\n');
    await assert.rejects(checkNodeFormat(dir), (e: unknown) => codeIs('VEIL_CONFIG_NODE_FORMAT')(e) && /corrupt/.test((e as Error).message));
    await writeFile(join(dir, 'node.format'), '2\n');
    await assert.rejects(checkNodeFormat(dir), (e: unknown) => codeIs('VEIL_CONFIG_NODE_FORMAT')(e) && /format 2/.test((e as Error).message));
    await writeFile(join(dir, 'node.format'), formatNodeFormat());
    await checkNodeFormat(dir);
  });

  it('a missing veil.cfg is VEIL_CONFIG_UNREADABLE, never a silent default', async () => {
    await assert.rejects(loadNodeConfig(dir), (e: unknown) => codeIs('VEIL_CONFIG_UNREADABLE')(e) && /does not exist/.test((e as Error).message));
  });

  it('an unreadable veil.cfg is VEIL_CONFIG_UNREADABLE', async (t) => {
    if (process.getuid?.() === 0) {
      // root reads any file regardless of mode: check the directory case instead (EISDIR).
      const sub = join(dir, 'as-dir');
      await import('node:fs/promises').then((fs) => fs.mkdir(join(sub, 'veil.cfg'), { recursive: true }));
      await writeFile(join(sub, 'node.format'), formatNodeFormat());
      await assert.rejects(loadNodeConfig(sub), codeIs('VEIL_CONFIG_UNREADABLE'));
      t.diagnostic('running as root: checked a directory in place of veil.cfg');
      return;
    }
    await writeFile(join(dir, 'veil.cfg'), '[node]\n');
    await chmod(join(dir, 'veil.cfg'), 0o000);
    await assert.rejects(loadNodeConfig(dir), codeIs('VEIL_CONFIG_UNREADABLE'));
    await chmod(join(dir, 'veil.cfg'), 0o600);
  });

  it('loads a valid veil.cfg; relative paths resolve against the node directory; the file is named in errors', async () => {
    await writeFile(
      join(dir, 'veil.cfg'),
      '[tor]\ncontrol.port = unix:private/control\nonion = true\nonion.local_port = 1\nonion.external_port = 2\nonion.private_key_file = private/k\n',
    );
    const c = await loadNodeConfig(dir);
    assert.equal(c.nodeDir, dir);
    assert.equal(c.tor.onion?.privateKeyFile, join(dir, 'private', 'k'));
    assert.deepEqual(c.tor.controlPort, { kind: 'unix', path: join(dir, 'private', 'control') });
    await writeFile(join(dir, 'veil.cfg'), '[nodes]\n');
    await assert.rejects(loadNodeConfig(dir), (e: unknown) => codeIs('VEIL_CONFIG_INVALID')(e) && (e as Error).message.startsWith(join(dir, 'veil.cfg')));
  });

  it('honours an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(loadNodeConfig(dir, { signal: ac.signal }), codeIs('VEIL_ABORTED'));
  });
});
