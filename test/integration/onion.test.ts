/**
 * `veil onion` against the REAL private Tor network: a TCP echo service exposed with `veil onion add` answers
 * through ANOTHER client's SOCKS port; rotation (new address first, old one withdrawn after the grace period,
 * a restart republishes only the new one); v3 client authorization (typed error without the key, success with
 * it through ONION_CLIENT_AUTH_ADD); list and remove.
 *
 * The node: a node directory whose [tor] control.port is testnet client 1, a node.pid naming this process (a
 * running node), and republishSavedOnionServices() on our own control connection to client 1 (what `veil run`
 * does). The connecting side: testnet client 2, with an extra SocksPort carrying ExtendedErrors (added here,
 * removed afterwards) so that Tor reports the onion service errors (0xF0-0xF7).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVeilError } from '../../src/core/index.js';
import { writeNodeConfig, writeNodeFormat } from '../../src/config/index.js';
import { connectLocal, createTorDialer, type TorDialer } from '../../src/net/index.js';
import { openTorControl, type TorControl } from '../../src/tor/index.js';
import {
  NODE_PID_FILE,
  addOnionClientAuth,
  parseAuthPrivateLine,
  removeOnionClientAuth,
  republishSavedOnionServices,
  type SavedOnionPublisher,
} from '../../src/node/index.js';
import { EventLog, cli, echoFirstContact, echoThrough, startEcho, useTorTestnet, type TestNetwork } from './onion-kit.js';

let network: TestNetwork;
let nodeDir: string;
let nodeControl: TorControl;
let clientControl: TorControl;
let dialer: TorDialer;
let echo: { port: number; close(): Promise<void> };
let publisher: SavedOnionPublisher | undefined;
const events = new EventLog();

const ADDRESS = /([a-z2-7]{56}\.onion)/;
/** Makes the connecting client forget failed onion service lookups before a retry. */
const forget = (): Promise<void> => clientControl.signal('NEWNYM');

before(async () => {
  network = await useTorTestnet();
  const [c1, c2] = network.tor.clients;
  if (!c1 || !c2) throw new Error('the private Tor network needs 2 client tors');
  nodeDir = await mkdtemp(join(tmpdir(), 'veil-onion-node-'));
  await writeNodeConfig(nodeDir, {
    node: { 'tub.port': 'disabled', 'tub.location': 'disabled', 'web.port': 'disabled' },
    tor: { 'control.port': `tcp:127.0.0.1:${c1.controlPort}` },
  });
  await writeNodeFormat(nodeDir);
  await writeFile(join(nodeDir, NODE_PID_FILE), `${process.pid}\n`);
  ({ control: nodeControl } = await openTorControl(connectLocal, { kind: 'tcp', host: '127.0.0.1', port: c1.controlPort }));
  ({ control: clientControl } = await openTorControl(connectLocal, { kind: 'tcp', host: '127.0.0.1', port: c2.controlPort }));
  // The private network's client SocksPorts carry ExtendedErrors (onion service failures as typed errors).
  dialer = createTorDialer({ socks: { kind: 'tcp', host: '127.0.0.1', port: c2.socksPort }, timeoutMs: 60_000 });
  echo = await startEcho();
  publisher = await republishSavedOnionServices(nodeControl, nodeDir, { onProgress: events.listener });
});

after(async () => {
  await publisher?.close();
  await echo?.close();
  if (clientControl && !clientControl.isClosed) {
    await clientControl.close();
  }
  await nodeControl?.close();
  if (nodeDir) await rm(nodeDir, { recursive: true, force: true });
  await network?.close();
});

let echoAddress = '';

