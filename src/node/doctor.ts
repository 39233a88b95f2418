/**
 * `veil doctor [NODEDIR]`: verifies a node's setup the way the Bitcoin Standup guide's "Verifying Your Tor
 * Setup" does, and more. It gathers observations (veil.cfg, `tor --version`, the control port, the SOCKS port,
 * the onion services, the SAM bridge) and doctor-checks.ts turns each into ok / warning / failure with a fix.
 *
 * Nothing here contacts a non-loopback address: the SOCKS test circuit goes to one of the node's own onion
 * services (a rendezvous inside Tor); without one published, only the SOCKS handshake is checked.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { devNull } from 'node:os';
import { join } from 'node:path';
import { VeilError, isVeilError, logger, throwIfAborted, withTimeout, type AbortOptions } from '../core/index.js';
import { CONFIG_FILE, formatLocalEndpoint, loadNodeConfig, parseNodeConfig, readIni, type LocalEndpoint, type NodeConfig } from '../config/index.js';
import { HsDescWatcher, openTorControl, parseBootstrapStatus, parseReplyArguments, type TorControl } from '../tor/index.js';
import { connectLocal, createTorDialer, dialRetryingOnions } from '../net/index.js';
import { bootstrapCheck, check, circuitCheck, configCheck, controlErrorCheck, hasFailure, torBinaryCheck, webPortCheck, type DoctorCheck } from './doctor-checks.js';
import { findNodeTorControl, runningNodePid } from './onion-node-tor.js';
import { isDescriptorPublished } from './onion-manager.js';
import { nodeServiceAddress } from './onion-node-service.js';
import { readSavedServices } from './onion-registry.js';
import { socksFromControl } from './tor-access.js';
import { i2pChecks } from './doctor-i2p.js';
import { readTestnetJoin } from './testnet-join.js';
import { TESTNET_TUNNEL_OPTIONS } from './transports.js';

const log = logger('veil:node:doctor');

export const DOCTOR_DEFAULTS = Object.freeze({
  controlTimeoutMs: 10_000,
  /** The test circuit to one of the node's own onion services (descriptor fetch + rendezvous). */
  socksTimeoutMs: 60_000,
  torVersionTimeoutMs: 10_000,
  /** How long to wait for the descriptor of a service that is not published yet (just added or restarted). */
  publishWaitMs: 30_000,
});

export interface DoctorOptions extends AbortOptions {
  readonly controlTimeoutMs?: number | undefined;
  readonly socksTimeoutMs?: number | undefined;
  readonly publishWaitMs?: number | undefined;
  /** Runs `EXECUTABLE --version` and resolves with its output (default: spawns it). */
  readonly runTorVersion?: ((executable: string, options: AbortOptions) => Promise<string>) | undefined;
}

export interface DoctorReport {
  readonly nodeDir: string;
  readonly checks: readonly DoctorCheck[];
  /** False when any check failed. */
  readonly isHealthy: boolean;
}

/** `tor --version`. Only our empty files are named, so tor reads no torrc (it exits after printing anyway). */
function spawnTorVersion(executable: string, options: AbortOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      executable,
      ['--defaults-torrc', devNull, '-f', devNull, '--version'],
      { timeout: DOCTOR_DEFAULTS.torVersionTimeoutMs, signal: options.signal, maxBuffer: 64 * 1024, env: {} },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}

/**
 * Loads veil.cfg. When it only fails the IP-leak check, the leak is reported and the rest of the checks run on
 * the same configuration read with reveal-IP-address = true (nothing is started from it).
 */
async function loadForDoctor(nodeDir: string, options: AbortOptions): Promise<{ check: DoctorCheck; config: NodeConfig | undefined }> {
  try {
    const config = await loadNodeConfig(nodeDir, options);
    return { check: configCheck(config), config };
  } catch (err) {
    if (!isVeilError(err) || err.category === 'aborted') throw err;
    if (err.code !== 'VEIL_CONFIG_IP_LEAK') return { check: configCheck(err), config: undefined };
    const text = await readFile(join(nodeDir, CONFIG_FILE), 'utf8');
    const entry = readIni(text).document.sections.get('node')?.entries.get('reveal-ip-address');
    let config: NodeConfig | undefined;
    if (entry) {
      const lines = text.split('\n');
      lines[entry.line - 1] = `${entry.key} = true`;
      try {
        config = parseNodeConfig(lines.join('\n'), { nodeDir });
      } catch (e) {
        log.debug('cannot read veil.cfg without the IP-leak check:', e);
      }
    }
    return { check: configCheck(err), config };
  }
}

interface TorObservations {
  control: TorControl | undefined;
  checks: DoctorCheck[];
}

