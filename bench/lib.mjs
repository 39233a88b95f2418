// Shared helpers of the benchmarks: owned processes (stopped by PID), cleanups run on exit or Ctrl-C,
// deterministic data, wrk, curl, tables. Every network target is 127.0.0.1.
import { spawn, execFile } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { createWriteStream, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

export const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
export const DIST = join(ROOT, 'dist', 'src');
export const VEIL_BIN = join(ROOT, 'bin', 'veil.js');
export const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

// ---- cleanup registry -------------------------------------------------------------------------------------
const cleanups = [];
/** Registers an async cleanup; run in reverse order by runCleanups() (on exit, error or signal). */
export function defer(fn) {
  cleanups.push(fn);
  return fn;
}
export async function runCleanups() {
  while (cleanups.length > 0) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (err) {
      log(`cleanup failed: ${err?.message ?? err}`);
    }
  }
}
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---- owned child processes --------------------------------------------------------------------------------
/** A child process this benchmark started; stop() signals its PID only, waits, then SIGKILLs. */
export class Owned {
  constructor(cmd, args, options = {}) {
    this.name = options.name ?? cmd;
    this.child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env }, cwd: options.cwd });
    this.pid = this.child.pid;
    this.stdout = '';
    this.stderr = '';
    this.child.stdout.setEncoding('utf8').on('data', (c) => (this.stdout += c));
    this.child.stderr.setEncoding('utf8').on('data', (c) => (this.stderr += c));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, sig) => resolve(code ?? sig)));
    this.child.on('error', (err) => (this.stderr += `spawn error: ${err.message}\n`));
    this.stopSignal = options.stopSignal ?? 'SIGTERM';
    this._unregister = defer(() => this.stop());
  }
  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  /** Resolves with the first match of `re` in stdout (or stderr with `stream: 'stderr'`). */
  async waitFor(re, timeoutMs, stream = 'stdout') {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this[stream]);
      if (m) return m;
      if (!this.running) throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.stdout}\n${this.stderr}`.slice(0, 3000));
      if (Date.now() > deadline) throw new Error(`${this.name}: no ${re} within ${timeoutMs} ms:\n${this.stdout}\n${this.stderr}`.slice(0, 3000));
      // One AbortController per wait: the losing once() listeners are removed (no listener pile-up).
      const ac = new AbortController();
      await Promise.race([once(this.child.stdout, 'data', { signal: ac.signal }), once(this.child.stderr, 'data', { signal: ac.signal }), this.exited, sleep(200)]);
      ac.abort();
    }
  }
  async stop(timeoutMs = 15_000) {
    if (this.running && this.pid) {
      try {
        process.kill(this.pid, this.stopSignal);
      } catch (err) {
        if (err.code !== 'ESRCH') throw err;
      }
      const timer = setTimeout(() => this.running && this.pid && process.kill(this.pid, 'SIGKILL'), timeoutMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resident set size and its peak of a process (kB → MB), from /proc/PID/status. */
export function rssOf(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024 };
}

// ---- deterministic data -----------------------------------------------------------------------------------
/** Incompressible, deterministic bytes: AES-128-CTR keystream of a fixed key/IV over zeros. */
export function* deterministicChunks(size, seed = 1, chunk = 4 * 1024 * 1024) {
  const key = Buffer.alloc(16, seed);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16, 0));
  const zeros = Buffer.alloc(chunk);
  for (let done = 0; done < size; ) {
    const n = Math.min(chunk, size - done);
    yield cipher.update(n === chunk ? zeros : zeros.subarray(0, n));
    done += n;
  }
}
export function deterministicBytes(size, seed = 1) {
  return Buffer.concat([...deterministicChunks(size, seed)]);
}
export async function writeDeterministicFile(path, size, seed = 1) {
  const out = createWriteStream(path);
  for (const c of deterministicChunks(size, seed)) if (!out.write(c)) await once(out, 'drain');
  out.end();
  await once(out, 'close');
}

// ---- tools -----------------------------------------------------------------------------------------------
export function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 120_000, env: { ...process.env, ...options.env } }, (err, stdout, stderr) =>
      err ? reject(Object.assign(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`), { stdout, stderr })) : resolve({ stdout, stderr }),
    );
    defer(() => child.exitCode === null && child.pid && child.kill('SIGKILL'));
  });
}

