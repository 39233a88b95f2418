/**
 * Running the real `veil` command in tests: one-shot commands, and long-running `veil run` processes that the
 * test owns (stopped by PID, awaited). Optionally under strace for the leak audit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseStraceAddresses, type AuditedAddress } from './leak-audit.js';

export const VEIL_BIN = fileURLToPath(new URL('../../../bin/veil.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Addresses contacted, when run under strace. */
  readonly addresses: AuditedAddress[];
}

export interface RunOptions {
  readonly strace?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

function argvFor(args: readonly string[], traceFile: string | undefined): [string, string[]] {
  const base = [VEIL_BIN, ...args];
  if (!traceFile) return [process.execPath, base];
  return ['strace', ['-f', '-qq', '-e', 'trace=connect,sendto,sendmsg', '-o', traceFile, '--', process.execPath, ...base]];
}

/** Runs `veil ARGS` to completion (killed after timeoutMs, default 120 s). */
export async function veil(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const dir = options.strace ? mkdtempSync(join(tmpdir(), 'veil-trace-')) : undefined;
  const traceFile = dir ? join(dir, 'trace') : undefined;
  try {
    const [cmd, argv] = argvFor(args, traceFile);
    const child = spawn(cmd, argv, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(timer);
    const addresses = traceFile ? parseStraceAddresses(readFileSync(traceFile, 'utf8')) : [];
    return { code, stdout, stderr, addresses };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** A `veil run` process owned by a test. */
export class VeilRun {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  readonly #traceDir: string | undefined;
  readonly #nodeDir: string;

  constructor(nodeDir: string, options: RunOptions = {}) {
    this.#nodeDir = nodeDir;
    this.#traceDir = options.strace ? mkdtempSync(join(tmpdir(), 'veil-trace-')) : undefined;
    const [cmd, argv] = argvFor(['run', nodeDir], this.#traceDir ? join(this.#traceDir, 'trace') : undefined);
    this.child = spawn(cmd, argv, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (c: string) => (this.stdout += c));
    this.child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.stderr += c));
    this.exited = new Promise((resolve) => this.child.on('exit', (c) => resolve(c)));
  }

  /** Resolves once stdout has a line `ready`; rejects if the process exits first or after timeoutMs. */
  async ready(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (/^ready$/m.test(this.stdout)) return;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`veil run exited (${this.child.exitCode ?? this.child.signalCode}) before ready:\n${this.stdout}\n${this.stderr}`);
      }
      if (Date.now() > deadline) throw new Error(`veil run not ready after ${timeoutMs} ms:\n${this.stdout}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * SIGTERM to the node and wait; SIGKILL after 20 s. Returns the exit code. Under strace the signal goes to the
   * traced node itself (its PID from NODEDIR/node.pid): strace would detach on SIGTERM and leave the node running.
   */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const pid = this.#traceDir ? Number(readFileSync(join(this.#nodeDir, 'node.pid'), 'utf8').trim()) : this.child.pid;
      if (pid) process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (pid) process.kill(pid, 'SIGKILL');
        this.child.kill('SIGKILL');
      }, 20_000);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  /** The addresses contacted (after stop), when traced. */
  addresses(): AuditedAddress[] {
    if (!this.#traceDir) return [];
    return parseStraceAddresses(readFileSync(join(this.#traceDir, 'trace'), 'utf8'));
  }

  dispose(): void {
    if (this.#traceDir) rmSync(this.#traceDir, { recursive: true, force: true });
  }
}

/**
 * GET `url` through a Tor SOCKS port with curl (a tool we did not write). A freshly published onion service is not
 * on every HSDir at once, so a few attempts are made, 2 s apart (each bounded by `maxTimeS`).
 */
export async function curlViaTor(
  socksPort: number,
  url: string,
  options: { attempts?: number; maxTimeS?: number; control?: { port: number; cookiePath: string } } = {},
): Promise<string> {
  const { execFile } = await import('node:child_process');
  const attempts = options.attempts ?? 5;
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    // Tor answers a repeated lookup of an onion service it failed to find from memory; NEWNYM clears that.
    if (i > 0 && options.control) await forgetOnionFailures(options.control.port, options.control.cookiePath);
    try {
      return await new Promise<string>((resolve, reject) =>
        execFile('curl', ['-sS', '--fail', '--max-time', String(options.maxTimeS ?? 45), '--socks5-hostname', `127.0.0.1:${socksPort}`, url], (err, stdout, stderr) =>
          err ? reject(new Error(`curl: ${stderr.trim() || err.message}`)) : resolve(stdout),
        ),
      );
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  throw last;
}

/** SIGNAL NEWNYM on a tor's control port: it forgets failed onion service lookups (and uses new circuits). */
export async function forgetOnionFailures(controlPort: number, cookiePath: string): Promise<void> {
  const { openTorControl } = await import('../../src/tor/index.js');
  const { connectLocal } = await import('../../src/net/index.js');
  const { control } = await openTorControl(connectLocal, { kind: 'tcp', host: '127.0.0.1', port: controlPort }, { cookiePath });
  try {
    await control.signal('NEWNYM');
  } finally {
    await control.close();
  }
}

/** Polls `veil status --json` until `predicate` holds (deadline `timeoutMs`). */
export async function waitForStatus(nodeDir: string, predicate: (status: Record<string, any>) => boolean, timeoutMs = 120_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await veil(['status', nodeDir, '--json']);
    if (res.code === 0) {
      const status = JSON.parse(res.stdout) as Record<string, any>;
      if (predicate(status)) return status;
    }
    if (Date.now() > deadline) throw new Error(`status of ${nodeDir} did not reach the expected state in ${timeoutMs} ms: ${res.stdout}${res.stderr}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
