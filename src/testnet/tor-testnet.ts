/**
 * startTorTestnet: a private Tor network on 127.0.0.1 (authorities, relays, exits, clients), made from scratch
 * in `<dir>/tor/`, resolved once every client has bootstrapped and sees every relay (readiness.ts).
 *
 * Order: free ports → keys (offline) → torrcs → authorities and relays → their first complete consensus →
 * RELOAD relays (skip their download back-off) → every relay holds consensus and descriptors → clients →
 * clients ready. On any failure or abort every tor already started is stopped before the promise rejects.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  abortError,
  anySignal,
  delay,
  logger,
  report,
  throwIfAborted,
  withTimeout,
  type AbortOptions,
  type Closable,
  type ProgressOptions,
} from '../core/index.js';
import { TESTNET_DEFAULTS } from './defaults.js';
import type { ToolPaths } from './keys.js';
import {
  authorityEntries,
  buildInfo,
  checkDir,
  checkSizes,
  makeKeys,
  planNodes,
  prepareTorDir,
  writeTorrcs,
  type NodePlan,
} from './plan.js';
import { describeView, newTorView, notReadyError, reloadTor, waitTorReady, type ReadyTarget, type TorView } from './readiness.js';
import { TorProcess } from './tor-process.js';
import { NODE_FILES, firstVoteAlignmentDelayMs } from './torrc.js';
import type { TorTestnetInfo } from './types.js';

const log = logger('veil:testnet');
const WHAT = 'start the private Tor network';

export interface StartTorTestnetOptions extends AbortOptions, ProgressOptions {
  /** Absolute directory of the testnet; the tors live in `<dir>/tor/<name>/` (made afresh each start). */
  readonly dir: string;
  /** Directory authorities (default 3). They relay too, but are never exits. */
  readonly authorities?: number;
  /** Relays besides the authorities (default 2). */
  readonly relays?: number;
  /** How many of those relays are exits to 127.0.0.0/8 only (default 2, at most `relays`, at least 1). */
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
  /** One line per tor that exited before close() (name, pid, how, last lines of its notice log); empty when healthy. */
  unexpectedExits(): Promise<string[]>;
}

/**
 * Starts the network and resolves once every client is ready (~15 s on 2 cores). Throws
 * VEIL_TESTNET_OPTIONS_INVALID, VEIL_TESTNET_TOOL_FAILED, VEIL_LOCAL_PORT_UNAVAILABLE, VEIL_TESTNET_TOR_EXITED,
 * VEIL_TESTNET_NOT_READY (deadline), VEIL_ABORTED. Honours `signal` (stops what it started). Reports progress
 * events `testnet:keys`, `testnet:relays-started`, `testnet:consensus`, `testnet:relays-ready`,
 * `testnet:clients-started`, `testnet:tor-progress` ({ name, bootstrapProgress, runningRelays, … }), `testnet:ready`.
 */
export async function startTorTestnet(options: StartTorTestnetOptions): Promise<TorTestnetHandle> {
  const startedAt = Date.now();
  const sizes = checkSizes(options);
  const dir = checkDir(options.dir);
  throwIfAborted(options.signal, WHAT);
  const torDir = join(dir, TESTNET_DEFAULTS.torSubdir);
  await prepareTorDir(dir, torDir);
  const emptyTorrc = join(torDir, 'empty-defaults-torrc');
  await writeFile(emptyTorrc, '');
  const tools: ToolPaths = {
    torBinary: options.torBinary ?? TESTNET_DEFAULTS.torBinary,
    torGencertBinary: options.torGencertBinary ?? TESTNET_DEFAULTS.torGencertBinary,
    emptyTorrc,
  };
  const plan = await planNodes(torDir, sizes);
  const start = new TestnetStart(plan, tools, options);
  try {
    await start.run();
    const info = buildInfo(plan, sizes, authorityEntries(plan), start.runningFacts(), Date.now() - startedAt);
    report(options, 'testnet:ready', { startupMs: info.startupMs });
    log.info(`private Tor network ready in ${info.startupMs} ms`);
    return start.fleet.handle(info);
  } catch (err) {
    await start.fleet.close().catch((closeErr: unknown) => log.error('cannot stop the testnet tors after a failed start (report this bug):', closeErr));
    throw start.explain(err);
  }
}

/** The state of one start: the tors spawned so far, their control ports, and what each one knows. */
class TestnetStart {
  readonly fleet = new Fleet();
  readonly #plan: readonly NodePlan[];
  readonly #tools: ToolPaths;
  readonly #options: StartTorTestnetOptions;
  /** Aborted with the VeilError of the first tor that exits while we wait, so that every wait ends at once. */
  readonly #failure = new AbortController();
  readonly #signal: AbortSignal;
  readonly #controlPorts = new Map<string, number>();
  readonly #views = new Map<string, { target: ReadyTarget; view: TorView }>();

  constructor(plan: readonly NodePlan[], tools: ToolPaths, options: StartTorTestnetOptions) {
    this.#plan = plan;
    this.#tools = tools;
    this.#options = options;
    const deadline = withTimeout(options.signal, options.readyTimeoutMs ?? TESTNET_DEFAULTS.readyTimeoutMs);
    this.#signal = anySignal([deadline, this.#failure.signal]);
  }