test('onion add: an echo service answers through another client\'s SOCKS port', { timeout: 180_000 }, async () => {
  const r = await cli(['onion', 'add', 'echo', '--target', `127.0.0.1:${echo.port}`, '--port', '22', '-d', nodeDir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /published by the running node/);
  echoAddress = ADDRESS.exec(r.stdout)?.[1] ?? '';
  assert.notEqual(echoAddress, '');
  assert.equal(await echoFirstContact(dialer, echoAddress, 22, forget), 'ping');
  const list = await cli(['onion', 'list', '--json', '-d', nodeDir]);
  const services = JSON.parse(list.stdout) as { name: string; address: string; published: string; target: string }[];
  assert.deepEqual(services.map((s) => [s.name, s.address, s.published, s.target]), [['echo', echoAddress, 'published', `127.0.0.1:${echo.port}`]]);
});

test('onion rotate: the new address answers at once, the old one until the grace period ends; a restart republishes only the new one', { timeout: 240_000 }, async () => {
  const mark = events.events.length;
  const r = await cli(['onion', 'rotate', 'echo', '--grace', '20s', '-d', nodeDir]);
  assert.equal(r.code, 0, r.stderr);
  const newAddress = /new address ([a-z2-7]{56}\.onion)/.exec(r.stdout)?.[1] ?? '';
  assert.match(newAddress, ADDRESS);
  assert.notEqual(newAddress, echoAddress);
  assert.equal(await echoFirstContact(dialer, newAddress, 22, forget), 'ping');
  assert.equal(await echoThrough(dialer, echoAddress, 22), 'ping', 'the old address still answers inside the grace period');
  await events.wait((e) => e.type === 'onion:saved-withdrawn' && e.detail['role'] === 'retiring', 60_000, mark);
  await assert.rejects(echoThrough(dialer, echoAddress, 22), (e: unknown) => isVeilError(e), 'the old address is withdrawn');
  // "Restart" the node: a new publisher on a fresh start publishes the saved (new) key only.
  await publisher?.close();
  publisher = undefined;
  await assert.rejects(echoThrough(dialer, newAddress, 22), (e: unknown) => isVeilError(e), 'nothing answers while the node is down');
  const restartMark = events.events.length;
  publisher = await republishSavedOnionServices(nodeControl, nodeDir, { onProgress: events.listener });
  assert.deepEqual(publisher.published().map((p) => `${p.serviceId}.onion`), [newAddress]);
  await events.wait((e) => e.type === 'onion:descriptor-uploaded', 60_000, restartMark);
  // The client still holds the descriptor it fetched before the restart, whose introduction points are gone; a real
  // client would wait for it to expire. Make it forget, as after any service restart.
  await forget();
  assert.equal(await echoFirstContact(dialer, newAddress, 22, forget), 'ping');
  echoAddress = newAddress;
});

test('client authorization: no key gives VEIL_TOR_ONION_CLIENT_AUTH_MISSING; ONION_CLIENT_AUTH_ADD makes it work', { timeout: 240_000 }, async () => {
  const r = await cli(['onion', 'add', 'secret', '--target', `127.0.0.1:${echo.port}`, '--port', '2222', '--client-auth', '--client', 'alice', '-d', nodeDir]);
  assert.equal(r.code, 0, r.stderr);
  const line = /^[a-z2-7]{56}:descriptor:x25519:[A-Z2-7]{52}$/m.exec(r.stdout)?.[0];
  assert.ok(line, r.stdout);
  const { serviceId } = parseAuthPrivateLine(line);
  await assert.rejects(
    echoThrough(dialer, `${serviceId}.onion`, 2222).catch((e: unknown) => (isVeilError(e, 'VEIL_TOR_ONION_NOT_FOUND') ? echoThrough(dialer, `${serviceId}.onion`, 2222) : Promise.reject(e))),
    (e: unknown) => isVeilError(e, 'VEIL_TOR_ONION_CLIENT_AUTH_MISSING'),
  );
  await addOnionClientAuth(clientControl, line, { clientName: 'alice' });
  try {
    assert.equal(await echoFirstContact(dialer, `${serviceId}.onion`, 2222, forget), 'ping');
  } finally {
    assert.equal(await removeOnionClientAuth(clientControl, serviceId), true);
  }
  const clients = await cli(['onion', 'auth', 'list', 'secret', '--json', '-d', nodeDir]);
  assert.deepEqual((JSON.parse(clients.stdout) as { clients: { name: string }[] }).clients.map((c) => c.name), ['alice']);
  // Removing the last client withdraws the service: it never becomes public.
  const mark = events.events.length;
  const removed = await cli(['onion', 'auth', 'remove', 'secret', 'alice', '-d', nodeDir]);
  assert.equal(removed.code, 0, removed.stderr);
  await events.wait((e) => e.type === 'onion:saved-withdrawn' && e.detail['name'] === 'secret', 30_000, mark);
  assert.ok(!publisher!.published().some((p) => p.serviceId === serviceId));
});

test('onion remove: refuses without --yes when stdin is not a terminal; with --yes withdraws and deletes the key', { timeout: 120_000 }, async () => {
  const refused = await cli(['onion', 'remove', 'echo', '-d', nodeDir]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /VEIL_ONION_CONFIRMATION_REQUIRED/);
  const mark = events.events.length;
  const r = await cli(['onion', 'remove', 'echo', '--yes', '-d', nodeDir]);
  assert.equal(r.code, 0, r.stderr);
  await events.wait((e) => e.type === 'onion:saved-withdrawn' && e.detail['name'] === 'echo', 30_000, mark);
  await assert.rejects(access(join(nodeDir, 'private', 'onion', 'echo')), /ENOENT/);
  await assert.rejects(echoThrough(dialer, echoAddress, 22), (e: unknown) => isVeilError(e));
  const missing = await cli(['onion', 'remove', 'echo', '--yes', '-d', nodeDir]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /VEIL_ONION_SERVICE_UNKNOWN/);
});
