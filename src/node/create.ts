/**
 * Creating a node directory: `veil create-node`, `create-client`, `create-introducer`. Follows Tahoe's rules
 * (create-plan.ts). For `--listen=tor` it asks Tor (launched, or reached through its control port) to create a v3
 * onion service, keeps the key under NODEDIR/private/ and writes the [tor] onion keys, tub.port and tub.location
 * (N9). The configuration is validated before anything is written, and a failure removes what was written: Veil
 * never leaves a half-made node, and never writes a configuration it would refuse to run.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError, isVeilError, logger, report, throwIfAborted, type AbortOptions, type ProgressOptions } from '../core/index.js';
import {
  formatNodeConfig,
  parseLocalEndpoint,
  parseNodeConfig,
  writeNodeConfig,
  writeNodeFormat,
  type LocalEndpoint,
  type NodeConfig,
  type NodeConfigValues,
} from '../config/index.js';
import { onionAddressFromPublicKey, openTorControl, type TorControl } from '../tor/index.js';
import { allocatePort, connectLocal } from '../net/index.js';
import { DEFAULT_EXTERNAL_PORT, ONION_KEY_FILE, planCreateNode, type CreateNodeOptions, type CreatePlan } from './create-plan.js';
import { openTorAccess } from './tor-access.js';
import { readTestnetJoin } from './testnet-join.js';
import { createI2pDestination, type I2pDestinationKeys } from './i2p-access.js';
import { writeIntroducerFurl } from './peer-service.js';
import { launchNodeI2pd } from './i2p-launch.js';

const log = logger('veil:node:create');

/** N10: where a Tor control port usually is, tried in order when create-node is given none. */
export const DEFAULT_TOR_CONTROL_PORTS: readonly string[] = Object.freeze(['unix:/var/run/tor/control', 'tcp:127.0.0.1:9051', 'tcp:127.0.0.1:9151']);

export interface CreateNodeRequest extends CreateNodeOptions, AbortOptions, ProgressOptions {
  readonly nodeDir: string;
  /** Extra [testnet] values to write (private test networks: join file, loopback exits). */
  readonly testnet?: { readonly join?: string | undefined; readonly allowLoopbackExit?: boolean | undefined } | undefined;
  /** torrc lines for a tor launched by create-node (a private network's join lines). */
  readonly launchTorrcLines?: readonly string[] | undefined;
  /** Lets a tor launched by create-node join the public Tor network (never in tests). */
  readonly allowPublicNetwork?: boolean | undefined;
}

export interface CreatedNode {
  readonly nodeDir: string;
  readonly config: NodeConfig;
  /** `ONION.onion` of the node's onion service, when it listens on Tor. */
  readonly onionAddress: string | undefined;
  /** `ADDR.b32.i2p` of the node's destination, when it listens on I2P. */
  readonly i2pAddress: string | undefined;
  /** create-introducer: the introducer's fURL (also in NODEDIR/private/introducer.furl). */
  readonly introducerFurl?: string | undefined;
}

async function assertEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    const entries = await readdir(dir);
    if (entries.length > 0) {
      throw new VeilError('VEIL_NODE_EXISTS', `${dir} is not empty: to avoid overwriting anything, create-node stops here`, {
        details: { nodeDir: dir },
      });
    }
    return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw new VeilError('VEIL_NODE_EXISTS', `${dir} exists and is not a directory`);
    throw err;
  }
}

/** A syntactically valid onion address used to validate the configuration before the real key exists. */
const PLACEHOLDER_ONION = onionAddressFromPublicKey(Buffer.alloc(32, 7));

function withListeners(values: NodeConfigValues, ports: readonly string[], locations: readonly string[]): NodeConfigValues {
  if (ports.length === 0) return values;
  const node = { ...(values.node ?? {}) } as Record<string, string | number | boolean | undefined>;
  node['tub.port'] = ports.join(',');
  node['tub.location'] = locations.join(',');
  return { ...values, node };
}

interface ListenerParts {
  ports: string[];
  locations: string[];
  tor?: Record<string, string | number | boolean | undefined>;
  i2p?: Record<string, string | number | boolean | undefined>;
}

