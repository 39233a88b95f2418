/**
 * Preparing a testnet before any tor runs: sizes and directory checks, the node plan (names, roles, ports),
 * offline keys, torrc files, and the TorTestnetInfo built from the plan once the tors are up.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { VeilError, anySignal, bug, isVeilError, throwIfAborted, type AbortOptions } from '../core/index.js';
import { allocatePort } from '../net/index.js';
import { TESTNET_DEFAULTS } from './defaults.js';
import { makeAuthorityKeys, makeRelayIdentity, type ToolPaths } from './keys.js';
import { isTestnetProcess, recordedTorPids } from './process-check.js';
import {
  LOOPBACK_RESOLV_CONF,
  NODE_FILES,
  authorityTorrc,
  clientTorrc,
  joinTorrcLines,
  relayTorrc,
  type AuthorityEntry,
} from './torrc.js';
import type { TorTestnetClient, TorTestnetInfo, TorTestnetNode, TorTestnetRole } from './types.js';

/** One tor of the network as planned; fingerprints are filled in by makeKeys(). */
export interface NodePlan {
  readonly name: string;
  readonly role: TorTestnetRole;
  readonly dataDir: string;
  readonly orPort?: number;
  readonly dirPort?: number;
  readonly socksPort?: number;
  fingerprint?: string;
  v3Ident?: string;
}

export interface Sizes {
  readonly authorities: number;
  readonly relays: number;
  readonly exits: number;
  readonly clients: number;
}

/** What the caller asked for; undefined means the default of TESTNET_DEFAULTS. */
export interface SizeOptions {
  readonly authorities?: number | undefined;
  readonly relays?: number | undefined;
  readonly exits?: number | undefined;
  readonly clients?: number | undefined;
}

/** The tor processes' PIDs and control ports, known once they run. */
export interface RunningFacts {
  readonly pids: ReadonlyMap<string, number>;
  readonly controlPorts: ReadonlyMap<string, number>;
}

/** Throws VEIL_TESTNET_OPTIONS_INVALID listing every impossible size at once. */
export function checkSizes(options: SizeOptions): Sizes {
  const authorities = options.authorities ?? TESTNET_DEFAULTS.authorities;
  const relays = options.relays ?? TESTNET_DEFAULTS.relays;
  const exits = options.exits ?? Math.min(TESTNET_DEFAULTS.exits, relays);
  const clients = options.clients ?? TESTNET_DEFAULTS.clients;
  const problems: string[] = [];
  const isCount = (n: number, min: number, max: number): boolean => Number.isInteger(n) && n >= min && n <= max;
  if (!isCount(authorities, 1, 9)) problems.push(`authorities must be 1–9, not ${authorities}`);
  if (!isCount(relays, 1, 20)) problems.push(`relays must be 1–20, not ${relays}`);
  if (!isCount(exits, 1, relays)) problems.push(`exits must be 1–relays (${relays}), not ${exits}`);
  if (!isCount(clients, 1, 20)) problems.push(`clients must be 1–20, not ${clients}`);
  if (problems.length > 0) throw new VeilError('VEIL_TESTNET_OPTIONS_INVALID', `cannot start the private Tor network: ${problems.join('; ')}`);
  return { authorities, relays, exits, clients };
}

/** The directory ends up on torrc lines: absolute, and without spaces, quotes, '#' or control characters. */
export function checkDir(dir: string): string {
  if (!isAbsolute(dir) || !/^[A-Za-z0-9_./+@:,=-]+$/.test(dir)) {
    throw new VeilError('VEIL_TESTNET_OPTIONS_INVALID', `cannot start the private Tor network in ${JSON.stringify(dir)}: the directory must be an absolute path of letters, digits and _./+@:,=-`);
  }
  return resolve(dir);
}

/** Refuses a directory where a previous network still runs; otherwise removes its leftovers. */
export async function prepareTorDir(dir: string, torDir: string): Promise<void> {
  for (const [name, pid] of await recordedTorPids(torDir)) {
    if (pid !== undefined && (await isTestnetProcess(pid, dir))) {
      throw new VeilError('VEIL_TESTNET_OPTIONS_INVALID', `cannot start the private Tor network: tor ${name} (pid ${pid}) of a previous network still runs in this directory`, {
        hint: 'stop it first (`veil testnet down`) or use another directory',
      });
    }
  }
  await rm(torDir, { recursive: true, force: true });
  await mkdir(torDir, { recursive: true, mode: 0o700 });
}

export async function planNodes(torDir: string, sizes: Sizes): Promise<NodePlan[]> {
  const count = sizes.authorities * 2 + sizes.relays + sizes.clients;
  const ports = await distinctFreePorts(count);
  const take = (): number => {
    const p = ports.shift();
    if (p === undefined) throw bug('testnet port plan too small');
    return p;
  };
  const plan: NodePlan[] = [];
  const node = (name: string, role: TorTestnetRole, ports: Partial<NodePlan>): void => {
    plan.push({ name, role, dataDir: join(torDir, name), ...ports });
  };
  for (let i = 1; i <= sizes.authorities; i++) node(`auth${i}`, 'authority', { orPort: take(), dirPort: take() });
  for (let i = 1; i <= sizes.relays; i++) {
    const isExit = i <= sizes.exits;
    node(isExit ? `exit${i}` : `relay${i}`, isExit ? 'exit' : 'relay', { orPort: take() });
  }
  for (let i = 1; i <= sizes.clients; i++) node(`client${i}`, 'client', { socksPort: take() });
  return plan;
}

