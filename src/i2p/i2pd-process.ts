/**
 * One i2pd child process and its lifetime. We stay its parent (PID 1 in containers may not reap orphans).
 * close(): SIGTERM (a fast stop; SIGINT would be i2pd's graceful stop of up to 10 min), wait for `exit`
 * with a bound, then SIGKILL and wait again. Resolves only once the process is gone. Idempotent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { VeilError, logger, sensitive, type Closable } from '../core/index.js';
import { I2P_DEFAULTS } from './defaults.js';
import { i2pdArgs } from './i2pd-conf.js';

const log = logger('veil:i2p:i2pd');

/** Path of util-linux's setpriv, looked up once in the usual system folders (never through a shell). */
let setprivPath: string | null | undefined;
function findSetpriv(): string | undefined {
  if (setprivPath === undefined) {
    setprivPath = null;
    for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
      try {
        accessSync(`${dir}/setpriv`, constants.X_OK);
        setprivPath = `${dir}/setpriv`;
        break;
      } catch {
        // not in this folder
      }
    }
  }
  return setprivPath ?? undefined;
}
const STDERR_TAIL_BYTES = 4096;

export interface I2pdExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class I2pdProcess implements Closable {
  readonly pid: number;
  readonly dataDir: string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<I2pdExit>;
  readonly #child: ChildProcess;
  #exit: I2pdExit | undefined;
  #stderr = '';
  #closing: Promise<void> | undefined;
  readonly #stopTimeoutMs: number;

  private constructor(child: ChildProcess, dataDir: string, stopTimeoutMs: number) {
    this.#child = child;
    this.pid = child.pid!;
    this.dataDir = dataDir;
    this.#stopTimeoutMs = stopTimeoutMs;
    this.exited = new Promise<I2pdExit>((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
  }

  /**
   * Starts `executable` with every path pinned inside dataDir (its i2pd.conf must already exist).
   * Throws VEIL_I2PD_LAUNCH_FAILED when the process cannot be spawned.
   */
  static async start(executable: string, dataDir: string, options: { stopTimeoutMs?: number; dieWithParent?: boolean } = {}): Promise<I2pdProcess> {
    // i2pd has nothing like tor's __OwningControllerProcess. With dieWithParent it is started through util-linux's
    // setpriv, which sets the parent-death signal (prctl PR_SET_PDEATHSIG) and then execs i2pd in the same process:
    // the kernel sends SIGTERM to i2pd when Veil dies, even by SIGKILL.
    const setpriv = options.dieWithParent ? findSetpriv() : undefined;
    if (options.dieWithParent && !setpriv) log.warn('setpriv (util-linux) not found: the launched i2pd will outlive Veil if Veil is killed');
    const [command, args] = setpriv ? [setpriv, ['--pdeathsig', 'SIGTERM', '--', executable, ...i2pdArgs(dataDir)]] : [executable, i2pdArgs(dataDir)];
    const child = spawn(command, args, { cwd: dataDir, stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        child.off('spawn', onSpawn);
        reject(new VeilError('VEIL_I2PD_LAUNCH_FAILED', `cannot start i2pd (${executable}): ${err.message}`, { cause: err }));
      };
      const onSpawn = (): void => {
        child.off('error', onError);
        resolve();
      };
      child.once('error', onError);
      child.once('spawn', onSpawn);
    });
    child.on('error', (err) => log.warn('i2pd process error', err));
    log.debug('i2pd started, pid', child.pid, 'datadir', sensitive(dataDir));
    return new I2pdProcess(child, dataDir, options.stopTimeoutMs ?? I2P_DEFAULTS.stopTimeoutMs);
  }

  get isRunning(): boolean {
    return this.#exit === undefined;
  }

  /** Last bytes i2pd wrote to stderr (for error messages; i2pd logs to its file). */
  get stderrTail(): string {
    return this.#stderr;
  }

  /** An error describing an unexpected exit, for callers waiting on something else. */
  exitError(what: string): VeilError {
    const e = this.#exit;
    const how = e ? (e.signal ? `signal ${e.signal}` : `status ${String(e.code)}`) : 'unknown status';
    return new VeilError('VEIL_I2PD_EXITED', `${what}: i2pd (pid ${this.pid}) exited with ${how}`, {
      details: { stderr: this.#stderr.slice(-500), logFile: `${this.dataDir}/i2pd.log` },
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#stop();
    return this.#closing;
  }

  async #stop(): Promise<void> {
    if (this.#exit) return;
    this.#child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#stopTimeoutMs);
    });
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') {
      log.warn('i2pd did not stop after SIGTERM; sending SIGKILL, pid', this.pid);
      this.#child.kill('SIGKILL');
      await this.exited;
    }
  }
}
