/**
 * Validation of [tor] and [i2p]: how Veil reaches the local tor / I2P router and whether it publishes an
 * onion service / I2P destination. Cases T1–T10 and I1–I6 of TAHOE-BEHAVIOURS.md; where Tahoe stops at the
 * first problem, Veil reports them all. Veil's differences: tor is available unless `[tor] enabled = false`
 * (T10/C5), I2P launch is implemented (I4), and settings that would be silently ignored are errors.
 */
import { resolve } from 'node:path';
import { DEFAULT_SAM_PORT, DEFAULT_TOR_SOCKS_PORTS, I2P_LAUNCH_DATA_DIR, TOR_LAUNCH_CONTROL_SOCKET, TOR_LAUNCH_STATE_DIR } from './defaults.js';
import { parseLocalEndpoint, type LocalEndpoint } from './endpoint.js';
import type { ConfigReader } from './reader.js';
import type { I2pSection, OnionServiceConfig, TorSection } from './types.js';
import { parsePort } from './values.js';

const ONION_KEYS = ['onion.local_port', 'onion.external_port', 'onion.private_key_file', 'onion.client_auth_dir'] as const;
const DEST_KEYS = ['dest.port', 'dest.private_key_file'] as const;

function executable(r: ConfigReader, section: 'tor' | 'i2p', key: string, launch: boolean): string | undefined {
  const v = r.value(section, key);
  if (v === '') return undefined;
  if (!launch) r.problem(section, key, 'is only used with launch = true (set launch = true, or remove this key)');
  return v;
}

export function validateTor(r: ConfigReader): TorSection {
  const enabled = r.bool('tor', 'enabled');
  const launch = r.bool('tor', 'launch');
  const exe = executable(r, 'tor', 'tor.executable', launch);
  const endpoint = (key: string): LocalEndpoint | undefined => r.optional('tor', key, (t) => parseLocalEndpoint(t, r.nodeDir));
  const socksPort = endpoint('socks.port');
  const controlPort = endpoint('control.port');
  if (!enabled && launch) r.problem('tor', 'launch', 'launch = true, but [tor] enabled = false');
  if (launch && controlPort) r.problem('tor', 'control.port', 'set either launch = true or control.port, not both');
  if (launch && socksPort) r.problem('tor', 'socks.port', 'a launched tor provides its own SOCKS port: remove socks.port or launch = true');
  let socksCandidates: LocalEndpoint[];
  if (socksPort) socksCandidates = [socksPort];
  else if (launch || controlPort) socksCandidates = []; // T5/T6: asked from the tor we control
  else socksCandidates = DEFAULT_TOR_SOCKS_PORTS.map((port) => ({ kind: 'tcp', host: '127.0.0.1', port })); // T2

  const onion = r.bool('tor', 'onion');
  let onionConfig: OnionServiceConfig | undefined;
  if (onion) {
    onionConfig = validateOnion(r, enabled, launch, controlPort !== undefined);
  } else {
    for (const key of ONION_KEYS) if (r.isSet('tor', key)) r.problem('tor', key, 'is only used with onion = true');
  }
  return {
    enabled,
    launch,
    executable: exe,
    socksPort,
    controlPort,
    socksCandidates,
    launchDataDir: resolve(r.nodeDir, TOR_LAUNCH_STATE_DIR),
    launchControlEndpoint: { kind: 'unix', path: resolve(r.nodeDir, TOR_LAUNCH_CONTROL_SOCKET) },
    onion: onionConfig,
  };
}

function validateOnion(r: ConfigReader, enabled: boolean, launch: boolean, hasControl: boolean): OnionServiceConfig | undefined {
  // T10: in Veil the tor handler is always available unless it is switched off.
  if (!enabled) r.problem('tor', 'onion', 'onion = true, but [tor] enabled = false');
  // T7
  if (!launch && !hasControl) r.problem('tor', 'onion', 'onion = true, but neither launch = true nor control.port is set');
  // T8: each missing key, in Tahoe's order.
  const localPort = r.optional('tor', 'onion.local_port', parsePort);
  const externalPort = r.optional('tor', 'onion.external_port', parsePort);
  const privateKeyFile = r.path('tor', 'onion.private_key_file');
  for (const key of ['onion.local_port', 'onion.external_port', 'onion.private_key_file']) {
    if (!r.isSet('tor', key)) r.problem('tor', key, `onion = true, but ${key} is missing`);
  }
  const clientAuthDir = r.path('tor', 'onion.client_auth_dir');
  if (localPort === undefined || externalPort === undefined || privateKeyFile === undefined) return undefined;
  return { localPort, externalPort, privateKeyFile, clientAuthDir };
}

export function validateI2p(r: ConfigReader): I2pSection {
  const enabled = r.bool('i2p', 'enabled');
  const launch = r.bool('i2p', 'launch');
  const exe = executable(r, 'i2p', 'i2p.executable', launch);
  const samPort = r.optional('i2p', 'sam.port', (t) => parseLocalEndpoint(t, r.nodeDir));
  if (!enabled && launch) r.problem('i2p', 'launch', 'launch = true, but [i2p] enabled = false');
  // I1
  if (samPort && launch) r.problem('i2p', 'launch', 'must not set both sam.port and launch = true');
  const explicitConfigDir = r.path('i2p', 'i2p.configdir');
  const configDir = explicitConfigDir ?? (launch ? resolve(r.nodeDir, I2P_LAUNCH_DATA_DIR) : undefined);
  // I6: the default SAM bridge; with launch, or a configdir to read it from, it is known only at start.
  let samEndpoint: LocalEndpoint | undefined = samPort;
  if (!samEndpoint && !launch && explicitConfigDir === undefined) samEndpoint = { kind: 'tcp', host: '127.0.0.1', port: DEFAULT_SAM_PORT };

  const dest = r.bool('i2p', 'dest');
  let destConfig: I2pSection['dest'];
  if (dest) {
    if (!enabled) r.problem('i2p', 'dest', 'dest = true, but [i2p] enabled = false');
    // I2 (I4: launch is implemented in Veil, so dest + launch is fine)
    if (!samPort && !launch && explicitConfigDir === undefined) {
      r.problem('i2p', 'dest', 'dest = true, but none of sam.port, launch = true or i2p.configdir is set');
    }
    // I3: each missing key, in Tahoe's order.
    const port = r.optional('i2p', 'dest.port', parsePort);
    const privateKeyFile = r.path('i2p', 'dest.private_key_file');
    for (const key of DEST_KEYS) if (!r.isSet('i2p', key)) r.problem('i2p', key, `dest = true, but ${key} is missing`);
    if (port !== undefined && privateKeyFile !== undefined) destConfig = { port, privateKeyFile };
  } else {
    for (const key of DEST_KEYS) if (r.isSet('i2p', key)) r.problem('i2p', key, 'is only used with dest = true');
  }
  return { enabled, launch, executable: exe, samPort, samEndpoint, configDir, dest: destConfig };
}
