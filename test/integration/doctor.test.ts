/**
 * `veil doctor` against REAL tors: all ok on a healthy node (created with --listen=tor on the private network
 * and running in this process); the failing check and its fix when tor is stopped, when the control cookie is
 * unreadable or not this tor's, and when veil.cfg would reveal the IP address. The tors for the failure cases
 * are launched here with DisableNetwork 1 (control port only) and stopped by this suite.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNodeFormat, formatNodeConfig, type NodeConfigValues } from '../../src/config/index.js';
import { connectLocal } from '../../src/net/index.js';
import { launchTor, type LaunchedTor } from '../../src/tor/index.js';
import { createNode, runDoctor, startNode, type DoctorCheck, type DoctorReport, type RunningNode } from '../../src/node/index.js';
import { cli, freePort, useTorTestnet, type TestNetwork } from './onion-kit.js';

let network: TestNetwork;
let tmp: string;
const launched = new Set<LaunchedTor>();

before(async () => {
  network = await useTorTestnet();
  tmp = await mkdtemp(join(tmpdir(), 'veil-doctor-'));
});

after(async () => {
  for (const tor of launched) await tor.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  await network?.close();
});

const byId = (report: DoctorReport, id: string): DoctorCheck => {
  const c = report.checks.find((x) => x.id === id);
  assert.ok(c, `no check ${id} in ${report.checks.map((x) => x.id).join(', ')}`);
  return c;
};

/** A node directory written directly (no key, no tor contacted): enough for doctor's config and tor checks. */
async function nodeDirWith(name: string, values: NodeConfigValues, text?: string): Promise<string> {
  const dir = join(tmp, name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'veil.cfg'), text ?? formatNodeConfig(values), { mode: 0o600 });
  await writeNodeFormat(dir);
  return dir;
}

async function launchControlOnlyTor(name: string): Promise<LaunchedTor> {
  const tor = await launchTor({ dial: connectLocal, dataDir: join(tmp, `${name}-tor`), disableNetwork: true });
  launched.add(tor);
  return tor;
}

const controlOnly = (tor: LaunchedTor): NodeConfigValues => {
  const ep = tor.controlEndpoint;
  if (ep.kind !== 'tcp') throw new Error('expected a TCP control port');
  return {
    node: { 'tub.port': 'disabled', 'tub.location': 'disabled', 'web.port': 'disabled' },
    tor: { 'control.port': `tcp:${ep.host}:${ep.port}` },
  };
};

test('a healthy node: every check is ok (I2P not configured: skipped); exit status 0', { timeout: 240_000 }, async () => {
  const c1 = network.tor.clients[0]!;
  const nodeDir = join(tmp, 'healthy');
  await createNode({
    kind: 'node',
    nodeDir,
    listen: 'tor',
    hideIp: true,
    torControlPort: `tcp:127.0.0.1:${c1.controlPort}`,
    webport: `tcp:${await freePort()}:interface=127.0.0.1`,
  });
  let node: RunningNode | undefined;
  try {
    node = await startNode(nodeDir, { signal: AbortSignal.timeout(120_000) });
    const report = await runDoctor(nodeDir, { signal: AbortSignal.timeout(120_000) });
    const bad = report.checks.filter((c) => c.status !== 'ok' && !(c.id === 'i2p-sam' && c.status === 'skipped'));
    assert.deepEqual(bad, [], JSON.stringify(bad, null, 2));
    for (const id of ['config', 'node', 'web-port', 'tor-binary', 'tor-control', 'tor-bootstrap', 'tor-circuits', 'onion-service:node', 'tor-socks']) byId(report, id);
    assert.match(byId(report, 'tor-socks').message, /test circuit to this node's onion service/);
    assert.equal(report.isHealthy, true);
    const r = await cli(['doctor', nodeDir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /everything is ok/);
  } finally {
    await node?.close();
  }
});

test('tor stopped: tor-control fails with "start tor"; exit status 1', { timeout: 120_000 }, async () => {
  const tor = await launchControlOnlyTor('stopped');
  const dir = await nodeDirWith('stopped', controlOnly(tor));
  const before = await runDoctor(dir);
  assert.equal(byId(before, 'tor-control').status, 'ok', 'sanity: the control port works while tor runs');
  await tor.close();
  const report = await runDoctor(dir);
  const c = byId(report, 'tor-control');
  assert.equal(c.status, 'failure');
  assert.match(c.message, /tor is not running/);
  assert.match(c.fix ?? '', /start tor/);
  assert.equal(report.isHealthy, false);
  const r = await cli(['doctor', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /FAILURE {2}tor-control: tor is not running/);
  assert.match(r.stdout, /fix: start tor/);
});

test('cookie unreadable (missing) names the debian-tor group; a cookie of another tor is named too', { timeout: 120_000 }, async () => {
  const tor = await launchControlOnlyTor('cookie');
  const dir = await nodeDirWith('cookie', controlOnly(tor));
  await rm(tor.cookiePath);
  let c = byId(await runDoctor(dir), 'tor-control');
  assert.equal(c.status, 'failure');
  assert.match(c.message, /cannot read the Tor control cookie/);
  assert.match(c.fix ?? '', /debian-tor/);
  await writeFile(tor.cookiePath, randomBytes(32), { mode: 0o600 });
  c = byId(await runDoctor(dir), 'tor-control');
  assert.equal(c.status, 'failure');
  assert.match(c.message, /tor rejected the control cookie/);
  assert.match(c.fix ?? '', /does not belong to the tor on this control port/);
});

test('a configuration that would reveal the IP: config fails listing each key with its safe value; the other checks still run', { timeout: 120_000 }, async () => {
  const tor = await launchControlOnlyTor('leak');
  const ep = tor.controlEndpoint;
  assert.equal(ep.kind, 'tcp');
  const text = `[node]\nreveal-IP-address = false\ntub.port = tcp:${await freePort()}\ntub.location = tcp:example.net:1234\nweb.port = tcp:8080\n\n[tor]\ncontrol.port = tcp:127.0.0.1:${ep.kind === 'tcp' ? ep.port : 0}\n`;
  const dir = await nodeDirWith('leak', {}, text);
  const report = await runDoctor(dir);
  const c = byId(report, 'config');
  assert.equal(c.status, 'failure');
  assert.match(c.message, /would reveal the IP address/);
  assert.match(c.message, /\[connections\] tcp = tcp -> set it to: tor/);
  assert.match(c.message, /\[node\] web\.port = tcp:8080 -> set it to: tcp:8080:interface=127\.0\.0\.1/);
  assert.match(c.fix ?? '', /set \[connections\] tcp = tor/);
  assert.equal(byId(report, 'tor-control').status, 'ok', 'the tor checks run on the same configuration');
  const r = await cli(['doctor', dir, '--json']);
  assert.equal(r.code, 1);
  const json = JSON.parse(r.stdout) as DoctorReport;
  assert.equal(json.isHealthy, false);
  assert.equal(json.checks.find((x) => x.id === 'config')?.status, 'failure');
});
