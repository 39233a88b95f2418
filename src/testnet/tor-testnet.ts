/**
 * startTorTestnet: a private Tor network on 127.0.0.1 (authorities, relays, exits, clients), made from scratch
 * in `<dir>/tor/`, ready when every client has bootstrapped and sees every relay (readiness.ts).
 *
 * Order: free ports → keys (offline) → torrcs → all tors at once → control ports (ControlPortWriteToFile)
 * → clients ready. On any failure or abort every tor already started is stopped before the promise rejects.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import {
  VeilError,
  abortError,
  logger,
  report,
  throwIfAborted,
  withTimeout,
  type AbortOptions,
  type Closable,
  type ProgressOptions,
} from '../core/index.js';
import { TESTNET_DEFAULTS } from './defaults.js';
import { freeLoopbackPorts } from './free-port.js';
import { makeAuthorityKeys, makeRelayIdentity, type ToolPaths } from './keys.js';
import { isTestnetProcess, readPidFile } from './process-check.js';
import { describeView, newClientView, notReadyError, waitClientReady, type ClientReadyTarget, type ClientView } from './readiness.js';
import { TorProcess } from './tor-process.js';
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

const log = logger('veil:testnet');

export interface StartTorTestnetOptions extends AbortOptions, ProgressOptions {
  /** Absolute directory of the testnet; the tors live in `<dir>/tor/<name>/` (made afresh each start). */
  readonly dir: string;
  /** Directory authorities (default 3). */
  readonly authorities?: number;
  /** Relays besides the authorities (default 2). */
  readonly relays?: number;
  /** How many of those relays are exits to 127.0.0.0/8 (default: all of them; at least 1). */
  readonly exits?: number;
  /** Client tors with SOCKS and control ports (default 2). */
  readonly clients?: number;
  /**
   * Let the tors outlive this process (`veil testnet up`): own process group, no __OwningControllerProcess.
   * Default false: every tor exits when this process dies, even without close().
   */
  readonly detached?: boolean;
  /** Deadline from start to every client ready, in milliseconds (default 120 000). */
  readonly readyTimeoutMs?: number;
  /** Wait after SIGTERM before SIGKILL when stopping, per tor, in milliseconds (default 5 000). */
  readonly stopTimeoutMs?: number;
  readonly torBinary?: string;
  readonly torGencertBinary?: string;
}

export interface TorTestnetHandle extends Closable, AsyncDisposable {
  readonly info: TorTestnetInfo;
  /** Stops every tor this handle started (SIGTERM, bounded wait, SIGKILL); resolves once all have exited. Safe twice. */
  close(): Promise<void>;
}

interface NodePlan {
  readonly name: string;
  readonly role: TorTestnetRole;
  readonly dataDir: string;
  readonly orPort?: number;
  readonly dirPort?: number;
  readonly socksPort?: number;
  fingerprint?: string;
  v3Ident?: string;
}

interface Sizes {
  readonly authorities: number;
  readonly relays: number;
  readonly exits: number;
  readonly clients: number;
}

/**
 * Starts the network and resolves once every client is ready. Throws VEIL_TESTNET_OPTIONS_INVALID,
 * VEIL_TESTNET_TOOL_FAILED, VEIL_TESTNET_NO_FREE_PORT, VEIL_TESTNET_TOR_EXITED, VEIL_TESTNET_NOT_READY (deadline),
 * VEIL_ABORTED. Honours `signal` (stops what it started). Reports `testnet:*` progress events.
 */
