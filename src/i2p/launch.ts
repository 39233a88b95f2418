/**
 * `[i2p] launch = true`: Veil starts and owns one i2pd for a node. We write its whole configuration
 * (i2pd-conf.ts), pin every path inside the node's i2p data folder, and stop it with SIGTERM → SIGKILL.
 *
 * Safety: launching is refused unless the caller gives private-network join settings (netid + RouterInfo
 * files to bootstrap from) or explicitly sets allowPublicNetwork. Tests only ever use the former.
 * Readiness: the i2pd process itself holds a TCP LISTEN socket on 127.0.0.1:<samPort> (read from /proc,
 * polled with a deadline; no log lines, no sleeps).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError, abortError, delay, report, throwIfAborted, withTimeout, type AbortOptions, type Closable, type ProgressOptions } from '../core/index.js';
import type { LocalEndpoint } from '../config/endpoint.js';
import { I2P_DEFAULTS } from './defaults.js';
import { ADDRESSBOOK_FILES, i2pdPaths, renderI2pdConf, type I2pdNetwork } from './i2pd-conf.js';
import { I2pdProcess, type I2pdExit } from './i2pd-process.js';
import { TCP_LISTEN, isLoopbackV4, listProcessSockets, pickFreePortBlock, type ProcSocket } from './proc-sockets.js';
import { installRouterInfos } from './router-info.js';

/** How to join a private I2P network (e.g. the test network: I2pTestnetInfo gives netid and routers). */
export interface I2pPrivateNetworkJoin {
  readonly netId: number;
  /** Loopback address for this router (127.0.0.N, one per router). */
  readonly host: string;
  /** RouterInfo files of routers to bootstrap from (copied into netDb; no reseeding). */
  readonly routerInfoFiles: readonly string[];
  /** Accept peers on 127.0.0.0/8 (needs a patched i2pd < 2.51). Default true. */
  readonly allowLoopbackPeers?: boolean;
}

export interface LaunchI2pdOptions extends AbortOptions, ProgressOptions {
  /** Path of the i2pd binary. */
  executable: string;
  /** Folder owned by this i2pd (keys, netDb, conf, log). Created if missing. */
  dataDir: string;
  samPort: number | 'auto';
  /** NTCP2 port (default: next to an automatic SAM port, or chosen freely). */
  ntcp2Port?: number | 'auto';
  join?: I2pPrivateNetworkJoin;
  /** Must be true to start an i2pd on the public I2P network. Never set by tests. */
  allowPublicNetwork?: boolean;
  extraConf?: string;
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  floodfill?: boolean;
  /** Spawn → SAM port listening, in ms (default I2P_DEFAULTS.launchTimeoutMs). */
  timeoutMs?: number;
  stopTimeoutMs?: number;
  /** The kernel stops i2pd when this process dies, even by SIGKILL (setpriv --pdeathsig). Default true. */
  dieWithParent?: boolean;
}

export interface LaunchedI2pd extends Closable {
  readonly pid: number;
  readonly dataDir: string;
  readonly samPort: number;
  readonly ntcp2Port: number;
  readonly samEndpoint: LocalEndpoint;
  /** RouterInfo written by this router (give it to others joining the same private network). */
  readonly routerInfoFile: string;
  readonly exited: Promise<I2pdExit>;
  /** All sockets the process holds (from /proc). */
  sockets(): Promise<ProcSocket[]>;
}

const POLL_MS = 50;

/** Writes conf, empty tunnels/certs folders and the inert address book files into dataDir. */
export async function writeI2pdDataDir(dataDir: string, conf: string): Promise<void> {
  const p = i2pdPaths(dataDir);
  await mkdir(p.tunnelsDir, { recursive: true });
  await mkdir(p.certsDir, { recursive: true });
  await writeFile(p.tunconf, '');
  for (const [name, text] of Object.entries(ADDRESSBOOK_FILES)) await writeFile(join(dataDir, name), text);
  await writeFile(p.conf, conf);
}

/**
 * Polls `check` every 50 ms until it returns a value, the process exits (VEIL_I2PD_EXITED) or the signal
 * fires (VEIL_TIMEOUT / VEIL_ABORTED).
 */
export async function waitForCondition<T>(
  what: string,
  proc: I2pdProcess,
  check: () => Promise<T | undefined>,
  signal: AbortSignal | undefined,
): Promise<T> {
  for (;;) {
    throwIfAborted(signal, what);
    if (!proc.isRunning) throw proc.exitError(what);
    const v = await check();
    if (v !== undefined) return v;
    try {
      await delay(POLL_MS, { signal });
    } catch (err) {
      throw signal?.aborted ? abortError(signal, what) : err;
    }
  }
}

