/**
 * Checks on processes we did not necessarily start ourselves (a network started by another `veil` process):
 * before signalling a recorded PID we make sure it is still a tor (or i2pd) of *this* testnet directory,
 * because PIDs are reused. Linux only (/proc), like the rest of the testnet.
 */
import { readFile, readdir } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { delay, logger, type AbortOptions } from '../core/index.js';
import { NODE_FILES } from './torrc.js';

const log = logger('veil:testnet:process');

/** Executable names the testnet may own. */
const OWNED_EXECUTABLES = new Set(['tor', 'i2pd']);

/** The argument vector of a live process, or undefined when it is gone (or a zombie). */
export async function readCmdline(pid: number): Promise<string[] | undefined> {
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    if (await isZombieOrGone(pid)) return undefined;
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    const args = raw.split('\0');
    if (args.at(-1) === '') args.pop();
    return args.length > 0 ? args : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    throw err;
  }
}

/**
 * True when `pid` is a live tor/i2pd whose command line names a path inside `dir` (e.g. `-f DIR/tor/auth1/torrc`
 * or `--datadir=DIR/i2p/r1`).
 */
export async function isTestnetProcess(pid: number, dir: string): Promise<boolean> {
  const args = await readCmdline(pid);
  if (!args?.[0] || !OWNED_EXECUTABLES.has(basename(args[0]))) return false;
  const prefix = resolve(dir) + sep;
  return args.slice(1).some((a) => a.startsWith(prefix) || a.includes(`=${prefix}`));
}

/** True once the process no longer exists or is a zombie waiting to be reaped (it holds no sockets then). */
export async function isZombieOrGone(pid: number): Promise<boolean> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'latin1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw err;
  }
  // "pid (comm) state ...": comm may contain spaces and parentheses, so take the state after the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

/**
 * Waits until the process is gone, up to `timeoutMs`. A process that is not our child sends us no event when it
 * exits (Node has no pidfd), so this is the one place that polls: every `intervalMs`, with a deadline.
 * Returns false on timeout. Honours `signal`.
 */
export async function waitGone(pid: number, timeoutMs: number, options: AbortOptions & { intervalMs?: number } = {}): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await isZombieOrGone(pid)) return true;
    if (Date.now() >= deadline) return false;
    await delay(options.intervalMs ?? 50, options);
  }
}

/** Sends `signal` to `pid`; false when the process is already gone. Other errors (EPERM) are thrown. */
export function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') {
      log.debug(`pid ${pid} already gone before ${signal}`);
      return false;
    }
    throw err;
  }
}

/** The PID in a tor PidFile, or undefined when the file is absent (tor removes it on a clean exit). */
export async function readPidFile(path: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'latin1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/**
 * The PID file of every tor under `torDir` (one folder per tor), by folder name; undefined where the folder has
 * no readable PID file. An absent `torDir` gives an empty map.
 */
export async function recordedTorPids(torDir: string): Promise<Map<string, number | undefined>> {
  const out = new Map<string, number | undefined>();
  let names: string[] = [];
  try {
    names = await readdir(torDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const name of names) out.set(name, await readPidFile(join(torDir, name, NODE_FILES.pid)));
  return out;
}