export async function startTorTestnet(options: StartTorTestnetOptions): Promise<TorTestnetHandle> {
  const startedAt = Date.now();
  const sizes = checkSizes(options);
  const dir = checkDir(options.dir);
  const what = 'start the private Tor network';
  throwIfAborted(options.signal, what);
  const torDir = join(dir, TESTNET_DEFAULTS.torSubdir);
  await prepareTorDir(dir, torDir);
  const emptyTorrc = join(torDir, 'empty-defaults-torrc');
  await writeFile(emptyTorrc, '');
  const tools: ToolPaths = {
    torBinary: options.torBinary ?? TESTNET_DEFAULTS.torBinary,
    torGencertBinary: options.torGencertBinary ?? TESTNET_DEFAULTS.torGencertBinary,
    emptyTorrc,
  };

  const processes = new Set<TorProcess>();
  const fleet = new Fleet(processes);
  // Aborted with the VeilError of the first tor that exits while we wait, so that every wait ends at once.
  const failure = new AbortController();
  const deadline = withTimeout(options.signal, options.readyTimeoutMs ?? TESTNET_DEFAULTS.readyTimeoutMs);
  const waitSignal = deadline ? AbortSignal.any([deadline, failure.signal]) : failure.signal;
  const plan = await planNodes(torDir, sizes);
  const views = new Map<string, ClientView>();
  const targets: ClientReadyTarget[] = [];
  const byName = new Map<string, TorProcess>();
  const controlPorts = new Map<string, number>();
  try {
    report(options, 'testnet:keys', { nodes: plan.length });
    await makeKeys(tools, plan, { signal: waitSignal });
    report(options, 'testnet:keys-made', { nodes: plan.length });
    const authorities = authorityEntries(plan);
    const exitFingerprints = plan.filter((n) => n.role === 'exit').map((n) => n.fingerprint ?? '');
    const relayFingerprints = plan.filter((n) => n.role !== 'client').map((n) => n.fingerprint ?? '');
    await writeTorrcs(plan, authorities, exitFingerprints, emptyTorrc, options.detached === true);

    const spawnAll = async (nodes: readonly NodePlan[]): Promise<void> => {
      for (const node of nodes) {
        throwIfAborted(waitSignal, what);
        const tor = await TorProcess.spawn({
          name: node.name,
          torBinary: tools.torBinary,
          dataDir: node.dataDir,
          emptyTorrc,
          detached: options.detached === true,
          stopTimeoutMs: options.stopTimeoutMs ?? TESTNET_DEFAULTS.stopTimeoutMs,
        });
        processes.add(tor);
        byName.set(tor.name, tor);
        void tor.exited.then(async () => {
          if (!fleet.isClosing && !failure.signal.aborted) failure.abort(await tor.exitError('while the network was starting'));
        });
      }
      await Promise.all(nodes.map(async (n) => controlPorts.set(n.name, await (byName.get(n.name) as TorProcess).waitControlPort({ signal: waitSignal }))));
    };
    const target = (n: NodePlan, kind: 'client' | 'authority'): ClientReadyTarget => ({
      kind,
      name: n.name,
      controlPort: controlPorts.get(n.name) ?? 0,
      cookiePath: join(n.dataDir, NODE_FILES.cookie),
      relayFingerprints,
      exitFingerprints,
    });
    const waitReady = (t: ClientReadyTarget): Promise<unknown> => {
      targets.push(t);
      views.set(t.name, newClientView());
      return waitClientReady(t, views.get(t.name), { signal: waitSignal, onProgress: options.onProgress });
    };

    // Stage 1: authorities and relays, until the first consensus lists them all. Clients started earlier
    // would get 404s and back off for several seconds after the consensus appears.
    const servers = plan.filter((n) => n.role !== 'client');
    await spawnAll(servers);
    report(options, 'testnet:relays-started', { count: servers.length });
    await waitReady(target(servers[0] as NodePlan, 'authority'));
    report(options, 'testnet:consensus', { relays: relayFingerprints.length, exits: exitFingerprints.length });

    // Stage 2: clients, until each has bootstrapped and holds every exit's descriptor.
    const clientPlans = plan.filter((n) => n.role === 'client');
    await spawnAll(clientPlans);
    report(options, 'testnet:clients-started', { count: clientPlans.length });
    await Promise.all(clientPlans.map((n) => waitReady(target(n, 'client'))));

    const info = buildInfo(plan, sizes, authorities, controlPorts, byName, Date.now() - startedAt);
    report(options, 'testnet:ready', { startupMs: info.startupMs });
    log.info(`private Tor network ready in ${info.startupMs} ms`);
    fleet.watchUnexpectedExits();
    return fleet.handle(info);
  } catch (err) {
    await fleet.close().catch((closeErr: unknown) => log.error('cannot stop the testnet tors after a failed start:', closeErr));
    throw startError(err, waitSignal, options.signal, targets, views, what);
  }
}

function startError(
  err: unknown,
  waitSignal: AbortSignal,
  userSignal: AbortSignal | undefined,
  targets: readonly ClientReadyTarget[],
  views: ReadonlyMap<string, ClientView>,
  what: string,
): unknown {
  if (userSignal?.aborted) return abortError(userSignal, what);
  if (waitSignal.aborted) {
    const reason = abortError(waitSignal, what);
    if (reason.code !== 'VEIL_TIMEOUT') return reason;
    const details = targets.map((t) => describeView(t.name, views.get(t.name) ?? newClientView(), t));
    return notReadyError(details.length > 0 ? details : ['the tors did not report their control ports'], err);
  }
  return err;
}

/** Owns the started tors: closes them all in parallel. */
class Fleet implements Closable {
  #closing: Promise<void> | undefined;
  constructor(readonly processes: ReadonlySet<TorProcess>) {}

  get isClosing(): boolean {
    return this.#closing !== undefined;
  }