/** True once `pid` holds a TCP LISTEN socket on host:port. */
export async function isListening(pid: number, host: string, port: number): Promise<boolean> {
  const sockets = await listProcessSockets(pid);
  return sockets.some((s) => s.proto === 'tcp' && s.state === TCP_LISTEN && s.localAddress === host && s.localPort === port);
}

/** Sockets of `pid` with a local or remote address off 127.0.0.0/8 (unconnected remotes 0.0.0.0 are fine for UDP/listeners). */
export function nonLoopbackSockets(sockets: readonly ProcSocket[]): ProcSocket[] {
  return sockets.filter((s) => {
    if (!isLoopbackV4(s.localAddress)) return true;
    const unconnected = s.remoteAddress === '0.0.0.0' && s.remotePort === 0;
    return !unconnected && !isLoopbackV4(s.remoteAddress);
  });
}

/**
 * Starts i2pd and waits until its SAM bridge is listening. Throws VEIL_I2PD_PUBLIC_NETWORK_REFUSED,
 * VEIL_I2PD_LAUNCH_FAILED, VEIL_I2PD_EXITED, VEIL_I2PD_PORT_BUSY, VEIL_TIMEOUT, VEIL_ABORTED; on any
 * failure the process is stopped before the promise rejects. Honours signal.
 */
export async function launchI2pd(options: LaunchI2pdOptions): Promise<LaunchedI2pd> {
  const what = 'launch i2pd';
  throwIfAborted(options.signal, what);
  if (!options.join && options.allowPublicNetwork !== true) {
    throw new VeilError('VEIL_I2PD_PUBLIC_NETWORK_REFUSED', `${what}: no private network to join and the public I2P network is not allowed`);
  }
  const join_ = options.join;
  const network: I2pdNetwork = join_
    ? { kind: 'private', netId: join_.netId, host: join_.host, allowLoopbackPeers: join_.allowLoopbackPeers ?? true }
    : { kind: 'public' };
  if (join_ && !isLoopbackV4(join_.host)) {
    throw new VeilError('VEIL_I2PD_LAUNCH_FAILED', `${what}: private-network host must be on 127.0.0.0/8`);
  }
  const block = await pickFreePortBlock(3);
  const samPort = options.samPort === 'auto' ? block + 1 : options.samPort; // block + 0 stays free for SAM UDP
  const ntcp2Port = options.ntcp2Port === undefined || options.ntcp2Port === 'auto' ? block + 2 : options.ntcp2Port;
  const conf = renderI2pdConf({
    dataDir: options.dataDir,
    network,
    ntcp2Port,
    samPort,
    floodfill: options.floodfill ?? false,
    logLevel: options.logLevel ?? 'warn',
    extraConf: options.extraConf,
  });
  await writeI2pdDataDir(options.dataDir, conf);
  if (join_) await installRouterInfos(options.dataDir, join_.routerInfoFiles);
  report(options, 'i2pd:starting', { samPort });
  const proc = await I2pdProcess.start(options.executable, options.dataDir, { stopTimeoutMs: options.stopTimeoutMs, dieWithParent: options.dieWithParent ?? true });
  const signal = withTimeout(options.signal, options.timeoutMs ?? I2P_DEFAULTS.launchTimeoutMs);
  try {
    await waitForCondition(`${what}: SAM port 127.0.0.1:${samPort}`, proc, async () => ((await isListening(proc.pid, '127.0.0.1', samPort)) ? true : undefined), signal);
    if (join_) {
      const bad = nonLoopbackSockets(await listProcessSockets(proc.pid));
      if (bad.length > 0) {
        throw new VeilError('VEIL_I2PD_LAUNCH_FAILED', `${what}: i2pd holds sockets off loopback; stopped it`, { details: { sockets: bad } });
      }
    }
  } catch (err) {
    await proc.close();
    if (err instanceof VeilError && err.code === 'VEIL_TIMEOUT' && !(options.signal?.aborted ?? false)) {
      throw new VeilError('VEIL_I2PD_PORT_BUSY', `${what}: i2pd did not listen on 127.0.0.1:${samPort} in time (port taken by another process?)`, { cause: err });
    }
    throw err;
  }
  report(options, 'i2pd:ready', { samPort });
  return {
    pid: proc.pid,
    dataDir: options.dataDir,
    samPort,
    ntcp2Port,
    samEndpoint: { kind: 'tcp', host: '127.0.0.1', port: samPort },
    routerInfoFile: join(options.dataDir, 'router.info'),
    exited: proc.exited,
    sockets: () => listProcessSockets(proc.pid),
    close: () => proc.close(),
  };
}
