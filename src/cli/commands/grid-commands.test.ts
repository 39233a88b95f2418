/**
 * Golden tests of the grid commands' argument errors (put, get, ls, lease): the message, the hint and exit
 * status 2, before any node directory is read or any connection is made.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { main } from '../main.js';

async function veil(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        add(chunk.toString('utf8'));
        cb();
      },
    });
  const io = { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), env: {}, cwd: '/nonexistent-veil-test' };
  const code = await main(argv, io, new AbortController().signal);
  return { code, stdout, stderr };
}

test('lease: a sub-command is required (renew or cancel), and one capability', async () => {
  const none = await veil('lease');
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^veil: error: lease needs a sub-command: renew or cancel \[VEIL_INPUT_INVALID\]\n {2}hint: veil lease renew CAP --server FURL\n$/);
  const bad = await veil('lease', 'extend', 'x');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown lease sub-command "extend"/);
  const two = await veil('lease', 'cancel', 'a', 'b');
  assert.equal(two.code, 2);
  assert.match(two.stderr, /give exactly one capability to cancel \[VEIL_INPUT_INVALID\]\n {2}hint: veil lease cancel CAP --server FURL/);
});

test('put, get and ls need exactly one argument; their help names directories and leases', async () => {
  for (const [cmd, text] of [['put', /give exactly one FILE or DIR/], ['get', /give exactly one capability or CID/], ['ls', /give exactly one capability or CID/]] as const) {
    const r = await veil(cmd);
    assert.equal(r.code, 2, cmd);
    assert.match(r.stderr, text);
  }
  assert.match((await veil('put', '--help')).stdout, /veil:dir:KEY:CID[\s\S]*veil lease/);
  assert.match((await veil('ls', '--help')).stdout, /--json/);
  assert.match((await veil('help')).stdout, /^ {2}lease +renew or cancel/m);
});
