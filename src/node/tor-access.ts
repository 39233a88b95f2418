/**
 * How a node reaches Tor, from its [tor] section: a tor it launches itself (`launch = true`, T6), a running tor's
 * control port (`control.port`, T5: its SOCKS port is asked for), or only a SOCKS port (`socks.port`, or the
 * defaults 9050 then 9150, T2/T3). The TorAccess owns the control connection and, for launch, the tor process.
 */
import { VeilError, isVeilError, logger, sensitive, type AbortOptions, type Closable, type ProgressOptions } from '../core/index.js';
import { formatLocalEndpoint, type LocalEndpoint, type TorSection } from '../config/index.js';
import { openTorControl, launchTor, type TorControl } from '../tor/index.js';
import { connectLocal } from '../net/index.js';

const log = logger('veil:node:tor');

export interface TorAccess extends Closable {
  /** Authenticated control connection, when launch or control.port gives one. */
  readonly control: TorControl | undefined;
  /** The SOCKS endpoint peers are dialed through. */
  readonly socks: LocalEndpoint;
  /** The control endpoint, when there is one. */
  readonly controlEndpoint: LocalEndpoint | undefined;
  readonly launched: boolean;
  /** PID of the tor we launched (undefined when we use a running tor). */
  readonly pid?: number | undefined;
}

export interface OpenTorAccessOptions extends AbortOptions, ProgressOptions {
  /**
   * Extra torrc lines for a launched tor. A launched tor must join a private network (these lines carry its
   * DirAuthority and TestingTorNetwork settings) unless `allowPublicNetwork` is set.
   */
  readonly launchTorrcLines?: readonly string[] | undefined;
  /** Lets a launched tor join the public Tor network (production `veil run`; never tests). */
  readonly allowPublicNetwork?: boolean | undefined;
}

/** Reads the SOCKS listener of a running tor (`GETINFO net/listeners/socks`), first one on loopback. */
export async function socksFromControl(control: TorControl, options: AbortOptions = {}): Promise<LocalEndpoint> {
  const info = await control.getInfo(['net/listeners/socks'], options);
  const raw = info.get('net/listeners/socks') ?? '';
  for (const item of raw.split(' ').map((s) => s.replace(/^"|"$/g, '')).filter(Boolean)) {
    if (item.startsWith('unix:')) return { kind: 'unix', path: item.slice(5) };
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(item);
    if (m) return { kind: 'tcp', host: (m[1] ?? m[2])!, port: Number(m[3]) };
  }
  throw new VeilError('VEIL_TOR_NO_SOCKS', 'the Tor daemon has no SOCKS listener (GETINFO net/listeners/socks is empty)', {
    hint: 'add `SocksPort 9050` to its torrc, or set [tor] socks.port in veil.cfg',
  });
}

async function firstReachable(candidates: readonly LocalEndpoint[], options: AbortOptions): Promise<LocalEndpoint> {
  const failures: string[] = [];
  for (const endpoint of candidates) {
    try {
      const s = await connectLocal(endpoint, { signal: options.signal, timeoutMs: 3000 });
      s.destroy();
      return endpoint;
    } catch (err) {
      if (!isVeilError(err, 'VEIL_LOCAL_DAEMON_UNREACHABLE')) throw err;
      failures.push(formatLocalEndpoint(endpoint));
    }
  }
  throw new VeilError('VEIL_TOR_NO_SOCKS', `no Tor SOCKS port answers (tried ${failures.join(', ')})`, {
    hint: 'start tor (it listens on 127.0.0.1:9050 by default), or set [tor] socks.port, control.port or launch = true in veil.cfg',
  });
}

/** Opens Tor access per the [tor] section. Throws VEIL_TOR_* / VEIL_LOCAL_DAEMON_UNREACHABLE; honours `signal`. */
export async function openTorAccess(tor: TorSection, options: OpenTorAccessOptions = {}): Promise<TorAccess> {
  if (tor.launch) {
    const launched = await launchTor({
      executable: tor.executable ?? 'tor',
      dataDir: tor.launchDataDir,
      dial: connectLocal,
      torrcLines: options.launchTorrcLines ?? [],
      allowPublicNetwork: options.allowPublicNetwork === true,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    log.info('launched tor, pid', launched.pid);
    const socks = launched.socksEndpoint;
    if (!socks) {
      await launched.close();
      throw new VeilError('VEIL_TOR_NO_SOCKS', 'the launched tor opened no SOCKS listener', {
        hint: 'this is unexpected for a launched tor; run with VEIL_LOG=debug and check private/tor-statedir/notices.log',
      });
    }
    return {
      control: launched.control,
      socks,
      controlEndpoint: launched.controlEndpoint,
      launched: true,
      pid: launched.pid,
      close: () => launched.close(),
    };
  }
  const controlPort = tor.controlPort;
  if (controlPort) {
    const { control } = await openTorControl(connectLocal, controlPort, { signal: options.signal });
    try {
      const socks = tor.socksPort ?? (await socksFromControl(control, options));
      log.debug('using tor control port', sensitive(formatLocalEndpoint(controlPort)));
      return { control, socks, controlEndpoint: controlPort, launched: false, close: () => control.close() };
    } catch (err) {
      await control.close();
      throw err;
    }
  }
  const socks = await firstReachable(tor.socksCandidates, options);
  return { control: undefined, socks, controlEndpoint: undefined, launched: false, close: async () => undefined };
}