function assemble(plan: CreatePlan, parts: ListenerParts, testnet: CreateNodeRequest['testnet']): NodeConfigValues {
  let values = withListeners(plan.values, parts.ports, parts.locations);
  if (parts.tor) values = { ...values, tor: { ...(values.tor ?? {}), ...parts.tor } };
  if (parts.i2p) values = { ...values, i2p: { ...(values.i2p ?? {}), ...parts.i2p } };
  if (testnet && (testnet.join !== undefined || testnet.allowLoopbackExit)) {
    values = { ...values, testnet: { join: testnet.join, 'allow-loopback-exit': testnet.allowLoopbackExit ? true : undefined } } as NodeConfigValues;
  }
  return values;
}

async function openControlForCreate(plan: NonNullable<CreatePlan['onion']>, nodeDir: string, req: CreateNodeRequest, config: NodeConfig): Promise<{ control: TorControl; close: () => Promise<void> }> {
  if (plan.launch) {
    const join_ = await readTestnetJoin(config, req);
    const access = await openTorAccess(config.tor, {
      signal: req.signal,
      onProgress: req.onProgress,
      launchTorrcLines: req.launchTorrcLines ?? join_?.torrcLines,
      allowPublicNetwork: join_ === undefined && req.allowPublicNetwork === true,
    });
    return { control: access.control!, close: () => access.close() };
  }
  const candidates: LocalEndpoint[] = plan.controlPort !== undefined ? [parseLocalEndpoint(plan.controlPort, nodeDir)] : DEFAULT_TOR_CONTROL_PORTS.map((e) => parseLocalEndpoint(e));
  const failures: string[] = [];
  for (const endpoint of candidates) {
    try {
      const { control } = await openTorControl(connectLocal, endpoint, { signal: req.signal });
      return { control, close: () => control.close() };
    } catch (err) {
      if (plan.controlPort !== undefined || !isVeilError(err, 'VEIL_LOCAL_DAEMON_UNREACHABLE')) throw err;
      failures.push(err.message);
    }
  }
  throw new VeilError('VEIL_LOCAL_DAEMON_UNREACHABLE', `unable to reach any default Tor control port (${DEFAULT_TOR_CONTROL_PORTS.join(', ')})`, {
    hint: 'give --tor-control-port=ENDPOINT or --tor-launch; for /var/run/tor/control your user must be in the debian-tor group',
  });
}

/** Creates the onion service key (N9) and returns the [tor] values, tub.port and tub.location entries. */
async function makeOnionService(plan: NonNullable<CreatePlan['onion']>, req: CreateNodeRequest, config: NodeConfig): Promise<{ onion: string; tor: Record<string, string | number | boolean | undefined>; port: string; location: string }> {
  const localPort = await allocatePort('127.0.0.1');
  report(req, 'onion:creating', { localPort });
  const { control, close } = await openControlForCreate(plan, req.nodeDir, req, config);
  try {
    const result = await control.addOnion({ ports: [{ virtualPort: DEFAULT_EXTERNAL_PORT, target: `127.0.0.1:${localPort}` }] }, { signal: req.signal });
    if (!result.privateKey) throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): tor returned no key for a new onion service');
    // The service is published by `veil run`; here we only wanted its key.
    await control.delOnion(result.serviceId, { signal: req.signal });
    await writeFile(join(req.nodeDir, ONION_KEY_FILE), `${result.privateKey}\n`, { mode: 0o600, flag: 'wx' });
    const onion = `${result.serviceId}.onion`;
    report(req, 'onion:created', {});
    return {
      onion,
      tor: { onion: true, 'onion.local_port': localPort, 'onion.external_port': DEFAULT_EXTERNAL_PORT, 'onion.private_key_file': ONION_KEY_FILE },
      port: `tcp:${localPort}:interface=127.0.0.1`,
      location: `tor:${onion}:${DEFAULT_EXTERNAL_PORT}`,
    };
  } finally {
    await close();
  }
}

/**
 * --i2p-launch: DEST GENERATE needs a SAM bridge but no network, so create-node starts a throw-away i2pd that
 * knows no peer (an isolated private network, never the public one) in a temporary folder, asks it for the
 * destination and stops it. `veil run` later launches the node's own i2pd in i2p.configdir.
 */
