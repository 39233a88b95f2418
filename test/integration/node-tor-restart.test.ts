/**
 * A running node and its Tor daemon (issue #3): the node reconnects by itself and republishes its onion service
 * when the tor it uses restarts; a node that launches its own tor (--tor-launch, joined to the private network)
 * is reachable, and that tor dies with the node even on SIGKILL.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTorTestnet } from './testnet-env.js';
import { curlViaTor, veil, VeilRun, waitForStatus } from './cli-helpers.js';
import { allocatePort, connectLocal } from '../../src/net/index.js';
import { launchTor, type LaunchedTor } from '../../src/tor/index.js';
import type { NodeStatus } from '../../src/node/index.js';

const tor = getTorTestnet();
const clientB = tor.clients[1]!;
let root: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'veil-node-restart-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

async function fetchNode(onion: string): Promise<{ nickname: string }> {
  const control = { port: clientB.controlPort, cookiePath: clientB.cookiePath };
  return JSON.parse(await curlViaTor(clientB.socksPort, `http://${onion}:3457/veil/v1/node`, { control })) as { nickname: string };
}

async function statusOf(nodeDir: string): Promise<NodeStatus> {
  const res = await veil(['status', nodeDir, '--json']);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as NodeStatus;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function launchJoined(dataDir: string, controlPort: number, socksPort: number): Promise<LaunchedTor> {
  return launchTor({ dial: connectLocal, dataDir, torrcLines: tor.joinTorrcLines, controlPort, socksPort });
}

test('the node reconnects and republishes its onion service when its tor restarts', async () => {
  const controlPort = await allocatePort();
  const socksPort = await allocatePort();
  const torDir = join(root, 'tor');
  let daemon = await launchJoined(torDir, controlPort, socksPort);
  const nodeDir = join(root, 'node');
  const webPort = await allocatePort();
  let node: VeilRun | undefined;
  try {
    const created = await veil(['create-node', nodeDir, '--listen=tor', '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${controlPort}`, `--webport=tcp:${webPort}:interface=127.0.0.1`, '--nickname=restarts']);
    assert.equal(created.code, 0, created.stderr);
    const onion = /onion service: (\S+\.onion)/.exec(created.stdout)![1]!;
    node = new VeilRun(nodeDir);
    await node.ready();
    await waitForStatus(nodeDir, (st) => st['onionService']?.state === 'published');
    assert.equal((await fetchNode(onion)).nickname, 'restarts');

    await daemon.close(); // the daemon goes away …
    await waitFor('the node to notice', async () => (await statusOf(nodeDir)).tor?.state !== 'ready', 30_000);
    daemon = await launchJoined(torDir, controlPort, socksPort); // … and comes back on the same ports
    await waitFor('the node to reconnect and republish', async () => {
      const s = await statusOf(nodeDir);
      return s.tor?.state === 'ready' && s.onionService?.state === 'published';
    }, 120_000);
    assert.equal((await statusOf(nodeDir)).onionService?.address, onion);
    assert.equal((await fetchNode(onion)).nickname, 'restarts');
  } finally {
    if (node) {
      assert.equal(await node.stop(), 0, node.stderr);
      node.dispose();
    }
    await daemon.close();
  }
});

test('--tor-launch: the node launches a tor that joins the private network, and that tor dies with the node on SIGKILL', async () => {
  const nodeDir = join(root, 'launcher');
  const webPort = await allocatePort();
  const created = await veil(['create-node', nodeDir, '--listen=tor', '--hide-ip', '--tor-launch', `--testnet-join=${process.env['VEIL_TESTNET']}`, `--webport=tcp:${webPort}:interface=127.0.0.1`, '--nickname=launcher']);
  assert.equal(created.code, 0, created.stderr);
  const onion = /onion service: (\S+\.onion)/.exec(created.stdout)![1]!;
  const node = new VeilRun(nodeDir);
  try {
    await node.ready();
    const s = await statusOf(nodeDir);
    assert.equal(s.tor?.launched, true);
    assert.equal(s.onionService?.address, onion, 'same address as create-node made');
    await waitForStatus(nodeDir, (st) => st['onionService']?.state === 'published');
    assert.equal((await fetchNode(onion)).nickname, 'launcher');
    const torPid = s.tor!.pid!;
    process.kill(node.child.pid!, 'SIGKILL');
    await node.exited;
    const killedAt = Date.now();
    await waitFor('the launched tor to exit', async () => {
      try {
        process.kill(torPid, 0);
        return false;
      } catch {
        return true;
      }
    }, 5_000);
    assert.ok(Date.now() - killedAt <= 5_000);
  } finally {
    await node.stop();
    node.dispose();
  }
});
