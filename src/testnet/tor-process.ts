/**
 * One tor process of the private network: spawned with `-f <its torrc> --defaults-torrc <empty file>` (never
 * /etc/tor/torrc), its output appended to a file in its DataDirectory, its control port read from
 * ControlPortWriteToFile, stopped with SIGTERM, a bounded wait, then SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VeilError, abortError, logger, quoteUntrusted, sensitive, throwIfAborted, type AbortOptions, type Closable } from '../core/index.js';
import { NODE_FILES } from './torrc.js';

const log = logger('veil:testnet:tor');
const MAX_TAIL_BYTES = 8 * 1024;

export interface SpawnTorOptions {
  readonly name: string;
  readonly torBinary: string;
  readonly dataDir: string;
  readonly emptyTorrc: string;
  /** Start tor in its own process group, so that it outlives us (`veil testnet up`). */
  readonly detached: boolean;
  /** Bound on the wait after SIGTERM before SIGKILL, in milliseconds. */
  readonly stopTimeoutMs: number;
}

export interface TorExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class TorProcess implements Closable {
  readonly name: string;
  readonly pid: number;
  readonly dataDir: string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<TorExit>;
  #exit: TorExit | undefined;
  #closing: Promise<void> | undefined;
  readonly #child: ChildProcess;
  readonly #stopTimeoutMs: number;

  private constructor(options: SpawnTorOptions, child: ChildProcess, pid: number, exited: Promise<TorExit>) {
    this.name = options.name;
    this.dataDir = options.dataDir;
    this.pid = pid;
    this.#child = child;
    this.#stopTimeoutMs = options.stopTimeoutMs;
    this.exited = exited.then((e) => (this.#exit = e));
  }

  /**
   * Starts tor on `<dataDir>/torrc`. Resolves once the process exists (not once it is ready: see
   * waitControlPort). Throws VEIL_TESTNET_TOR_EXITED when tor cannot be executed.
   */
  static async spawn(options: SpawnTorOptions): Promise<TorProcess> {
    const torrc = join(options.dataDir, NODE_FILES.torrc);
    const out = await open(join(options.dataDir, NODE_FILES.output), 'a');
    let child: ChildProcess;
    let exited: Promise<TorExit>;
    let spawned: Promise<number>;
    try {
      child = spawn(options.torBinary, ['-f', torrc, '--defaults-torrc', options.emptyTorrc], {
        stdio: ['ignore', out.fd, out.fd],
        detached: options.detached,
      });
      // Listeners go on before any await: 'spawn' and 'error' fire on a later tick.
      const c = child;
      exited = new Promise<TorExit>((resolve) => c.once('exit', (code, signal) => resolve({ code, signal })));
      spawned = new Promise<number>((resolve, reject) => {
        c.once('spawn', () => resolve(c.pid ?? -1));
        c.once('error', (err: NodeJS.ErrnoException) =>
          reject(new VeilError('VEIL_TESTNET_TOR_EXITED', `cannot start tor ${options.name}: ${err.code ?? err.message}`, { cause: err })),
        );
      });
    } finally {
      await out.close();
    }
    const pid = await spawned;
    child.on('error', (err) => log.warn(`tor ${options.name} (pid ${pid}): cannot signal:`, err));
    if (options.detached) child.unref();
    log.debug(`started tor ${options.name} pid ${pid}`);
    return new TorProcess(options, child, pid, exited);
  }

  get hasExited(): boolean {
    return this.#exit !== undefined;
  }

  /**
   * Waits for the control port tor writes to the ControlPortWriteToFile file (`PORT=127.0.0.1:N`; tor(1)
   * ControlPortWriteToFile). Rejects with VEIL_TESTNET_TOR_EXITED if tor exits first. Honours `signal`.
   */
  async waitControlPort(options: AbortOptions = {}): Promise<number> {
    const what = `wait for the control port of tor ${this.name}`;
    throwIfAborted(options.signal, what);
    const file = join(this.dataDir, NODE_FILES.controlPortFile);
    let watcher: FSWatcher | undefined;
    let onAbort: (() => void) | undefined;
    try {
      return await new Promise<number>((resolve, reject) => {
        let settled = false;
        const finish = (fn: () => void): void => {
          if (settled) return;
          settled = true;
          fn();
        };
        const check = (): void => {
          readFile(file, 'latin1').then(
            (text) => {
              const m = /^PORT=127\.0\.0\.1:(\d{1,5})$/m.exec(text);
              if (m?.[1]) finish(() => resolve(Number(m[1])));
            },
            (err: NodeJS.ErrnoException) => {
              if (err.code !== 'ENOENT') finish(() => reject(err));
            },
          );
        };
        // Subscribe before the first check, so that a file written in between is not missed.
        watcher = watch(dirname(file), (_event, changed) => {
          if (changed === null || changed === basename(file)) check();
        });
        watcher.on('error', (err) => finish(() => reject(err)));
        void this.exited.then(() => finish(() => void this.exitError('before its control port was ready').then(reject, reject)));
        onAbort = (): void => finish(() => reject(abortError(options.signal!, what)));
        options.signal?.addEventListener('abort', onAbort, { once: true });
        check();
      });
    } finally {
      watcher?.close();
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** A VEIL_TESTNET_TOR_EXITED error quoting tor's last warnings (its stdout before logging starts, then notice.log). */
  async exitError(when: string): Promise<VeilError> {
    const exit = this.#exit;
    const status = exit ? (exit.signal ?? `exit ${exit.code}`) : 'running';
    const warnings = [...(await this.#warnings(NODE_FILES.output)), ...(await this.#warnings(NODE_FILES.noticeLog))];
    const errors = warnings.filter((l) => l.includes('[err]'));
    const quoted = (errors.length > 0 ? errors : warnings).slice(-3).join(' | ');
    return new VeilError('VEIL_TESTNET_TOR_EXITED', `tor ${this.name} stopped (${status}) ${when}: ${quoteUntrusted(quoted, 600)}`, {
      details: { name: this.name, pid: this.pid, dataDir: this.dataDir },
    });
  }

  /** The [warn] and [err] lines at the end of one of tor's output files (empty when it does not exist). */
  async #warnings(file: string): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(join(this.dataDir, file), 'utf8');
    } catch (err) {
      log.debug(`cannot read ${sensitive(file)} of tor ${this.name}:`, err);
      return [];
    }
    return text
      .slice(-MAX_TAIL_BYTES)
      .split('\n')
      .filter((l) => /\[(warn|err)\]/.test(l));
  }

  /** SIGTERM, wait up to stopTimeoutMs, then SIGKILL; resolves once the process has exited. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= this.#stop();
    return this.#closing;
  }

  async #stop(): Promise<void> {
    if (this.#exit) return;
    this.#child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.#stopTimeoutMs);
    });
    try {
      const isTimedOut = await Promise.race([this.exited.then(() => false), timedOut]);
      if (isTimedOut) {
        log.warn(`tor ${this.name} (pid ${this.pid}) ignored SIGTERM for ${this.#stopTimeoutMs} ms: sending SIGKILL`);
        this.#child.kill('SIGKILL');
        await this.exited;
      }
    } finally {
      clearTimeout(timer);
    }
    log.debug(`tor ${this.name} exited`);
  }
}
