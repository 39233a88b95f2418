/**
 * Owner of one tor child process: spawn, a bounded tail of its output for error messages, and stop
 * (SIGTERM, a bounded wait, then SIGKILL; resolves only after 'exit').
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { VeilError, logger } from '../../core/index.js';

const log = logger('veil:tor:launch');

export interface TorExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Keeps the last `maxBytes` of a stream (tor's early output, before its log file is configured). */
class OutputTail {
  #text = '';
  constructor(readonly maxBytes: number) {}
  add(chunk: Buffer): void {
    this.#text = (this.#text + chunk.toString('utf8')).slice(-this.maxBytes);
  }
  toString(): string {
    return this.#text.trim();
  }
}

export class TorChild {
  readonly #child: ChildProcess;
  readonly #tail = new OutputTail(4096);
  readonly exited: Promise<TorExit>;
  #exit: TorExit | undefined;
  #stopping: Promise<TorExit> | undefined;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.stdout?.on('data', (c: Buffer) => this.#tail.add(c));
    child.stderr?.on('data', (c: Buffer) => this.#tail.add(c));
    this.exited = new Promise<TorExit>((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        log.debug('tor exited', code, signal);
        resolve(this.#exit);
      });
    });
  }

  /**
   * Starts `executable args` and resolves once the process has spawned. Throws VEIL_TOR_LAUNCH_NOT_FOUND
   * when it cannot be started.
   */
  static async spawn(executable: string, args: readonly string[]): Promise<TorChild> {
    const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        child.off('spawn', onSpawn);
        reject(
          new VeilError('VEIL_TOR_LAUNCH_NOT_FOUND', `cannot start tor (${executable}): ${err.code ?? err.message}`, {
            cause: err,
            details: { errno: err.code },
          }),
        );
      };
      const onSpawn = (): void => {
        child.off('error', onError);
        resolve();
      };
      child.once('error', onError);
      child.once('spawn', onSpawn);
    });
    child.on('error', (err) => log.warn('tor process error:', err));
    return new TorChild(child);
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get exitStatus(): TorExit | undefined {
    return this.#exit;
  }

  /** The last lines tor printed (for error messages; never contains secrets in tor's default SafeLogging). */
  get outputTail(): string {
    return this.#tail.toString();
  }

  /** SIGTERM, wait up to `timeoutMs`, then SIGKILL; resolves after 'exit'. Idempotent. */
  stop(timeoutMs: number): Promise<TorExit> {
    this.#stopping ??= this.#stop(timeoutMs);
    return this.#stopping;
  }

  async #stop(timeoutMs: number): Promise<TorExit> {
    if (this.#exit) return this.#exit;
    this.#child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    try {
      const first = await Promise.race([this.exited, timedOut]);
      if (first !== 'timeout') return first;
    } finally {
      clearTimeout(timer);
    }
    log.warn('tor did not exit after SIGTERM, sending SIGKILL; pid', this.pid);
    this.#child.kill('SIGKILL');
    return this.exited;
  }
}
