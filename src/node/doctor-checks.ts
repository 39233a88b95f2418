/**
 * `veil doctor`: the verdicts, as pure functions from what was observed to a check result
 * (id, status, message, fix). doctor.ts gathers the observations (files, tor, the SAM bridge); this file
 * decides. Each failure names the next step, the way the Bitcoin Standup guide's "Verifying Your Tor Setup"
 * and Tahoe's Tor docs (cookie readable by the debian-tor group) tell an operator what to do.
 */
import { isVeilError, type VeilError } from '../core/index.js';
import { formatLeak, formatListenEndpoint, formatProblem, isLocalOnlyListener, type ConfigProblem, type IpLeak, type NodeConfig } from '../config/index.js';

export type CheckStatus = 'ok' | 'warning' | 'failure' | 'skipped';

export interface DoctorCheck {
  /** Stable identifier, e.g. `tor-control`, `onion-service:ssh`. */
  readonly id: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** The next step when the status is not ok. */
  readonly fix: string | undefined;
}

export function check(id: string, status: CheckStatus, message: string, fix?: string): DoctorCheck {
  return { id, status, message, fix: status === 'ok' ? undefined : fix };
}

/** True when any check failed (the CLI then exits non-zero). */
export function hasFailure(checks: readonly DoctorCheck[]): boolean {
  return checks.some((c) => c.status === 'failure');
}

/** The configuration check from loadNodeConfig's outcome. */
export function configCheck(result: NodeConfig | VeilError): DoctorCheck {
  if (!isVeilError(result)) {
    return result.node.revealIpAddress
      ? check('config', 'ok', 'veil.cfg is valid; reveal-IP-address = true (this node does not hide its IP address)')
      : check('config', 'ok', 'veil.cfg is valid and passes the IP-leak checks (reveal-IP-address = false)');
  }
  if (result.code === 'VEIL_CONFIG_IP_LEAK') {
    const leaks = (result.details['leaks'] ?? []) as IpLeak[];
    const lines = leaks.map((l) => `  ${formatLeak(l)}`).join('\n');
    return check(
      'config',
      'failure',
      `veil.cfg would reveal the IP address (reveal-IP-address = false), ${leaks.length} setting(s):\n${lines}`,
      leaks.map((l) => `set [${l.section}] ${l.key} = ${l.safeValue}`).join('; ') || result.hint,
    );
  }
  if (result.code === 'VEIL_CONFIG_INVALID') {
    const problems = (result.details['problems'] ?? []) as ConfigProblem[];
    return check('config', 'failure', `veil.cfg has ${problems.length} problem(s):\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`, 'fix each line named above');
  }
  return check('config', 'failure', result.message, result.hint);
}

/** The web port (gateway and status) must accept connections from this machine only. */
export function webPortCheck(config: NodeConfig): DoctorCheck {
  const wp = config.node.webPort;
  if (!wp) return check('web-port', 'ok', 'the web port is disabled');
  const text = formatListenEndpoint(wp);
  if (isLocalOnlyListener(wp)) return check('web-port', 'ok', `the web port ${text} is bound to this machine only`);
  const safe = wp.kind === 'tcp' ? `tcp:${wp.port}:interface=127.0.0.1` : 'tcp:PORT:interface=127.0.0.1';
  return check(
    'web-port',
    config.node.revealIpAddress ? 'warning' : 'failure',
    `the web port ${text} accepts connections from other machines: anyone on the network can use the gateway and read the status page`,
    `set [node] web.port = ${safe}`,
  );
}

/** `Tor version 0.4.9.11.` → `0.4.9.11`; undefined when the text has no version. */
export function parseTorVersion(text: string): string | undefined {
  return /Tor version (\d+\.\d+\.\d+(?:\.\d+)?(?:-[A-Za-z0-9.]+)?)/.exec(text)?.[1];
}

/** Tor 0.4.8 is the oldest release with everything Veil uses (ONION_CLIENT_AUTH_*, ExtendedErrors, PoW). */
const MIN_TOR = [0, 4, 8];

