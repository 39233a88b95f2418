/**
 * `veil doctor`'s I2P checks (issue #7):
 * - `i2p-sam`: the SAM bridge answers HELLO (sam.port, or for `[i2p] launch = true` the port the node's own i2pd
 *   was given, read from NODEDIR/private/i2p/i2pd.conf while the node runs);
 * - `i2p-session`: the running node's SAM session is up, with the destination of its i2p: location;
 * - `i2p-tunnels`: for a node that listens on I2P, a short-lived probe session on the same bridge looks its address
 *   up (through the probe's tunnels and the floodfills: only a published lease set is found), then opens a stream
 *   to it and asks `GET /veil/v1/node`, as a peer would. Like the Tor check's test circuit, it costs seconds.
 * Nothing here contacts more than the local SAM bridge and the node's own web port on loopback.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isVeilError, withTimeout, type AbortOptions } from '../core/index.js';
import { formatLocalEndpoint, type LocalEndpoint, type NodeConfig } from '../config/index.js';
import { getLocalJson } from '../net/index.js';
import { b32Address, type SamSession } from '../i2p/index.js';
import { check, type DoctorCheck } from './doctor-checks.js';
import { samClientFor } from './i2p-access.js';
import { readNodeUrl } from './node.js';
import type { NodeStatus } from './status.js';
import { getJsonOverStream } from './peer-client.js';

const SAM_TIMEOUT_MS = 10_000;
/** The probe session (SESSION CREATE waits for its tunnels: up to 20 s on a stock i2pd) and its lookup. */
const PROBE_TIMEOUT_MS = 90_000;
/** The node's answer on a stream from the probe session. */
const ANSWER_TIMEOUT_MS = 30_000;

/** The SAM port written into the launched i2pd's conf (`[sam]` … `port = N`), or undefined. */
export function samPortFromI2pdConf(text: string): number | undefined {
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim().toLowerCase();
      continue;
    }
    const m = /^port\s*=\s*(\d{1,5})$/.exec(line);
    if (section === 'sam' && m) {
      const port = Number(m[1]);
      return port > 0 && port < 65_536 ? port : undefined;
    }
  }
  return undefined;
}

async function launchedSamEndpoint(config: NodeConfig): Promise<LocalEndpoint | undefined> {
  if (!config.i2p.configDir) return undefined;
  try {
    const port = samPortFromI2pdConf(await readFile(join(config.i2p.configDir, 'i2pd.conf'), 'utf8'));
    return port === undefined ? undefined : { kind: 'tcp', host: '127.0.0.1', port };
  } catch {
    return undefined;
  }
}

async function nodeStatus(nodeDir: string, options: AbortOptions): Promise<NodeStatus | undefined> {
  try {
    return (await getLocalJson(`${await readNodeUrl(nodeDir)}/veil/v1/status`, { signal: options.signal })) as NodeStatus;
  } catch (err) {
    if (isVeilError(err) && err.category === 'aborted') throw err;
    return undefined;
  }
}

/** The node's own `.b32.i2p` address from tub.location, if it listens on I2P. */
function ownI2pAddress(config: NodeConfig): string | undefined {
  if (config.node.tubLocation.kind !== 'entries') return undefined;
  for (const e of config.node.tubLocation.entries) if (e.kind === 'i2p') return e.address;
  return undefined;
}

export interface I2pCheckOptions extends AbortOptions {
  /** Tunnel options for the probe session (0-hop on a private test network, as the node's own). */
  readonly tunnelOptions?: Readonly<Record<string, string | number>> | undefined;
}

