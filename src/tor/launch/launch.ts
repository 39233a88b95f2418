/**
 * launchTor: starts a tor that Veil owns. It reads only our torrc (`-f OURTORRC --defaults-torrc EMPTY`),
 * readiness comes from ControlPortWriteToFile (never log lines or sleeps), and ownership is double-bound:
 * `__OwningControllerProcess <our pid>` plus TAKEOWNERSHIP on the control connection, so tor exits when
 * we do, even after SIGKILL. Stopping: SIGTERM, a bounded wait, SIGKILL; close() resolves after 'exit'.
 */
import { watch, type FSWatcher } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import { VeilError, abortError, quoteUntrusted, report, sensitive, logger, throwIfAborted, withTimeout } from '../../core/index.js';
import type { AbortOptions, ProgressOptions } from '../../core/index.js';
import type { LocalEndpoint } from '../../config/index.js';
import { parseReplyArguments } from '../control/command-format.js';
import { openTorControl, type TorDial } from '../control/open.js';
import type { TorControl } from '../control/client.js';
import { buildTorrc } from './torrc.js';
import { TorChild, type TorExit } from './tor-process.js';
import { LAUNCH_DEFAULTS, LAUNCH_FILES } from './defaults.js';

const log = logger('veil:tor:launch');

export interface LaunchTorOptions extends AbortOptions, ProgressOptions {
  /** Gives connected sockets to local endpoints (src/net's connectLocal). */
  readonly dial: TorDial;
  /** Tor's DataDirectory; created with mode 0700. Our torrc and the control-port file live in it too. */
  readonly dataDir: string;
  /** Path or name of the tor executable (default 'tor'). */
  readonly executable?: string;
  /** Extra torrc lines (e.g. a private network's join lines). Keys launchTor manages are refused. */
  readonly torrcLines?: readonly string[];
  /** SOCKS port on 127.0.0.1: 'auto' (default), a number, or 'none'. */
  readonly socksPort?: 'auto' | 'none' | number;
  /** Control port on 127.0.0.1: 'auto' (default) or a number. */
  readonly controlPort?: 'auto' | number;
  /** Adds `DisableNetwork 1` (a lone tor for control-port work). */
  readonly disableNetwork?: boolean;
  /** Allows a tor that reaches the public Tor network (production only; tests never). */
  readonly allowPublicNetwork?: boolean;
  /** Deadline for the control port to become ready, in ms (default LAUNCH_DEFAULTS.startTimeoutMs). */
  readonly startTimeoutMs?: number;
  /** Wait after SIGTERM before SIGKILL, in ms (default LAUNCH_DEFAULTS.stopTimeoutMs). */
  readonly stopTimeoutMs?: number;
}

export interface LaunchedTor extends AsyncDisposable {
  /** Authenticated control connection that owns this tor (TAKEOWNERSHIP). */
  readonly control: TorControl;
  /** The SOCKS listener tor opened; undefined with socksPort 'none' or DisableNetwork (tor opens none). */
  readonly socksEndpoint: LocalEndpoint | undefined;
  readonly controlEndpoint: LocalEndpoint;
  readonly cookiePath: string;
  readonly dataDir: string;
  readonly pid: number;
  /** Resolves when the tor process exits (for whatever reason). */
  readonly exited: Promise<TorExit>;
  /** SIGTERM, bounded wait, SIGKILL; resolves after 'exit' and the control socket closed. Idempotent. */
  close(): Promise<void>;
}

/** Parses a ControlPortWriteToFile file: `PORT=127.0.0.1:1234` or `UNIX_PORT=/path` lines. */
export function parseControlPortFile(text: string): LocalEndpoint | undefined {
  for (const line of text.split('\n')) {
    const tcp = /^PORT=([0-9.]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})\s*$/.exec(line);
    if (tcp) return { kind: 'tcp', host: tcp[1]!.replace(/^\[|\]$/g, ''), port: Number(tcp[2]) };
    const unix = /^UNIX_PORT=(.+?)\s*$/.exec(line);
    if (unix) return { kind: 'unix', path: unix[1]! };
  }
  return undefined;
}