  close(): Promise<void> {
    this.#closing ??= Promise.all([...this.processes].map((p) => p.close())).then(() => undefined);
    return this.#closing;
  }

  /** After a successful start, a tor that dies is a warning (the tests using it will fail next). */
  watchUnexpectedExits(): void {
    for (const p of this.processes) {
      void p.exited.then((exit) => {
        if (!this.isClosing) log.warn(`testnet tor ${p.name} (pid ${p.pid}) exited unexpectedly (${exit.signal ?? `exit ${exit.code}`})`);
      });
    }
  }

  handle(info: TorTestnetInfo): TorTestnetHandle {
    return {
      info,
      close: () => this.close(),
      [Symbol.asyncDispose]: () => this.close(),
    };
  }
}

function checkSizes(options: StartTorTestnetOptions): Sizes {
  const authorities = options.authorities ?? TESTNET_DEFAULTS.authorities;
  const relays = options.relays ?? TESTNET_DEFAULTS.relays;
  const exits = options.exits ?? relays;
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
function checkDir(dir: string): string {
  if (!isAbsolute(dir) || !/^[A-Za-z0-9_./+@:,=-]+$/.test(dir)) {
    throw new VeilError('VEIL_TESTNET_OPTIONS_INVALID', `cannot start the private Tor network in ${JSON.stringify(dir)}: the directory must be an absolute path of letters, digits and _./+@:,=-`);
  }
  return resolve(dir);
}

/** Refuses a directory where a previous network still runs; otherwise removes its leftovers. */
async function prepareTorDir(dir: string, torDir: string): Promise<void> {
  let names: string[] = [];
  try {
    names = await readdir(torDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const name of names) {
    const pid = await readPidFile(join(torDir, name, NODE_FILES.pid));
    if (pid !== undefined && (await isTestnetProcess(pid, dir))) {
      throw new VeilError('VEIL_TESTNET_OPTIONS_INVALID', `cannot start the private Tor network: tor ${name} (pid ${pid}) of a previous network still runs in this directory`, {
        hint: 'stop it first (`veil testnet down`) or use another directory',
      });
    }
  }
  await rm(torDir, { recursive: true, force: true });
  await mkdir(torDir, { recursive: true, mode: 0o700 });
}

async function planNodes(torDir: string, sizes: Sizes): Promise<NodePlan[]> {
  const count = sizes.authorities * 2 + sizes.relays + sizes.clients;
  const ports = await freeLoopbackPorts(count);
  const take = (): number => {
    const p = ports.shift();
    if (p === undefined) throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): testnet port plan too small');
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

/** Authority keys and relay identities, made in parallel (tor-gencert takes ~0.5 s per authority). */
async function makeKeys(tools: ToolPaths, plan: NodePlan[], options: AbortOptions): Promise<void> {
  await Promise.all(
    plan
      .filter((n) => n.role !== 'client')
      .map(async (n) => {
        if (n.role === 'authority') n.v3Ident = await makeAuthorityKeys(tools, n.dataDir, n.dirPort ?? 0, options);
        n.fingerprint = await makeRelayIdentity(tools, n.name, n.dataDir, n.orPort ?? 0, options);
      }),
  );
}

function authorityEntries(plan: readonly NodePlan[]): AuthorityEntry[] {
  return plan
    .filter((n) => n.role === 'authority')
    .map((n) => ({ nickname: n.name, orPort: n.orPort ?? 0, dirPort: n.dirPort ?? 0, fingerprint: n.fingerprint ?? '', v3Ident: n.v3Ident ?? '' }));
}

async function writeTorrcs(
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

function buildInfo(
  plan: readonly NodePlan[],
  sizes: Sizes,
  authorities: readonly AuthorityEntry[],
  controlPorts: ReadonlyMap<string, number>,
  byName: ReadonlyMap<string, TorProcess>,
  startupMs: number,
): TorTestnetInfo {
  const nodes: TorTestnetNode[] = plan.map((n) => ({
    name: n.name,
    role: n.role,
    dataDir: n.dataDir,
    pid: byName.get(n.name)?.pid ?? -1,
    fingerprint: n.fingerprint,
    orPort: n.orPort,
    dirPort: n.dirPort,
    controlPort: controlPorts.get(n.name) ?? 0,
  }));
  const clients: TorTestnetClient[] = plan
    .filter((n) => n.role === 'client')
    .map((n) => ({
      name: n.name,
      dataDir: n.dataDir,
      socksPort: n.socksPort ?? 0,
      controlPort: controlPorts.get(n.name) ?? 0,
      cookiePath: join(n.dataDir, NODE_FILES.cookie),
      pid: byName.get(n.name)?.pid ?? -1,
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
