/**
 * CLI golden tests: arguments → stdout, stderr (with the hint) and exit status, run in-process with captured
 * streams. Only failures that happen before any daemon is contacted are pinned here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from './main.js';
import type { CliIo } from './command.js';

async function cli(args: string[], cwd = tmpdir()): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  const io: CliIo = { stdout: out, stderr: err, env: { VEIL_LOG: 'error' }, cwd };
  const code = await main(args, io, new AbortController().signal);
  return { code, stdout, stderr };
}

test('no command: usage on stdout, exit 2; help: exit 0', async () => {
  const none = await cli([]);
  assert.equal(none.code, 2);
  assert.match(none.stdout, /^usage: veil \[-d NODEDIR\] COMMAND \[OPTIONS\]$/m);
  assert.match(none.stdout, /^  create-node +create a node directory/m);
  const help = await cli(['help']);
  assert.equal(help.code, 0);
  assert.equal(help.stdout, none.stdout);
});

test('an unknown command is named, with the usage, exit 2', async () => {
  const r = await cli(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^veil: unknown command 'frobnicate'$/m);
});

test('create-node option errors: Tahoe\'s rule, the code and the hint, exit 2, nothing created', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'veil-cli-'));
  try {
    const r = await cli(['create-node', join(dir, 'n'), '--listen=XYZZY,tcp']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'veil: error: --listen= must be one/some of: i2p, none, tcp, tor [VEIL_INPUT_INVALID]\n  hint: see `veil help` for the expected form\n');
    const hide = await cli(['create-node', join(dir, 'n'), '--listen=tcp', '--hide-ip']);
    assert.equal(hide.code, 2);
    assert.equal(
      hide.stderr,
      'veil: error: --listen=tcp requires --hostname= [VEIL_INPUT_INVALID]\n  hint: a node that hides its IP listens on Tor or I2P: use --listen=tor (or i2p, or none)\n',
    );
    const bad = await cli(['create-node', join(dir, 'n'), '--no-such-option']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^veil: error: Unknown option '--no-such-option'.* \[VEIL_INPUT_INVALID\]\n  hint: see `veil create-node --help`\n$/s);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run on a directory that is not a node: exit 3 (config) with the hint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'veil-cli-'));
  try {
    const r = await cli(['run', dir]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^veil: error: .*node\.format is missing: .* is not a Veil node directory \[VEIL_CONFIG_NODE_FORMAT\]\n  hint: .+\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('status with no running node: exit 4 (local daemon) naming veil run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'veil-cli-'));
  try {
    const r = await cli(['status', dir]);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /\[VEIL_NODE_NOT_RUNNING\]\n  hint: start it with `veil run /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