/** Parses GETINFO net/listeners/socks (a list of quoted `host:port` or `unix:path`); the first listener. */
export function parseSocksListeners(value: string): LocalEndpoint | undefined {
  const first = parseReplyArguments(value).positional[0];
  if (first === undefined || first === '') return undefined;
  if (first.startsWith('unix:')) return { kind: 'unix', path: first.slice(5) };
  const m = /^(\[[0-9A-Fa-f:.]+\]|[0-9.]+):(\d{1,5})$/.exec(first);
  if (!m) throw new VeilError('VEIL_TOR_CONTROL_PROTOCOL', `Tor control port sent an unexpected SOCKS listener: ${quoteUntrusted(first)}`);
  return { kind: 'tcp', host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/**
 * Waits until tor has written its control-port file (fs.watch on the directory, plus a slow poll in case
 * the watcher misses tor's rename). Rejects when `exited` settles first or `signal` fires.
 */
async function waitForControlPortFile(path: string, exited: Promise<TorExit>, signal: AbortSignal | undefined): Promise<LocalEndpoint> {
  const what = 'waiting for the tor control port';
  throwIfAborted(signal, what);
  let watcher: FSWatcher | undefined;
  let poll: NodeJS.Timeout | undefined;
  let onAbort: () => void = () => undefined;
  try {
    return await new Promise<LocalEndpoint>((resolve, reject) => {
      let isChecking = false;
      const check = (): void => {
        if (isChecking) return;
        isChecking = true;
        readFile(path, 'utf8').then(
          (text) => {
            isChecking = false;
            const endpoint = parseControlPortFile(text);
            if (endpoint) resolve(endpoint);
          },
          (err: NodeJS.ErrnoException) => {
            isChecking = false;
            if (err.code !== 'ENOENT') reject(new VeilError('VEIL_TOR_LAUNCH_FAILED', `cannot read the tor control-port file: ${err.code ?? err.message}`, { cause: err }));
          },
        );
      };
      watcher = watch(dirname(path), (_event, name) => {
        if (name === null || name === basename(path)) check();
      });
      watcher.on('error', (err) => log.debug('control-port file watcher error:', err));
      poll = setInterval(check, LAUNCH_DEFAULTS.controlPortFilePollMs);
      onAbort = () => reject(abortError(signal!, what));
      signal?.addEventListener('abort', onAbort, { once: true });
      exited.then((exit) => reject(new VeilError('VEIL_TOR_LAUNCH_FAILED', `tor exited (code ${exit.code}, signal ${exit.signal}) before its control port was ready`)));
      check();
    });
  } finally {
    watcher?.close();
    clearInterval(poll);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The warnings and errors of tor's output without timestamps (all of it when there are none), last 600 chars. */
function problemLines(output: string): string {
  const lines = output.split('\n').filter((l) => /\[(warn|err)\]/.test(l));
  const text = (lines.length > 0 ? lines : output.split('\n')).map((l) => l.replace(/^\w{3} \d+ [\d:.]+ /, '')).join('\n');
  return text.slice(-600);
}

async function tailOfFile(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).slice(-2000).trim();
  } catch (err) {
    return `(no log: ${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
}

/**
 * Launches and connects to a tor we own. Throws VEIL_TOR_LAUNCH_UNSAFE (no explicit network choice, or
 * reserved keys in torrcLines), VEIL_TOR_LAUNCH_NOT_FOUND, VEIL_TOR_LAUNCH_FAILED, VEIL_TOR_AUTH_*,
 * VEIL_TOR_CONTROL_*, VEIL_ABORTED/VEIL_TIMEOUT. Honours `signal`; on any failure the tor is stopped
 * before the promise rejects. Reports `tor:launch` progress ({ phase }).
 */
export async function launchTor(options: LaunchTorOptions): Promise<LaunchedTor> {
  throwIfAborted(options.signal, 'launching tor');
  const dataDir = resolvePath(options.dataDir);
  const files = {
    torrc: join(dataDir, LAUNCH_FILES.torrc),
    defaults: join(dataDir, LAUNCH_FILES.emptyDefaults),
    controlPort: join(dataDir, LAUNCH_FILES.controlPort),
    cookie: join(dataDir, LAUNCH_FILES.cookie),
    noticeLog: join(dataDir, LAUNCH_FILES.noticeLog),
  };
  const torrc = buildTorrc({
    torrcLines: options.torrcLines ?? [],
    disableNetwork: options.disableNetwork,
    allowPublicNetwork: options.allowPublicNetwork,
    dataDir,
    controlPortFile: files.controlPort,
    cookiePath: files.cookie,
    noticeLogPath: files.noticeLog,
    socksPort: options.socksPort ?? 'auto',
    controlPort: options.controlPort ?? 'auto',
    ownerPid: process.pid,
  });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  // A stale file from an earlier run would point at a dead port.
  await rm(files.controlPort, { force: true });
  await writeFile(files.torrc, torrc, { mode: 0o600 });
  await writeFile(files.defaults, '', { mode: 0o600 });

  const signal = withTimeout(options.signal, options.startTimeoutMs ?? LAUNCH_DEFAULTS.startTimeoutMs);
  const stopTimeoutMs = options.stopTimeoutMs ?? LAUNCH_DEFAULTS.stopTimeoutMs;
  const child = await TorChild.spawn(options.executable ?? 'tor', ['-f', files.torrc, '--defaults-torrc', files.defaults]);
  log.info('started tor, pid', child.pid, 'data directory', sensitive(dataDir));
  report(options, 'tor:launch', { phase: 'spawned', pid: child.pid });
  let control: TorControl | undefined;
  try {
    const controlEndpoint = await waitForControlPortFile(files.controlPort, child.exited, signal).catch(async (err: unknown) => {
      if (err instanceof VeilError && err.code === 'VEIL_TOR_LAUNCH_FAILED') {
        const output = child.outputTail || (await tailOfFile(files.noticeLog));
        throw new VeilError('VEIL_TOR_LAUNCH_FAILED', `${err.message}; tor said: ${quoteUntrusted(problemLines(output), 600)}`, { cause: err });
      }
      throw err;
    });
    report(options, 'tor:launch', { phase: 'control-port-ready' });
    const opened = await openTorControl(options.dial, controlEndpoint, { signal, cookiePath: files.cookie });
    control = opened.control;
    await control.takeOwnership({ signal });
    const listeners = await control.getInfo(['net/listeners/socks'], { signal });
    const socksEndpoint = parseSocksListeners(listeners.get('net/listeners/socks') ?? '');
    report(options, 'tor:launch', { phase: 'ready' });
    const ownedControl = control;
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        await child.stop(stopTimeoutMs);
        await ownedControl.close();
      })());
    return {
      control: ownedControl,
      socksEndpoint,
      controlEndpoint,
      cookiePath: files.cookie,
      dataDir,
      pid: child.pid,
      exited: child.exited,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (err) {
    await child.stop(stopTimeoutMs);
    await control?.close();
    throw err;
  }
}