function toMs(v, unit) {
  return Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit] ?? NaN);
}
/** wrk -t1 -cN -dS --latency URL → { rps, p50Ms, p99Ms, errors, transferMBs }. Loopback URLs only. */
export async function wrk(url, { connections = 16, seconds = 10, threads = 1 } = {}) {
  if (!new URL(url).hostname.startsWith('127.')) throw new Error('wrk: loopback targets only');
  const { stdout } = await run('wrk', [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '--latency', url], { timeoutMs: (seconds + 30) * 1000 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const pct = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)`, 'm').exec(stdout);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const sock = /Socket errors: (.*)/.exec(stdout)?.[1];
  return { rps, p50Ms: pct(50), p99Ms: pct(99), non2xx, socketErrors: sock ?? null };
}

/** GET through a Tor SOCKS port with curl, body to /dev/null: { bytes, seconds }. */
/** With `isolation`, curl sends it as SOCKS user name: Tor then builds a new circuit (IsolateSOCKSAuth), as a new
 *  `veil get` process does for its server. */
export async function curlTor(socksPort, url, { maxTimeS = 120, out = '/dev/null', isolation } = {}) {
  const auth = isolation ? ['--proxy-user', `${isolation}:x`] : [];
  const { stdout } = await run(
    'curl',
    ['-sS', '--fail', '--max-time', String(maxTimeS), '--socks5-hostname', `127.0.0.1:${socksPort}`, ...auth, '-o', out, '-w', '%{size_download} %{time_total}', url],
    { timeoutMs: (maxTimeS + 10) * 1000 },
  );
  const [bytes, seconds] = stdout.trim().split(' ').map(Number);
  return { bytes, seconds };
}

/** Repeats curlTor until it succeeds (a fresh descriptor is not on every HSDir at once); bounded. */
/**
 * Fetches `url` through tor until it answers. `beforeRetry` runs between attempts: the bench passes SIGNAL NEWNYM on
 * the fetching tor, which clears its memory of failed onion lookups, so that a fetch that started before the
 * service's descriptor was uploaded does not keep failing from that memory (the same for every service measured).
 */
export async function firstFetch(socksPort, url, { deadlineMs = 120_000, maxTimeS = 30, beforeRetry } = {}) {
  const end = Date.now() + deadlineMs;
  let attempts = 0;
  let last;
  while (Date.now() < end) {
    attempts++;
    try {
      await curlTor(socksPort, url, { maxTimeS });
      return { attempts };
    } catch (err) {
      last = err;
      await sleep(500);
      await beforeRetry?.();
    }
  }
  throw new Error(`no successful fetch of the onion service within ${deadlineMs} ms (${attempts} attempts): ${last?.message}`);
}

// ---- output ------------------------------------------------------------------------------------------------
export const fmt = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '—' : typeof v === 'number' ? v.toFixed(d) : String(v));

/** Markdown table from rows of arrays. */
export function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c)));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]?.length ?? 0)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(all[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...all.slice(1).map(line)].join('\n');
}

/** Top self-time functions of a CPU profile (.cpuprofile JSON). */
export function summarizeProfile(file, top = 8) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = prof.timeDeltas;
  prof.samples.forEach((id, i) => {
    const n = byId.get(id);
    const cf = n.callFrame;
    const where = cf.url ? cf.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/') : '(native)';
    const key = `${cf.functionName || '(anonymous)'} ${where.split('/').slice(-2).join('/')}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, us]) => ({ fn, percent: Math.round((1000 * us) / total) / 10 }));
}

