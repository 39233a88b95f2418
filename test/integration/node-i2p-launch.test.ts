/**
 * `[i2p] launch = true` (issue #7): `create-node --i2p-launch` makes the destination with a throw-away i2pd, and
 * `veil run` starts the node's own i2pd (data in NODEDIR/private/i2p, SAM port picked) that joins the private I2P
 * network of the run ([testnet] join): an I2P-only client reaches the node through it, every socket of that i2pd
 * is on loopback, status says it was launched, and it dies with the node even when the node is SIGKILLed.
 * Without a private network to join, a test run refuses to launch one (it would join the public network).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getI2pTestnet } from './testnet-env.js';
import { veil, VeilRun, waitForStatus } from './cli-helpers.js';
import { listProcessSockets, nonLoopbackSockets } from '../../src/i2p/index.js';
import { allocatePort } from '../../src/net/index.js';

const i2p = getI2pTestnet();
const samB = i2p.routers.filter((r) => r.samPort !== undefined)[1];
assert.ok(samB?.samPort, 'the private I2P network needs two SAM routers');
const joinFile = process.env['VEIL_TESTNET']!;
let root: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'veil-i2p-launch-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('create-node --i2p-launch and veil run: the node own i2pd joins the private network, is reachable, and dies with the node', async () => {
  const server = join(root, 'server');
  const webPort = await allocatePort();
  const created = await veil(['create-node', server, '--listen=i2p', '--i2p-launch', '--hide-ip', '--tcp=disabled', `--testnet-join=${joinFile}`, `--webport=tcp:${webPort}:interface=127.0.0.1`, '--nickname=own-i2pd']);
  assert.equal(created.code, 0, created.stderr);
  const b32 = /I2P destination: ([a-z2-7]{52}\.b32\.i2p)/.exec(created.stdout)?.[1];
  assert.ok(b32, created.stdout);
  const cfg = readFileSync(join(server, 'veil.cfg'), 'utf8');
  assert.match(cfg, /^launch = true$/m);
  assert.doesNotMatch(cfg, /^sam\.port/m);
  assert.ok(!existsSync(join(server, 'private/i2p-create')), 'the throw-away i2pd of create-node left nothing behind');

  const client = join(root, 'client');
  assert.equal((await veil(['create-client', client, '--hide-ip', '--tcp=disabled', `--i2p-sam-port=tcp:127.0.0.1:${samB.samPort}`, `--testnet-join=${joinFile}`, '--webport=disabled'])).code, 0);

  const node = new VeilRun(server);
  let i2pdPid: number | undefined;
  try {
    await node.ready(180_000);
    const status = JSON.parse((await veil(['status', server, '--json'])).stdout) as { i2p: { state: string; address: string; launched: boolean; pid: number; sam: string } };
    assert.deepEqual([status.i2p.state, status.i2p.address, status.i2p.launched], ['ready', b32, true]);
    i2pdPid = status.i2p.pid;
    assert.ok(isAlive(i2pdPid), 'the launched i2pd runs');
    assert.equal(readFileSync(join(server, 'private/i2p/i2pd.pid'), 'utf8').trim(), String(i2pdPid), 'its data is in NODEDIR/private/i2p');
    const sockets = await listProcessSockets(i2pdPid);
    assert.ok(sockets.length >= 2, 'NTCP2 and SAM listeners');
    assert.deepEqual(nonLoopbackSockets(sockets), [], 'every socket of the launched i2pd is on 127.0.0.0/8');

    const ping = await veil(['ping', `i2p:${b32}:3457`, '-d', client, '--json'], { timeoutMs: 240_000 });
    assert.equal(ping.code, 0, ping.stderr);
    assert.deepEqual((JSON.parse(ping.stdout) as { transport: string; peer: { nickname: string } }).peer.nickname, 'own-i2pd');

    const doctor = await veil(['doctor', server, '--json'], { timeoutMs: 120_000 });
    const checks = (JSON.parse(doctor.stdout) as { checks: { id: string; status: string; message: string }[] }).checks.filter((x) => x.id.startsWith('i2p-'));
    assert.deepEqual(checks.map((x) => `${x.id} ${x.status}`), ['i2p-sam ok', 'i2p-session ok', 'i2p-tunnels ok'], doctor.stdout);
    assert.match(checks[0]!.message, new RegExp(`${status.i2p.sam}.*launched by the node`));

    // An i2pd that dies by itself (i2pd 2.45 can abort when SAM sessions end abruptly) is started again on the same
    // SAM port, the node re-creates its session, and peers reach it again.
    process.kill(i2pdPid, 'SIGKILL');
    const after = (await waitForStatus(server, (st) => st['i2p']?.restarts === 1 && st['i2p']?.state === 'ready', 120_000))['i2p'] as { pid: number; sam: string };
    assert.notEqual(after.pid, i2pdPid, 'a new i2pd runs');
    assert.equal(after.sam, status.i2p.sam, 'on the same SAM port');
    assert.ok(!isAlive(i2pdPid));
    i2pdPid = after.pid;
    const again = await veil(['ping', `i2p:${b32}:3457`, '-d', client, '--json'], { timeoutMs: 240_000 });
    assert.equal(again.code, 0, `after the i2pd restart: ${again.stderr}`);
    assert.match((await veil(['status', server])).stdout, /started again 1 time\(s\) after it exited by itself/);

    // SIGKILL: the node cannot stop its i2pd itself; the kernel's parent-death signal does.
    process.kill(Number(readFileSync(join(server, 'node.pid'), 'utf8').trim()), 'SIGKILL');
    await node.exited;
    await waitUntil('the launched i2pd stops after its node was killed', () => !isAlive(i2pdPid!));
  } finally {
    await node.stop();
    node.dispose();
    if (i2pdPid !== undefined && isAlive(i2pdPid)) process.kill(i2pdPid, 'SIGKILL');
  }

  // A clean stop also stops it.
  const again = new VeilRun(server);
  try {
    await again.ready(180_000);
    const pid = (JSON.parse((await veil(['status', server, '--json'])).stdout) as { i2p: { pid: number } }).i2p.pid;
    assert.equal(await again.stop(), 0, again.stderr);
    assert.ok(!isAlive(pid), 'the i2pd is gone when veil run has exited');
  } finally {
    await again.stop();
    again.dispose();
  }
});

test('[i2p] launch = true without a private network to join is refused in a test run (it would join the public network)', async () => {
  const dir = join(root, 'public');
  const created = await veil(['create-node', dir, '--listen=i2p', '--i2p-launch', '--hide-ip', '--tcp=disabled', '--webport=disabled']);
  assert.equal(created.code, 0, created.stderr);
  assert.doesNotMatch(readFileSync(join(dir, 'veil.cfg'), 'utf8'), /^join = /m);
  const run = await veil(['run', dir], { timeoutMs: 60_000 });
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /VEIL_NODE_PUBLIC_NETWORK_REFUSED/);
  assert.ok(!existsSync(join(dir, 'private/i2p/i2pd.pid')), 'no i2pd was started');
});