  async run(): Promise<void> {
    const options = this.#options;
    report(options, 'testnet:keys', { nodes: this.#plan.length });
    await makeKeys(this.#tools, this.#plan, { signal: this.#signal });
    await writeTorrcs(this.#plan, authorityEntries(this.#plan), this.#fingerprints('exit'), this.#tools.emptyTorrc, options.detached === true);

    // Stage 1: authorities and relays. Relays ask for the consensus before the authorities have voted, get
    // 404s and back off for up to ~10 s; once the first authority holds a complete consensus, RELOAD makes
    // them fetch at once. Then wait until every one of them holds the consensus and every descriptor (they are
    // the directory caches clients ask).
    const servers = this.#plan.filter((n) => n.role !== 'client');
    const alignMs = firstVoteAlignmentDelayMs(Date.now());
    if (alignMs > 0) {
      log.debug(`waiting ${alignMs} ms to start the authorities early in the voting cycle`);
      await delay(alignMs, { signal: this.#signal });
    }
    await this.#spawn(servers);
    report(options, 'testnet:relays-started', { count: servers.length });
    await this.#waitReady(servers.slice(0, 1));
    report(options, 'testnet:consensus', { relays: servers.length, exits: this.#fingerprints('exit').length });
    const relays = servers.filter((n) => n.role !== 'authority');
    await Promise.all(relays.map((n) => reloadTor(this.#target(n), { signal: this.#signal })));
    await this.#waitReady(servers);
    report(options, 'testnet:relays-ready', { count: servers.length });

    // Stage 2: clients, until each has bootstrapped and holds the consensus and every descriptor.
    const clients = this.#plan.filter((n) => n.role === 'client');
    await this.#spawn(clients);
    report(options, 'testnet:clients-started', { count: clients.length });
    await this.#waitReady(clients);
  }

  runningFacts(): { pids: Map<string, number>; controlPorts: Map<string, number> } {
    return { pids: new Map([...this.fleet.processes].map((p) => [p.name, p.pid])), controlPorts: this.#controlPorts };
  }

  /** The error to throw for a failed start: the user's abort, a tor that exited, or NOT_READY with each tor's view. */
  explain(err: unknown): unknown {
    const userSignal = this.#options.signal;
    if (userSignal?.aborted) return abortError(userSignal, WHAT);
    if (!this.#signal.aborted) return err;
    const reason = abortError(this.#signal, WHAT);
    if (reason.code !== 'VEIL_TIMEOUT') return reason;
    const details = [...this.#views.values()].map(({ target, view }) => describeView(target, view));
    return notReadyError(details.length > 0 ? details : ['the tors did not report their control ports'], err);
  }

  #fingerprints(role: 'exit' | 'relays'): string[] {
    const nodes = this.#plan.filter((n) => (role === 'exit' ? n.role === 'exit' : n.role !== 'client'));
    return nodes.map((n) => n.fingerprint ?? '');
  }

  async #spawn(nodes: readonly NodePlan[]): Promise<void> {
    const spawned: TorProcess[] = [];
    for (const node of nodes) {
      throwIfAborted(this.#signal, WHAT);
      const tor = await TorProcess.spawn({
        name: node.name,
        torBinary: this.#tools.torBinary,
        dataDir: node.dataDir,
        emptyTorrc: this.#tools.emptyTorrc,
        detached: this.#options.detached === true,
        stopTimeoutMs: this.#options.stopTimeoutMs ?? TESTNET_DEFAULTS.stopTimeoutMs,
      });
      this.fleet.adopt(tor);
      spawned.push(tor);
      void tor.exited.then(async () => {
        if (this.fleet.isClosing || this.fleet.isStarted || this.#failure.signal.aborted) return;
        this.#failure.abort(await tor.exitError('while the network was starting'));
      });
    }
    await Promise.all(spawned.map(async (p) => this.#controlPorts.set(p.name, await p.waitControlPort({ signal: this.#signal }))));
  }

  #target(n: NodePlan): ReadyTarget {
    return {
      name: n.name,
      isClient: n.role === 'client',
      controlPort: this.#controlPorts.get(n.name) ?? 0,
      cookiePath: join(n.dataDir, NODE_FILES.cookie),
      relayFingerprints: this.#fingerprints('relays'),
      exitFingerprints: this.#fingerprints('exit'),
    };
  }

  async #waitReady(nodes: readonly NodePlan[]): Promise<void> {
    await Promise.all(
      nodes.map((n) => {
        const entry = { target: this.#target(n), view: newTorView() };
        this.#views.set(n.name, entry);
        return waitTorReady(entry.target, entry.view, { signal: this.#signal, onProgress: this.#options.onProgress });
      }),
    );
  }
}

/** Owns the started tors: closes them all in parallel. */
class Fleet implements Closable {
  readonly processes = new Set<TorProcess>();
  #closing: Promise<void> | undefined;
  #isStarted = false;

  get isClosing(): boolean {
    return this.#closing !== undefined;
  }

  /** True once the network was handed to the caller: a tor that dies after that is only a warning. */
  get isStarted(): boolean {
    return this.#isStarted;
  }

  adopt(tor: TorProcess): void {
    this.processes.add(tor);
  }

  close(): Promise<void> {
    this.#closing ??= Promise.all([...this.processes].map((p) => p.close())).then(() => undefined);
    return this.#closing;
  }

  handle(info: TorTestnetInfo): TorTestnetHandle {
    this.#isStarted = true;
    const exits: Promise<string>[] = [];
    for (const p of this.processes) {
      void p.exited.then((exit) => {
        if (this.isClosing) return;
        log.warn(`testnet tor ${p.name} (pid ${p.pid}) exited unexpectedly (${exit.signal ?? `exit ${exit.code}`})`);
        exits.push(p.exitError('while the tests ran').then((e) => e.message));
      });
    }
    return {
      info,
      unexpectedExits: () => Promise.all(exits),
      close: () => this.close(),
      [Symbol.asyncDispose]: () => this.close(),
    };
  }
}