export async function i2pChecks(config: NodeConfig, isRunning: boolean, options: I2pCheckOptions): Promise<DoctorCheck[]> {
  const tunnelOptions = options.tunnelOptions ?? {};
  const i2p = config.i2p;
  const isConfigured = i2p.enabled && (i2p.samPort !== undefined || i2p.dest !== undefined || i2p.launch);
  if (!isConfigured) return [check('i2p-sam', 'skipped', 'I2P is not configured ([i2p] sam.port, dest, launch)')];
  const checks: DoctorCheck[] = [];

  // 1. The SAM bridge.
  let endpoint = i2p.samEndpoint;
  if (i2p.launch) {
    endpoint = isRunning ? await launchedSamEndpoint(config) : undefined;
    if (!endpoint) {
      const fix = `start the node: veil run ${config.nodeDir}`;
      return [check('i2p-sam', 'warning', isRunning ? 'the node launches its own i2pd, but its SAM port is not known yet' : 'the node launches its own i2pd, and it is not running', fix)];
    }
  }
  if (!endpoint) return [check('i2p-sam', 'skipped', 'no SAM bridge is configured')];
  const text = formatLocalEndpoint(endpoint);
  const sam = samClientFor(endpoint);
  try {
    const { version } = await sam.hello({ signal: withTimeout(options.signal, SAM_TIMEOUT_MS) });
    checks.push(check('i2p-sam', 'ok', `SAM bridge ${text} answers (SAM ${version})${i2p.launch ? ', i2pd launched by the node' : ''}`));
  } catch (err) {
    if (isVeilError(err) && err.category === 'aborted') throw err;
    const fix = i2p.launch ? `restart the node (veil run ${config.nodeDir}); its i2pd log is ${join(i2p.configDir ?? '', 'i2pd.log')}` : 'start i2pd with its SAM bridge enabled ([sam] enabled = true in i2pd.conf), or set [i2p] sam.port';
    checks.push(check('i2p-sam', 'failure', `the SAM bridge ${text} does not answer: ${(err as Error).message}`, fix));
    return checks;
  }

  // 2. The node's session.
  if (!isRunning) {
    checks.push(check('i2p-session', 'warning', 'no I2P session: the node is not running', `start it: veil run ${config.nodeDir}`));
    return checks;
  }
  const status = await nodeStatus(config.nodeDir, options);
  const own = ownI2pAddress(config);
  if (!status) {
    checks.push(check('i2p-session', 'skipped', 'cannot ask the running node (no web port)', 'set [node] web.port = tcp:PORT:interface=127.0.0.1 to let doctor and status ask it'));
  } else if (!status.i2p) {
    checks.push(check('i2p-session', i2p.dest ? 'failure' : 'warning', 'the running node has no I2P session', 'look at the node log (VEIL_LOG=debug veil run); i2p: hints are skipped meanwhile'));
    return checks;
  } else if (status.i2p.state !== 'ready') {
    checks.push(check('i2p-session', 'failure', `the node's I2P session is ${status.i2p.state}${status.i2p.lastError ? ` (last error: ${status.i2p.lastError})` : ''}`, 'check that i2pd runs and has peers; the node re-creates its session by itself'));
    return checks;
  } else if (own && status.i2p.address !== own) {
    checks.push(check('i2p-session', 'failure', `the node's I2P session has destination ${status.i2p.address}, not ${own} (its tub.location)`, 'check [i2p] dest.private_key_file: it must be the key of the address in tub.location'));
    return checks;
  } else {
    checks.push(check('i2p-session', 'ok', `the node's I2P session is up${status.i2p.address ? ` with destination ${status.i2p.address}` : ''}, its tunnels built`));
  }

  // 3. Tunnels and lease set of a node that listens on I2P.
  if (!own) {
    checks.push(check('i2p-tunnels', 'skipped', 'the node does not listen on I2P (no i2p: hint in tub.location)'));
    return checks;
  }
  // Through a session of our own (the router's shared destination may have no tunnels on a small network): the
  // lookup goes out through its tunnels to the floodfills, so it finds the lease set only once it is published.
  const started = Date.now();
  let probe: SamSession | undefined;
  try {
    const signal = withTimeout(options.signal, PROBE_TIMEOUT_MS);
    probe = await sam.createSession({ id: `veil-doctor-${randomBytes(4).toString('hex')}`, destination: 'TRANSIENT', options: tunnelOptions, signal });
    const found = b32Address(await probe.lookup(own, { signal }));
    if (found !== own) {
      checks.push(check('i2p-tunnels', 'failure', `NAMING LOOKUP of ${own} answered another destination (${found})`, 'check the I2P router: this is not the node\'s destination'));
      return checks;
    }
    const looked = Date.now() - started;
    // A published lease set is not enough (a restarted node may hold i2pd's dying destination): ask the node who
    // it is over a stream from the probe session, as a peer would.
    const stream = await sam.connect(probe.id, own, { signal, retryUnreachable: true });
    let body: { nickname?: unknown };
    try {
      body = (await getJsonOverStream(stream, 'veil-peer', '/veil/v1/node', { signal: withTimeout(signal, ANSWER_TIMEOUT_MS) })) as { nickname?: unknown };
    } finally {
      stream.destroy();
    }
    checks.push(check('i2p-tunnels', 'ok', `${own}: lease set published (found in ${looked} ms) and the node answers over I2P (node "${String(body.nickname ?? '')}", ${Date.now() - started} ms from a probe session)`));
  } catch (err) {
    if (isVeilError(err) && err.category === 'aborted' && options.signal?.aborted) throw err;
    checks.push(check('i2p-tunnels', 'failure', `${own}: not reachable over I2P from a probe session: ${(err as Error).message}`, 'a session that just started may need a minute; after a quick restart i2pd may still hold the old destination: restart the node again in a few minutes (docs/i2p.md)'));
  } finally {
    await probe?.close();
  }
  return checks;
}