async function torChecks(config: NodeConfig, isRunning: boolean, options: DoctorOptions): Promise<TorObservations> {
  const checks: DoctorCheck[] = [];
  const where = await findNodeTorControl(config);
  if (where.kind === 'none') {
    const isLaunchedAndStopped = config.tor.launch && !isRunning;
    checks.push(check('tor-control', isLaunchedAndStopped || config.tor.onion === undefined ? 'warning' : 'failure', where.reason, where.fix));
    return { control: undefined, checks };
  }
  const endpoint = formatLocalEndpoint(where.endpoint);
  let control: TorControl;
  try {
    const signal = withTimeout(options.signal, options.controlTimeoutMs ?? DOCTOR_DEFAULTS.controlTimeoutMs);
    const opened = await openTorControl(connectLocal, where.endpoint, { signal, ...(where.cookiePath !== undefined ? { cookiePath: where.cookiePath } : {}) });
    control = opened.control;
    const version = opened.auth.protocolInfo.torVersion;
    checks.push(check('tor-control', 'ok', `control port ${endpoint} reachable, authenticated with ${opened.auth.method}${version ? ` (tor ${version})` : ''}${where.launched ? ', tor launched by the node' : ''}`));
  } catch (err) {
    if (isVeilError(err) && err.category === 'aborted') throw err;
    if (config.tor.launch && !isRunning && isVeilError(err, 'VEIL_LOCAL_DAEMON_UNREACHABLE')) {
      checks.push(check('tor-control', 'warning', 'the node launches its own tor, and it is not running', `start the node: veil run ${config.nodeDir}`));
    } else checks.push(controlErrorCheck(endpoint, err));
    return { control: undefined, checks };
  }
  let info: Map<string, string>;
  try {
    info = await control.getInfo(['status/bootstrap-phase', 'status/circuit-established'], options);
  } catch (err) {
    await control.close();
    if (!isVeilError(err) || err.category === 'aborted') throw err;
    checks.push(check('tor-bootstrap', 'failure', `tor did not answer GETINFO: ${err.message}`, err.hint));
    return { control: undefined, checks };
  }
  const phase = parseBootstrapStatus(parseReplyArguments(info.get('status/bootstrap-phase') ?? '').keywords);
  checks.push(phase ? bootstrapCheck(phase.progress, phase.summary, phase.warning) : check('tor-bootstrap', 'warning', 'tor reported no bootstrap phase', 'check the tor log'));
  checks.push(circuitCheck(info.get('status/circuit-established')));
  return { control, checks };
}

interface OwnService {
  readonly name: string;
  readonly serviceId: string;
  readonly port: number;
}

async function onionServiceChecks(config: NodeConfig, control: TorControl | undefined, isRunning: boolean, options: DoctorOptions): Promise<{ checks: DoctorCheck[]; published: OwnService[] }> {
  const checks: DoctorCheck[] = [];
  const candidates: (OwnService & { note?: string })[] = [];
  if (config.tor.onion) {
    try {
      candidates.push({ name: 'node', serviceId: nodeServiceAddress(config).replace(/\.onion$/, ''), port: config.tor.onion.externalPort });
    } catch (err) {
      if (!isVeilError(err)) throw err;
      checks.push(check('onion-service:node', 'failure', err.message, err.hint));
    }
  }
  const { services, problems } = await readSavedServices(config.nodeDir);
  for (const [name, err] of problems) checks.push(check(`onion-service:${name}`, 'failure', err.message, err.hint));
  for (const s of services) {
    if (s.clientAuth && s.clients.length === 0) {
      checks.push(check(`onion-service:${s.name}`, 'skipped', 'client authorization with no client: not published', `veil onion auth add ${s.name} CLIENT`));
      continue;
    }
    candidates.push({ name: s.name, serviceId: s.current.serviceId, port: s.virtualPort, ...(s.clientAuth ? { note: 'client auth' } : {}) });
  }
  const published: OwnService[] = [];
  // A service added moments ago has no descriptor yet: watch for its upload (subscribed before asking tor).
  const watcher = control && isRunning && candidates.length > 0 ? await HsDescWatcher.start(control, options) : undefined;
  const deadline = withTimeout(options.signal, options.publishWaitMs ?? DOCTOR_DEFAULTS.publishWaitMs);
  try {
    for (const c of candidates) await checkOne(c);
  } finally {
    await watcher?.close();
  }
  return { checks, published };

  async function checkOne(c: OwnService & { note?: string }): Promise<void> {
    const id = `onion-service:${c.name}`;
    const address = `${c.serviceId}.onion`;
    if (!isRunning) {
      checks.push(check(id, 'warning', `${address} is not published: the node is not running`, `start the node: veil run ${config.nodeDir}`));
    } else if (!control) {
      checks.push(check(id, 'skipped', `${address}: cannot ask tor (no control connection)`, 'fix the tor-control check first'));
    } else if ((await isDescriptorPublished(control, c.serviceId, options)) || (await uploadedSoon(c.serviceId))) {
      checks.push(check(id, 'ok', `${address} is published (descriptor built and uploaded by tor)`));
      if (!c.note) published.push(c);
    } else {
      checks.push(check(id, 'failure', `${address} is not published by tor`, 'look at the node log (VEIL_LOG=debug veil run) and `veil onion list`; restart the node to republish'));
    }
  }

  async function uploadedSoon(serviceId: string): Promise<boolean> {
    if (!watcher) return false;
    try {
      await watcher.uploaded(serviceId, { signal: deadline });
      return true;
    } catch (err) {
      if (options.signal?.aborted) throw err;
      return false;
    }
  }
}

