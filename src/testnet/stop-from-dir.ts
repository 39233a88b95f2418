/**
 * stopTestnetFromDir: stops a network started by another process (`veil testnet down`), from what the
 * directory records: the PIDs in `<dir>/testnet.json` and the PidFile of each tor under `<dir>/tor/`
 * (present even when the starting process died before writing testnet.json).
 *
 * Each PID is signalled only if it is still a tor (or i2pd) whose command line points inside `dir`
 * (process-check.ts): a recycled PID is never touched.
 */
import { join, resolve } from 'node:path';
import { VeilError, isVeilError, logger, throwIfAborted, type AbortOptions } from '../core/index.js';
import { TESTNET_DEFAULTS } from './defaults.js';
import { readInfo } from './info-file.js';
import { recordedTorPids, isTestnetProcess, sendSignal, waitGone } from './process-check.js';
import type { TestnetInfo } from './types.js';

const log = logger('veil:testnet:stop');
/** After SIGKILL the kernel frees the process at once; this bounds the wait for it to disappear. */
const KILL_WAIT_MS = 2_000;

export interface StopTestnetOptions extends AbortOptions {
  /** Wait after SIGTERM before SIGKILL, in milliseconds (default 5 000). */
  readonly stopTimeoutMs?: number;
}

export interface StopTestnetResult {
  /** PIDs that were running and are now gone. */
  readonly stopped: readonly number[];
  /** Recorded PIDs that were already gone or belong to another program now (left alone). */
  readonly skipped: readonly number[];
}

/**
 * Stops every recorded process of the testnet in `dir` (SIGTERM, bounded wait, SIGKILL) and resolves once all
 * are gone. Safe to call twice (the second call stops nothing). Throws VEIL_TESTNET_INFO_INVALID when the
 * directory records no network at all, VEIL_TESTNET_STOP_FAILED when a process cannot be signalled or survives
 * SIGKILL. Honours `signal`.
 */
export async function stopTestnetFromDir(dir: string, options: StopTestnetOptions = {}): Promise<StopTestnetResult> {
  const root = resolve(dir);
  throwIfAborted(options.signal, 'stop the private test network');
  const pids = await recordedPids(root);
  const running: number[] = [];
  const skipped: number[] = [];
  for (const pid of pids) {
    if (await isTestnetProcess(pid, root)) running.push(pid);
    else skipped.push(pid);
  }
  if (skipped.length > 0) log.debug(`left alone (gone or not a testnet process): ${skipped.join(', ')}`);

  const timeoutMs = options.stopTimeoutMs ?? TESTNET_DEFAULTS.stopTimeoutMs;
  const results = await Promise.allSettled(running.map((pid) => stopOne(pid, timeoutMs, options)));
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new VeilError('VEIL_TESTNET_STOP_FAILED', `cannot stop ${errors.length} testnet processes: ${errors.map((e) => (e as Error).message).join('; ')}`, {
      cause: new AggregateError(errors),
    });
  }
  return { stopped: running, skipped };
}

async function stopOne(pid: number, timeoutMs: number, options: AbortOptions): Promise<void> {
  try {
    if (!sendSignal(pid, 'SIGTERM')) return;
  } catch (err) {
    throw new VeilError('VEIL_TESTNET_STOP_FAILED', `cannot signal testnet process ${pid}: ${(err as NodeJS.ErrnoException).code ?? 'kill failed'}`, { cause: err, details: { pid } });
  }
  if (await waitGone(pid, timeoutMs, options)) return;
  log.warn(`testnet process ${pid} ignored SIGTERM for ${timeoutMs} ms: sending SIGKILL`);
  try {
    if (!sendSignal(pid, 'SIGKILL')) return;
  } catch (err) {
    throw new VeilError('VEIL_TESTNET_STOP_FAILED', `cannot kill testnet process ${pid}: ${(err as NodeJS.ErrnoException).code ?? 'kill failed'}`, { cause: err, details: { pid } });
  }
  if (!(await waitGone(pid, KILL_WAIT_MS, options))) {
    throw new VeilError('VEIL_TESTNET_STOP_FAILED', `testnet process ${pid} is still running after SIGKILL`, { details: { pid } });
  }
}

/** PIDs from testnet.json (tor nodes and clients, i2p routers) and from the tor PidFiles, without duplicates. */
async function recordedPids(root: string): Promise<number[]> {
  const pids = new Set<number>();
  let info: TestnetInfo | undefined;
  try {
    info = await readInfo(root);
  } catch (err) {
    if (!isVeilError(err, 'VEIL_TESTNET_INFO_INVALID')) throw err;
    log.debug('no usable testnet.json, using the PidFiles only:', err);
  }
  for (const n of info?.tor?.nodes ?? []) pids.add(n.pid);
  for (const c of info?.tor?.clients ?? []) pids.add(c.pid);
  for (const r of info?.i2p?.routers ?? []) pids.add(r.pid);

  const recorded = await recordedTorPids(join(root, TESTNET_DEFAULTS.torSubdir));
  for (const pid of recorded.values()) if (pid !== undefined) pids.add(pid);
  if (info === undefined && recorded.size === 0) {
    throw new VeilError('VEIL_TESTNET_INFO_INVALID', 'no private test network is recorded in this directory (no testnet.json, no tor/)', {
      details: { dir: root },
    });
  }
  return [...pids].filter((p) => Number.isInteger(p) && p > 1);
}