async function destinationFromOwnI2pd(config: NodeConfig, req: CreateNodeRequest): Promise<I2pDestinationKeys> {
  const dataDir = join(req.nodeDir, 'private', 'i2p-create');
  const i2pd = await launchNodeI2pd(config, { network: { kind: 'isolated' }, dataDir, signal: req.signal, onProgress: req.onProgress });
  try {
    return await createI2pDestination({ ...config.i2p, samEndpoint: i2pd.samEndpoint }, req.nodeDir, req);
  } finally {
    await i2pd.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Creates a node directory. Throws VEIL_INPUT_INVALID (option rules), VEIL_NODE_EXISTS, VEIL_CONFIG_* (the
 * result would not run), VEIL_NODE_CREATE_FAILED and Tor/I2P errors; honours `signal`. Nothing is left behind
 * on failure.
 */
export async function createNode(req: CreateNodeRequest): Promise<CreatedNode> {
  throwIfAborted(req.signal, 'create-node');
  const plan = planCreateNode(req);
  const parts: ListenerParts = { ports: [], locations: [] };
  if (plan.allocateTcpPort) {
    const port = await allocatePort('0.0.0.0');
    parts.ports.push(`tcp:${port}`);
    parts.locations.push(`tcp:${plan.hostname!}:${port}`);
  }
  // Validate with placeholders first: a configuration that would not run is refused before any key is made.
  const placeholder: ListenerParts = {
    ports: [...parts.ports, ...(plan.onion ? ['tcp:1:interface=127.0.0.1'] : []), ...(plan.i2p ? ['listen:i2p'] : [])],
    locations: [...parts.locations, ...(plan.onion ? [`tor:${PLACEHOLDER_ONION}:${DEFAULT_EXTERNAL_PORT}`] : []), ...(plan.i2p ? [`i2p:${'a'.repeat(52)}.b32.i2p:${DEFAULT_EXTERNAL_PORT}`] : [])],
    ...(plan.onion ? { tor: { onion: true, 'onion.local_port': 1, 'onion.external_port': DEFAULT_EXTERNAL_PORT, 'onion.private_key_file': ONION_KEY_FILE } } : {}),
    ...(plan.i2p ? { i2p: { dest: true, 'dest.port': DEFAULT_EXTERNAL_PORT, 'dest.private_key_file': 'private/i2p_dest.privkey' } } : {}),
  };
  const preflight = parseNodeConfig(formatNodeConfig(assemble(plan, placeholder, req.testnet)), { nodeDir: req.nodeDir });

  const created = await assertEmptyOrMissing(req.nodeDir);
  let wroteSomething = false;
  try {
    await mkdir(join(req.nodeDir, 'private'), { recursive: true, mode: 0o700 });
    wroteSomething = true;
    let onionAddress: string | undefined;
    let i2pAddress: string | undefined;
    if (plan.onion) {
      const made = await makeOnionService(plan.onion, req, preflight);
      onionAddress = made.onion;
      parts.tor = made.tor;
      parts.ports.push(made.port);
      parts.locations.push(made.location);
    }
    if (plan.i2p) {
      const dest: I2pDestinationKeys = plan.i2p.launch ? await destinationFromOwnI2pd(preflight, req) : await createI2pDestination(preflight.i2p, req.nodeDir, req);
      i2pAddress = dest.b32Address;
      parts.i2p = { dest: true, 'dest.port': DEFAULT_EXTERNAL_PORT, 'dest.private_key_file': dest.privateKeyFile };
      parts.ports.push('listen:i2p');
      parts.locations.push(`i2p:${dest.b32Address}:${DEFAULT_EXTERNAL_PORT}`);
    }
    const config = await writeNodeConfig(req.nodeDir, assemble(plan, parts, req.testnet), { signal: req.signal });
    await writeNodeFormat(req.nodeDir, { signal: req.signal });
    // An introducer's fURL is known now (TLS key, swissnum, tub.location): it can be handed out before the first run.
    const introducerFurl = plan.kind === 'introducer' ? await writeIntroducerFurl(config) : undefined;
    log.info('created node directory');
    return { nodeDir: req.nodeDir, config, onionAddress, i2pAddress, introducerFurl };
  } catch (err) {
    if (wroteSomething) {
      // Remove what we made: the whole directory when we created it, else only its contents (it was empty).
      if (created) await rm(req.nodeDir, { recursive: true, force: true });
      else for (const e of await readdir(req.nodeDir)) await rm(join(req.nodeDir, e), { recursive: true, force: true });
    }
    if (isVeilError(err)) throw err;
    throw new VeilError('VEIL_NODE_CREATE_FAILED', `cannot create the node directory: ${(err as Error).message}`, { cause: err });
  }
}
