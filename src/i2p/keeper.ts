/**
 * Keeps an i2pd running: when the process exits without being asked to (i2pd 2.45 can abort on a heap
 * corruption when SAM sessions end abruptly, see SamClient#endStreams), it is started again with the same data
 * folder and ports, after a back-off. The SAM bridge then comes back where it was, and SAM clients re-create
 * their sessions (the node's I2pRuntime does). Used for the i2pd a node launches (`[i2p] launch = true`) and for
 * the routers of the private test network.
 *
 * Every exit is remembered with the last lines of the router's log, for status and for the test run's report.
 */
import { readFile } from 'node:fs/promises';
import { delay, logger, quoteUntrusted, report, type Closable, type ProgressOptions } from '../core/index.js';
import type { I2pdExit } from './i2pd-process.js';

const log = logger('veil:i2p:keeper');

/** The part of a started i2pd the keeper needs. */
export interface KeptProcess {
  readonly pid: number;
  readonly exited: Promise<I2pdExit>;
  close(): Promise<void>;
}

export interface KeepI2pdOptions extends ProgressOptions {
  /** Name in log lines and reports (`i2pd r3`, `the node's i2pd`). */
  readonly name: string;
  /** The router's log file, quoted when it exits. */
  readonly logFile?: string | undefined;
  /** Starts the router again (same folder and ports) and resolves once it is ready; rejects if it cannot. */
  readonly restart: (signal: AbortSignal) => Promise<KeptProcess>;
  /** First wait before a restart (default 1 s); doubles while restarts fail or the router dies young, up to backoffMaxMs. */
  readonly backoffStartMs?: number;
  readonly backoffMaxMs?: number;
  /** A router that ran this long is healthy again: the back-off starts over (default 60 s). */
  readonly healthyAfterMs?: number;
}

/** One unexpected exit, as seen by the keeper. */
export interface I2pdExitRecord {
  readonly pid: number;
  readonly at: Date;
  readonly how: string;
  /** Last lines of the router's log (quoted, untrusted). */
  readonly logTail: string;
}

export class KeptI2pd implements Closable {
  readonly #options: KeepI2pdOptions;
  readonly #stop = new AbortController();
  readonly #exits: I2pdExitRecord[] = [];
  #current: KeptProcess;
  #startedAt = Date.now();
  #loop: Promise<void>;
  #closing: Promise<void> | undefined;

  /** Watches `first` (already started and ready) and restarts it whenever it exits before close(). */
  constructor(first: KeptProcess, options: KeepI2pdOptions) {
    this.#options = options;
    this.#current = first;
    this.#loop = this.#watch();
  }

  /** PID of the router running now (or of the last one, while a restart is pending). */
  get pid(): number {
    return this.#current.pid;
  }

  /** Unexpected exits so far, oldest first. */
  get exits(): readonly I2pdExitRecord[] {
    return this.#exits;
  }

  async #watch(): Promise<void> {
    const stop = this.#stop.signal;
    const startMs = this.#options.backoffStartMs ?? 1000;
    const maxMs = this.#options.backoffMaxMs ?? 30_000;
    let wait = startMs;
    while (!stop.aborted) {
      const proc = this.#current;
      const exit = await proc.exited;
      if (stop.aborted) return;
      const record = await this.#record(proc.pid, exit);
      log.warn(`${this.#options.name} (pid ${proc.pid}) exited by itself (${record.how}); starting it again. Its log ended with: ${record.logTail}`);
      report(this.#options, 'i2pd:exited', { name: this.#options.name, pid: proc.pid, how: record.how });
      if (Date.now() - this.#startedAt >= (this.#options.healthyAfterMs ?? 60_000)) wait = startMs;
      for (;;) {
        try {
          await delay(wait, { signal: stop });
        } catch {
          return; // closed while waiting
        }
        wait = Math.min(wait * 2, maxMs);
        try {
          const next = await this.#options.restart(stop);
          if (stop.aborted) {
            await next.close();
            return;
          }
          this.#current = next;
          this.#startedAt = Date.now();
          log.warn(`${this.#options.name} started again, pid ${next.pid}`);
          report(this.#options, 'i2pd:restarted', { name: this.#options.name, pid: next.pid, restarts: this.#exits.length });
          break;
        } catch (err) {
          if (stop.aborted) return;
          log.warn(`${this.#options.name} could not be started again (retrying in ${Math.round(wait / 1000)} s):`, (err as Error).message);
        }
      }
    }
  }

  async #record(pid: number, exit: I2pdExit): Promise<I2pdExitRecord> {
    let tail = '';
    if (this.#options.logFile) {
      try {
        tail = (await readFile(this.#options.logFile, 'utf8')).slice(-4096).split('\n').filter(Boolean).slice(-3).join(' | ');
      } catch {
        tail = '(log not readable)';
      }
    }
    const record = { pid, at: new Date(), how: exit.signal ?? `exit status ${String(exit.code)}`, logTail: tail ? quoteUntrusted(tail, 600) : '' };
    this.#exits.push(record);
    return record;
  }

  /** Stops watching and stops the router (SIGTERM, then SIGKILL after its bound). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stop.abort();
      await this.#current.close(); // its exit ends the watch (which sees the stop)
      await this.#loop;
      await this.#current.close(); // in case a restart finished meanwhile (the watch closes that one too)
    })();
    return this.#closing;
  }
}
