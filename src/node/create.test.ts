import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVeilError } from '../core/index.js';
import { loadNodeConfig } from '../config/index.js';
import { allocatePort } from '../net/index.js';
import { createNode } from './create.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'veil-create-'));
}

test('N14: a non-empty node directory is refused and left untouched', async () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, 'precious'), 'keep me');
    await assert.rejects(createNode({ kind: 'node', listen: 'none', nodeDir: dir }), (e: unknown) => isVeilError(e, 'VEIL_NODE_EXISTS') && e.message.includes('is not empty'));
    assert.deepEqual(readdirSync(dir), ['precious']);
    assert.equal(readFileSync(join(dir, 'precious'), 'utf8'), 'keep me');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('create-client writes a config that loads, a format file, and a private directory with mode 0700', async () => {
  const root = tmp();
  const dir = join(root, 'client');
  try {
    const made = await createNode({ kind: 'client', hideIp: true, nodeDir: dir, webport: 'disabled' });
    assert.equal(made.config.node.revealIpAddress, false);
    const cfg = await loadNodeConfig(dir);
    assert.equal(cfg.connections.tcp, 'tor');
    assert.equal(readFileSync(join(dir, 'node.format'), 'utf8'), '1\n');
    assert.equal((await import('node:fs')).statSync(join(dir, 'private')).mode & 0o777, 0o700);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a failure while making the onion service key leaves nothing behind', async () => {
  const root = tmp();
  const dir = join(root, 'node');
  const deadPort = await allocatePort(); // nothing listens there
  try {
    await assert.rejects(
      createNode({ kind: 'node', listen: 'tor', hideIp: true, nodeDir: dir, torControlPort: `tcp:127.0.0.1:${deadPort}` }),
      (e: unknown) => isVeilError(e, 'VEIL_LOCAL_DAEMON_UNREACHABLE'),
    );
    assert.equal(existsSync(dir), false, 'the node directory was removed');
    // an existing empty directory is emptied again, not removed
    mkdirSync(dir);
    await assert.rejects(createNode({ kind: 'node', listen: 'tor', hideIp: true, nodeDir: dir, torControlPort: `tcp:127.0.0.1:${deadPort}` }));
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a configuration that would not run is refused before anything is written', async () => {
  const root = tmp();
  const dir = join(root, 'node');
  try {
    await assert.rejects(createNode({ kind: 'node', listen: 'none', hideIp: true, nodeDir: dir, webport: 'tcp:8080' }), (e: unknown) => isVeilError(e, 'VEIL_CONFIG_IP_LEAK'));
    assert.equal(existsSync(dir), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