export function isTorVersionSupported(version: string): boolean {
  const parts = version.split(/[.-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i += 1) {
    const a = parts[i] ?? 0;
    const b = MIN_TOR[i]!;
    if (a !== b) return a > b;
  }
  return true;
}

/** The tor-binary check from `tor --version`'s output, or the error of running it. */
export function torBinaryCheck(executable: string, output: string | Error, isNeeded: boolean): DoctorCheck {
  const fix = 'install tor (`sudo apt install tor`) or set [tor] tor.executable to its path';
  if (output instanceof Error) {
    const why = (output as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : output.message;
    return check('tor-binary', isNeeded ? 'failure' : 'warning', `cannot run ${executable}: ${why}${isNeeded ? '' : ' (only needed for [tor] launch = true)'}`, fix);
  }
  const version = parseTorVersion(output);
  if (!version) return check('tor-binary', 'warning', `${executable} --version printed no Tor version`, `check that ${executable} is tor`);
  if (!isTorVersionSupported(version)) return check('tor-binary', 'warning', `tor ${version} is older than 0.4.8`, 'upgrade tor (https://support.torproject.org/apt/)');
  return check('tor-binary', 'ok', `tor ${version} (${executable})`);
}

/** Why the control port could not be used, with the fix for each cause. */
export function controlErrorCheck(endpoint: string, err: unknown): DoctorCheck {
  const id = 'tor-control';
  if (!isVeilError(err)) return check(id, 'failure', `cannot use the Tor control port ${endpoint}: ${String(err)}`, 'run with VEIL_LOG=debug and report this');
  switch (err.code) {
    case 'VEIL_LOCAL_DAEMON_UNREACHABLE':
      return check(id, 'failure', `tor is not running, or not listening on its control port ${endpoint} (${err.message})`, 'start tor (`sudo systemctl start tor`, or `veil run` for a launched tor) and check [tor] control.port in veil.cfg');
    case 'VEIL_TOR_AUTH_COOKIE_UNREADABLE':
      return check(id, 'failure', `cannot read the Tor control cookie: ${err.message}`, 'add your user to the debian-tor group (`sudo adduser $USER debian-tor`, then log in again), or point [tor] control.port at a tor you own');
    case 'VEIL_TOR_AUTH_COOKIE':
      return check(id, 'failure', `tor rejected the control cookie: ${err.message}`, 'the cookie file does not belong to the tor on this control port: check [tor] control.port, and that tor was not restarted with another DataDirectory');
    case 'VEIL_TOR_AUTH_PASSWORD':
    case 'VEIL_TOR_AUTH_UNSUPPORTED':
      return check(id, 'failure', `cannot authenticate to tor: ${err.message}`, 'enable `CookieAuthentication 1` in the torrc and restart tor');
    case 'VEIL_TOR_CONTROL_PROTOCOL':
      return check(id, 'failure', `${endpoint} does not speak the Tor control protocol: ${err.message}`, 'check that [tor] control.port names tor\'s ControlPort, not another service');
    default:
      return check(id, 'failure', `cannot use the Tor control port ${endpoint}: ${err.message}`, err.hint);
  }
}

/** From GETINFO status/bootstrap-phase (`NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"`). */
export function bootstrapCheck(progress: number, summary: string | undefined, warning: string | undefined): DoctorCheck {
  if (progress === 100) return check('tor-bootstrap', 'ok', 'tor has bootstrapped (100%)');
  const detail = `${progress}%${summary ? ` (${summary})` : ''}${warning ? `, problem: ${warning}` : ''}`;
  return check('tor-bootstrap', warning ? 'failure' : 'warning', `tor has not finished bootstrapping: ${detail}`, 'wait a minute; if it stays stuck, check the network connection, the system clock, and the tor log');
}

/** From GETINFO status/circuit-established (`1` or `0`). */
export function circuitCheck(value: string | undefined): DoctorCheck {
  return value === '1'
    ? check('tor-circuits', 'ok', 'tor has established circuits')
    : check('tor-circuits', 'failure', 'tor has not established any circuit', 'wait for tor to bootstrap; if it does not, check the network connection and the system clock');
}
