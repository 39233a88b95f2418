/**
 * create-node / create-client option rules: Tahoe's cases N1–N14 (../shared/TAHOE-BEHAVIOURS.md), and Veil's
 * rule that it never writes a configuration it would refuse to run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isVeilError } from '../core/index.js';
import { formatNodeConfig, parseNodeConfig } from '../config/index.js';
import { planCreateNode, parseListen, type CreateNodeOptions } from './create-plan.js';

function refuses(o: CreateNodeOptions, message: RegExp): void {
  assert.throws(() => planCreateNode(o), (e: unknown) => isVeilError(e, 'VEIL_INPUT_INVALID') && message.test(e.message), `expected ${message}`);
}

test('N1: create-client --hide-ip sets reveal-IP-address = false and [connections] tcp = tor', () => {
  const plan = planCreateNode({ kind: 'client', hideIp: true });
  assert.equal(plan.values.node?.['reveal-IP-address'], false);
  assert.equal(plan.values.connections?.tcp, 'tor');
  assert.equal(plan.values.node?.['tub.port'], 'disabled');
  assert.equal(plan.values.node?.['tub.location'], 'disabled');
  assert.equal(plan.values.storage?.enabled, false);
  // and the result runs
  const cfg = parseNodeConfig(formatNodeConfig(plan.values), { nodeDir: '/nodedir' });
  assert.equal(cfg.node.revealIpAddress, false);
});

test('N2: create-node --hostname=foo reveals the IP and writes no [connections]', () => {
  const plan = planCreateNode({ kind: 'node', hostname: 'foo' });
  assert.equal(plan.values.node?.['reveal-IP-address'], undefined);
  assert.equal(plan.values.connections, undefined);
  assert.equal(plan.allocateTcpPort, true);
  assert.equal(plan.hostname, 'foo');
});

test('N4: --listen=tcp needs --hostname; --hostname needs tcp; unknown listeners are named', () => {
  refuses({ kind: 'node', listen: 'tcp' }, /--listen=tcp requires --hostname=/);
  refuses({ kind: 'node' }, /--listen=tcp requires --hostname=/);
  refuses({ kind: 'node', listen: 'tor', hostname: 'x' }, /--listen= must be tcp to use --hostname/);
  refuses({ kind: 'node', listen: 'XYZZY,tcp' }, /--listen= must be one\/some of: i2p, none, tcp, tor/);
  assert.deepEqual(parseListen('tor,tcp,tor'), ['tor', 'tcp']);
});

test('N5: --listen=none refuses --hostname, --port and --location', () => {
  refuses({ kind: 'node', listen: 'none', hostname: 'x' }, /--hostname cannot be used when --listen=none/);
  refuses({ kind: 'node', listen: 'none', port: 'tcp:1', location: 'tcp:h:1' }, /--port\/--location cannot be used when --listen=none/);
  const plan = planCreateNode({ kind: 'node', listen: 'none' });
  assert.equal(plan.values.node?.['tub.port'], 'disabled');
  assert.equal(plan.values.storage?.enabled, false, 'a node that does not listen cannot offer storage (L5)');
});

test('N6: --location and --port go together, and not with --hostname', () => {
  refuses({ kind: 'node', location: 'tcp:h:1' }, /--location must be used with --port/);
  refuses({ kind: 'node', port: 'tcp:1' }, /--port must be used with --location/);
  refuses({ kind: 'node', port: 'tcp:1', location: 'tcp:h:1', hostname: 'h' }, /--hostname cannot be used with --location\/--port/);
});

test('N7: --port and --location are written verbatim', () => {
  const plan = planCreateNode({ kind: 'node', listen: 'tor', port: 'tcp:3457', location: 'tor:myservice.onion:12345' });
  assert.equal(plan.values.node?.['tub.port'], 'tcp:3457');
  assert.equal(plan.values.node?.['tub.location'], 'tor:myservice.onion:12345');
  assert.equal(plan.onion, undefined, 'no onion service is created when the location is given');
});

test('N8: Tor and I2P daemon options: one of each pair, and only with their listener', () => {
  refuses({ kind: 'node', listen: 'tor', torLaunch: true, torControlPort: 'tcp:127.0.0.1:9051' }, /either --tor-launch or --tor-control-port=, not both/);
  refuses({ kind: 'node', hostname: 'h', torLaunch: true }, /--tor-launch requires --listen=tor/);
  refuses({ kind: 'node', hostname: 'h', torControlPort: 'tcp:127.0.0.1:9051' }, /--tor-control-port= requires --listen=tor/);
  refuses({ kind: 'node', listen: 'i2p', i2pLaunch: true, i2pSamPort: 'tcp:127.0.0.1:7656' }, /either --i2p-launch or --i2p-sam-port=, not both/);
  refuses({ kind: 'node', hostname: 'h', i2pLaunch: true }, /--i2p-launch requires --listen=i2p/);
  refuses({ kind: 'node', hostname: 'h', i2pSamPort: 'tcp:127.0.0.1:7656' }, /--i2p-sam-port= requires --listen=i2p/);
  // Veil implements --i2p-launch (Tahoe: "under development").
  assert.equal(planCreateNode({ kind: 'node', listen: 'i2p', i2pLaunch: true }).i2p?.launch, true);
});

test('N9: --listen=tor plans an onion service through the given control port or a launched tor', () => {
  const viaControl = planCreateNode({ kind: 'node', listen: 'tor', hideIp: true, torControlPort: 'tcp:127.0.0.1:9051' });
  assert.deepEqual(viaControl.onion, { launch: false, controlPort: 'tcp:127.0.0.1:9051' });
  assert.equal(viaControl.values.tor?.['control.port'], 'tcp:127.0.0.1:9051');
  const launched = planCreateNode({ kind: 'node', listen: 'tor', torLaunch: true });
  assert.deepEqual(launched.onion, { launch: true, controlPort: undefined });
  assert.equal(launched.values.tor?.launch, true);
});

test('--listen=tor,tcp advertises both: a tcp port is allocated next to the onion service', () => {
  const plan = planCreateNode({ kind: 'node', listen: 'tor,tcp', hostname: 'example.net', torControlPort: 'tcp:127.0.0.1:9051' });
  assert.equal(plan.allocateTcpPort, true);
  assert.ok(plan.onion);
});

test('N11: --listen=i2p plans a destination through the SAM bridge', () => {
  const plan = planCreateNode({ kind: 'node', listen: 'i2p', i2pSamPort: 'tcp:127.0.0.1:7656' });
  assert.deepEqual(plan.i2p, { launch: false, samPort: 'tcp:127.0.0.1:7656' });
});

test('N14: create-client refuses listener options', () => {
  refuses({ kind: 'client', listen: 'tor' }, /create-client does not listen/);
  refuses({ kind: 'client', port: 'tcp:1', location: 'tcp:h:1' }, /create-client does not listen/);
});

test('Veil never writes a config it would refuse: --hide-ip with --listen=tcp is refused up front', () => {
  refuses({ kind: 'node', listen: 'tcp', hostname: 'h', hideIp: true }, /--hide-ip cannot be used with --listen=tcp/);
  refuses({ kind: 'node', listen: 'tcp', hideIp: true }, /--listen=tcp requires --hostname=/);
});

test('create-introducer: [introducer] enabled = true, no [client] or [storage]; it must listen (L5)', () => {
  const plan = planCreateNode({ kind: 'introducer', listen: 'tcp', hostname: 'intro.example' });
  assert.equal(plan.values.introducer?.enabled, true);
  assert.equal(plan.values.client, undefined);
  assert.equal(plan.values.storage, undefined);
  const cfg = parseNodeConfig(formatNodeConfig({ ...plan.values, node: { ...plan.values.node, 'tub.port': 'tcp:3457', 'tub.location': 'tcp:intro.example:3457' } }), { nodeDir: '/nodedir' });
  assert.equal(cfg.introducer.enabled, true);
  assert.equal(cfg.storage.enabled, false);
  refuses({ kind: 'introducer', listen: 'none' }, /an introducer must listen/);
  refuses({ kind: 'introducer', listen: 'tcp', hostname: 'x', introducer: 'pb://a@tcp:b:1/c' }, /does not take --introducer/);
  // L5 in the configuration itself: an introducer whose tub does not listen is refused.
  assert.throws(
    () => parseNodeConfig('[node]\ntub.port = disabled\ntub.location = disabled\n[introducer]\nenabled = true\n', { nodeDir: '/nodedir' }),
    (e: unknown) => isVeilError(e) && /introducer, but the tub is not listening/.test(e.message),
  );
});