/**
 * `count` distinct ports that were free on 127.0.0.1 a moment ago (src/net's allocatePort binds port 0 and
 * closes). They stay free only until someone else binds them: a tor that then cannot bind exits, and the start
 * fails with VEIL_TESTNET_TOR_EXITED. Throws VEIL_LOCAL_PORT_UNAVAILABLE.
 */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempt = 0; ports.size < count; attempt++) {
    if (attempt >= count * 10) {
      throw new VeilError('VEIL_LOCAL_PORT_UNAVAILABLE', `cannot find ${count} distinct free TCP ports on 127.0.0.1`);
    }
    ports.add(await allocatePort('127.0.0.1'));
  }
  return [...ports];
}

/**
 * Authority keys and relay identities, made in parallel (tor-gencert takes ~0.5 s per authority). When one tool
 * fails, the others are stopped and waited for before the error is thrown: none is left writing keys into a folder
 * the caller is about to remove.
 */
export async function makeKeys(tools: ToolPaths, plan: readonly NodePlan[], options: AbortOptions): Promise<void> {
  const failed = new AbortController();
  const signal = anySignal([options.signal, failed.signal]);
  const results = await Promise.allSettled(
    plan
      .filter((n) => n.role !== 'client')
      .map(async (n) => {
        try {
          if (n.role === 'authority') n.v3Ident = await makeAuthorityKeys(tools, n.dataDir, n.dirPort ?? 0, { signal });
          n.fingerprint = await makeRelayIdentity(tools, n.name, n.dataDir, n.orPort ?? 0, { signal });
        } catch (err) {
          failed.abort(err);
          throw err;
        }
      }),
  );
  throwIfAborted(options.signal, 'make the test network keys');
  // The first real failure, not the VEIL_ABORTED of the tools stopped because of it.
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  const first = errors.find((e) => !isVeilError(e, 'VEIL_ABORTED')) ?? errors[0];
  if (first !== undefined) throw first;
}

export function authorityEntries(plan: readonly NodePlan[]): AuthorityEntry[] {
  return plan
    .filter((n) => n.role === 'authority')
    .map((n) => ({ nickname: n.name, orPort: n.orPort ?? 0, dirPort: n.dirPort ?? 0, fingerprint: n.fingerprint ?? '', v3Ident: n.v3Ident ?? '' }));
}

/** Writes each tor's torrc (and the loopback resolv.conf of relays) into its DataDirectory. */
export async function writeTorrcs(
  plan: readonly NodePlan[],
  authorities: readonly AuthorityEntry[],
  exitFingerprints: readonly string[],
  emptyFile: string,
  detached: boolean,
): Promise<void> {
  const owningPid = detached ? undefined : process.pid;
  for (const n of plan) {
    await mkdir(n.dataDir, { recursive: true, mode: 0o700 });
    const base = { nickname: n.name, dataDir: n.dataDir, authorities, emptyFile, owningPid };
    let text: string;
    if (n.role === 'authority') text = authorityTorrc({ ...base, orPort: n.orPort ?? 0, dirPort: n.dirPort ?? 0, exitFingerprints });
    else if (n.role === 'client') text = clientTorrc({ ...base, socksPort: n.socksPort ?? 0 });
    else text = relayTorrc({ ...base, orPort: n.orPort ?? 0, isExit: n.role === 'exit' });
    await writeFile(join(n.dataDir, NODE_FILES.torrc), text);
    if (n.role !== 'client') await writeFile(join(n.dataDir, NODE_FILES.resolvConf), LOOPBACK_RESOLV_CONF);
  }
}

/** The description of the running network (types.ts) from the plan and the running tors. */
export function buildInfo(
  plan: readonly NodePlan[],
  sizes: Sizes,
  authorities: readonly AuthorityEntry[],
  running: RunningFacts,
  startupMs: number,
): TorTestnetInfo {
  const nodes: TorTestnetNode[] = plan.map((n) => ({
    name: n.name,
    role: n.role,
    dataDir: n.dataDir,
    pid: running.pids.get(n.name) ?? -1,
    fingerprint: n.fingerprint,
    orPort: n.orPort,
    dirPort: n.dirPort,
    controlPort: running.controlPorts.get(n.name) ?? 0,
  }));
  const clients: TorTestnetClient[] = plan
    .filter((n) => n.role === 'client')
    .map((n) => ({
      name: n.name,
      dataDir: n.dataDir,
      socksPort: n.socksPort ?? 0,
      controlPort: running.controlPorts.get(n.name) ?? 0,
      cookiePath: join(n.dataDir, NODE_FILES.cookie),
      pid: running.pids.get(n.name) ?? -1,
    }));
  return {
    authorities: sizes.authorities,
    relays: sizes.relays,
    clients,
    joinTorrcLines: joinTorrcLines(authorities),
    nodes,
    startupMs,
  };
}
