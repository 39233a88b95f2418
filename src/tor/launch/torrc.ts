/**
 * The torrc Veil writes for a tor it launches, and the safety check that decides whether that tor may
 * start at all. Pure: no files, no processes.
 *
 * Safety (see the brief's hard rules): a launched tor must either have its network disabled
 * (`DisableNetwork 1`), join a private network (`TestingTorNetwork 1` plus `DirAuthority` lines naming only
 * loopback addresses), or the caller must say explicitly that the public Tor network is intended
 * (`allowPublicNetwork`, used by production `veil run` only).
 */
import { VeilError, quoteUntrusted } from '../../core/index.js';
import { isLoopbackHost } from '../../config/index.js';

/** Options the launcher itself sets; extra torrc lines may not set them (they would break ownership or safety). */
export const RESERVED_TORRC_KEYS: readonly string[] = Object.freeze([
  'datadirectory',
  'controlport',
  'controlportwritetofile',
  'cookieauthentication',
  'cookieauthfile',
  '__owningcontrollerprocess',
  'socksport',
  'disablenetwork',
  'runasdaemon',
  '%include',
]);

/** Lines that name directory sources: their addresses must be loopback for a private network. */
const DIRECTORY_KEYS = new Set(['dirauthority', 'alternatedirauthority', 'fallbackdir', 'bridge']);

export interface TorrcSafetyInput {
  readonly torrcLines: readonly string[];
  readonly disableNetwork?: boolean | undefined;
  readonly allowPublicNetwork?: boolean | undefined;
}

export type NetworkMode = 'disabled' | 'private' | 'public';

function unsafe(message: string, details: Record<string, unknown> = {}): VeilError {
  return new VeilError('VEIL_TOR_LAUNCH_UNSAFE', `refusing to launch tor: ${message}`, { details });
}

function splitLine(line: string): { key: string; value: string } {
  const trimmed = line.trim();
  const space = trimmed.search(/\s/);
  return space < 0 ? { key: trimmed.toLowerCase(), value: '' } : { key: trimmed.slice(0, space).toLowerCase(), value: trimmed.slice(space).trim() };
}

/** All IPv4/IPv6 addresses with a port in a line (`1.2.3.4:5`, `[::1]:5`). */
function addressesIn(value: string): string[] {
  const v4 = [...value.matchAll(/(?:^|\s)(\d{1,3}(?:\.\d{1,3}){3}):\d+/g)].map((m) => m[1]!);
  const v6 = [...value.matchAll(/\[([0-9A-Fa-f:.]+)\]:\d+/g)].map((m) => m[1]!);
  return [...v4, ...v6];
}

/**
 * Decides the network mode, or throws VEIL_TOR_LAUNCH_UNSAFE: a reserved key in the extra lines, a line
 * break inside a line, a non-loopback directory address, or no explicit network choice at all.
 */
export function checkLaunchSafety(input: TorrcSafetyInput): NetworkMode {
  let hasTestingNetwork = false;
  let dirAuthorities = 0;
  for (const line of input.torrcLines) {
    if (/[\r\n\0]/.test(line)) throw unsafe(`a torrc line contains a line break: ${quoteUntrusted(line, 60)}`);
    const { key, value } = splitLine(line);
    if (key === '' || key.startsWith('#')) continue;
    if (RESERVED_TORRC_KEYS.includes(key)) throw unsafe(`the extra torrc lines may not set ${quoteUntrusted(key)}: launchTor manages it`, { key });
    if (key === 'testingtornetwork' && value === '1') hasTestingNetwork = true;
    if (DIRECTORY_KEYS.has(key)) {
      const addresses = addressesIn(value);
      if (addresses.length === 0 || addresses.some((a) => !isLoopbackHost(a))) {
        throw unsafe(`${quoteUntrusted(line, 60)} names an address outside 127.0.0.0/8`, { key });
      }
      if (key === 'dirauthority') dirAuthorities += 1;
    }
  }
  if (input.disableNetwork) return 'disabled';
  if (hasTestingNetwork && dirAuthorities > 0) return 'private';
  if (input.allowPublicNetwork) return 'public';
  throw unsafe('pass disableNetwork, private-network lines (TestingTorNetwork 1 and loopback DirAuthority lines), or allowPublicNetwork');
}

/** Writes a torrc value: bare when safe, otherwise a quoted string (tor's config quoting, C escapes). */
export function torrcValue(value: string): string {
  if (/[\r\n\0]/.test(value)) throw unsafe(`a torrc value contains a line break: ${quoteUntrusted(value, 60)}`);
  if (/^[A-Za-z0-9_./:@+-]+$/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export interface TorrcInput extends TorrcSafetyInput {
  readonly dataDir: string;
  readonly controlPortFile: string;
  readonly cookiePath: string;
  readonly noticeLogPath: string;
  readonly socksPort: 'auto' | 'none' | number;
  readonly controlPort: 'auto' | number;
  /** PID of the process that owns this tor (__OwningControllerProcess). */
  readonly ownerPid: number;
}

function portValue(port: 'auto' | number, what: string): string {
  if (port === 'auto') return '127.0.0.1:auto';
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new VeilError('VEIL_INPUT_INVALID', `${what} ${port} is not a port (1–65535)`);
  return `127.0.0.1:${port}`;
}

/** The complete torrc text (runs checkLaunchSafety first). Throws VEIL_TOR_LAUNCH_UNSAFE, VEIL_INPUT_INVALID. */
export function buildTorrc(input: TorrcInput): string {
  const mode = checkLaunchSafety(input);
  const lines = [
    '# Written by Veil for a tor it launches and owns; regenerated on every start.',
    `DataDirectory ${torrcValue(input.dataDir)}`,
    `ControlPort ${portValue(input.controlPort, 'control port')}`,
    `ControlPortWriteToFile ${torrcValue(input.controlPortFile)}`,
    'CookieAuthentication 1',
    `CookieAuthFile ${torrcValue(input.cookiePath)}`,
    `__OwningControllerProcess ${input.ownerPid}`,
    // ExtendedErrors: tor then reports onion service failures (descriptor not found, client auth missing …)
    // with the SOCKS reply codes 0xF0–0xF7 of socks-extensions.txt, which the dialer turns into typed errors.
    `SocksPort ${input.socksPort === 'none' ? '0' : `${portValue(input.socksPort, 'SOCKS port')} ExtendedErrors`}`,
    `Log notice file ${torrcValue(input.noticeLogPath)}`,
    'RunAsDaemon 0',
  ];
  if (mode === 'disabled') lines.push('DisableNetwork 1');
  // A private network must never fall back to the public directory mirrors compiled into tor.
  if (mode === 'private') lines.push('UseDefaultFallbackDirs 0');
  lines.push(`# extra lines (${mode} network)`, ...input.torrcLines);
  return lines.join('\n') + '\n';
}
