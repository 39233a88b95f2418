/**
 * Reaching the tor of a node directory from another process (`veil onion`, `veil doctor`): the control port
 * named by `[tor] control.port`, or, for `[tor] launch = true`, the tor that the running node launched
 * (its ControlPortWriteToFile file and cookie in NODEDIR/private/tor-statedir/). Also: is the node running?
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError, type AbortOptions } from '../core/index.js';
import type { LocalEndpoint, NodeConfig } from '../config/index.js';
import { LAUNCH_FILES, openTorControl, parseControlPortFile, type AuthenticateResult, type TorControl } from '../tor/index.js';
import { connectLocal } from '../net/index.js';
import { NODE_PID_FILE } from './node.js';

/** Where a node's tor control port is, or why there is none to reach. */
export type NodeTorControlEndpoint =
  | { readonly kind: 'endpoint'; readonly endpoint: LocalEndpoint; readonly cookiePath: string | undefined; readonly launched: boolean }
  | { readonly kind: 'none'; readonly reason: string; readonly fix: string };

/** PID of the node running in `nodeDir` (NODEDIR/node.pid of a live process), or undefined. */
export async function runningNodePid(nodeDir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(nodeDir, NODE_PID_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return pid;
  } catch (err) {
    // EPERM: it exists but belongs to another user (still a running node).
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/** Finds the control endpoint of the node's tor. Reads the control-port file of a launched tor. */
export async function findNodeTorControl(config: NodeConfig): Promise<NodeTorControlEndpoint> {
  if (!config.tor.enabled) return { kind: 'none', reason: 'Tor is turned off ([tor] enabled = false)', fix: 'set [tor] enabled = true to use onion services' };
  if (config.tor.launch) {
    const dir = config.tor.launchDataDir;
    let text: string;
    try {
      text = await readFile(join(dir, LAUNCH_FILES.controlPort), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return { kind: 'none', reason: 'the node launches its own tor, and it is not running', fix: `start the node: veil run ${config.nodeDir}` };
    }
    const endpoint = parseControlPortFile(text);
    if (!endpoint) return { kind: 'none', reason: `the control-port file of the launched tor is unreadable`, fix: `restart the node: veil run ${config.nodeDir}` };
    return { kind: 'endpoint', endpoint, cookiePath: join(dir, LAUNCH_FILES.cookie), launched: true };
  }
  if (config.tor.controlPort) return { kind: 'endpoint', endpoint: config.tor.controlPort, cookiePath: undefined, launched: false };
  return {
    kind: 'none',
    reason: 'veil.cfg names no Tor control port (only a SOCKS port): onion services cannot be published',
    fix: 'set [tor] control.port = tcp:127.0.0.1:9051 (or launch = true) in veil.cfg',
  };
}

export interface NodeTorControl {
  readonly control: TorControl;
  readonly auth: AuthenticateResult;
  readonly launched: boolean;
  close(): Promise<void>;
}

/**
 * Opens an authenticated control connection to the node's tor. Throws VEIL_NODE_TOR_REQUIRED (none to reach),
 * VEIL_LOCAL_DAEMON_UNREACHABLE, VEIL_TOR_AUTH_*, VEIL_TOR_CONTROL_*; honours `signal`.
 */
export async function openNodeTorControl(config: NodeConfig, options: AbortOptions = {}): Promise<NodeTorControl> {
  const where = await findNodeTorControl(config);
  if (where.kind === 'none') throw new VeilError('VEIL_NODE_TOR_REQUIRED', `cannot reach the node's tor: ${where.reason}`, { hint: where.fix });
  const { control, auth } = await openTorControl(connectLocal, where.endpoint, {
    signal: options.signal,
    ...(where.cookiePath !== undefined ? { cookiePath: where.cookiePath } : {}),
  });
  return { control, auth, launched: where.launched, close: () => control.close() };
}