async function socksCheck(config: NodeConfig, control: TorControl | undefined, targets: readonly OwnService[], options: DoctorOptions): Promise<DoctorCheck> {
  const id = 'tor-socks';
  let socks: LocalEndpoint | undefined = config.tor.socksPort;
  if (!socks && control) {
    try {
      socks = await socksFromControl(control, options);
    } catch (err) {
      if (!isVeilError(err)) throw err;
      return check(id, 'failure', err.message, err.hint);
    }
  }
  socks ??= config.tor.socksCandidates[0];
  if (!socks) return check(id, 'skipped', 'no SOCKS port to test', 'fix the tor-control check first');
  const endpoint = formatLocalEndpoint(socks);
  const target = targets[0];
  const signal = withTimeout(options.signal, options.socksTimeoutMs ?? DOCTOR_DEFAULTS.socksTimeoutMs);
  if (!target) {
    // No onion service to test a circuit with: check that a SOCKS5 server answers (RFC 1928 §3 greeting).
    try {
      const socket = await connectLocal(socks, { signal });
      try {
        const reply = await new Promise<Buffer>((resolve, reject) => {
          socket.once('data', resolve);
          socket.once('error', reject);
          socket.once('end', () => reject(new Error('closed without a reply')));
          socket.write(Uint8Array.of(5, 1, 0));
        });
        if (reply[0] !== 5) return check(id, 'failure', `${endpoint} is not a SOCKS5 server`, 'check [tor] socks.port');
      } finally {
        socket.destroy();
      }
      return check(id, 'ok', `SOCKS port ${endpoint} answers (no published onion service of this node to test a circuit with)`);
    } catch (err) {
      return check(id, 'failure', `the SOCKS port ${endpoint} does not answer: ${(err as Error).message}`, 'start tor, or check [tor] socks.port in veil.cfg');
    }
  }
  const started = Date.now();
  try {
    const stream = await dialRetryingOnions(createTorDialer({ socks }), `${target.serviceId}.onion`, target.port, {
      signal,
      beforeRetry: control ? () => control.signal('NEWNYM').catch(() => undefined) : undefined,
    });
    stream.destroy();
    return check(id, 'ok', `SOCKS port ${endpoint} works: test circuit to this node's onion service "${target.name}" in ${Date.now() - started} ms`);
  } catch (err) {
    if (isVeilError(err) && err.category === 'aborted') throw err;
    const e = isVeilError(err) ? err : new VeilError('VEIL_BUG', String(err), { cause: err });
    const isLocal = e.code === 'VEIL_LOCAL_DAEMON_UNREACHABLE' || e.code.startsWith('VEIL_SOCKS_PROTOCOL') || e.code === 'VEIL_SOCKS_AUTH_REJECTED';
    return check(id, isLocal ? 'failure' : 'warning', `test circuit through ${endpoint} to the onion service "${target.name}" failed: ${e.message} [${e.code}]`, e.hint);
  }
}

/** Runs every check. Never throws for what it checks (each problem is a check result); honours `signal`. */
export async function runDoctor(nodeDir: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  throwIfAborted(options.signal, 'veil doctor');
  const checks: DoctorCheck[] = [];
  const loaded = await loadForDoctor(nodeDir, options);
  checks.push(loaded.check);
  const config = loaded.config;
  if (!config) return { nodeDir, checks, isHealthy: false };
  const pid = await runningNodePid(config.nodeDir);
  checks.push(pid !== undefined ? check('node', 'ok', `the node is running (pid ${pid})`) : check('node', 'warning', 'the node is not running', `start it: veil run ${config.nodeDir}`));
  checks.push(webPortCheck(config));
  if (config.tor.enabled) {
    const executable = config.tor.executable ?? 'tor';
    let output: string | Error;
    try {
      output = await (options.runTorVersion ?? spawnTorVersion)(executable, options);
    } catch (err) {
      output = err instanceof Error ? err : new Error(String(err));
    }
    checks.push(torBinaryCheck(executable, output, config.tor.launch));
    const tor = await torChecks(config, pid !== undefined, options);
    try {
      checks.push(...tor.checks);
      const onion = await onionServiceChecks(config, tor.control, pid !== undefined, options);
      checks.push(...onion.checks);
      checks.push(await socksCheck(config, tor.control, onion.published, options));
    } finally {
      await tor.control?.close();
    }
  } else {
    checks.push(check('tor', 'skipped', 'Tor is turned off ([tor] enabled = false)'));
  }
  const join = await readTestnetJoin(config, options).catch(() => undefined);
  checks.push(...(await i2pChecks(config, pid !== undefined, { signal: options.signal, tunnelOptions: join ? TESTNET_TUNNEL_OPTIONS : undefined })));
  return { nodeDir: config.nodeDir, checks, isHealthy: !hasFailure(checks) };
}
