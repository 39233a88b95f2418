/**
 * Validation of [node] and [connections]: the listeners and advertised location of the node (L1–L7), the
 * web port, how tcp: hints are reached (C1–C6), and which handler reaches each hint type (C1–C3, C9, T1:
 * `[connections] tcp` picks the tcp: handler; tor: hints always use Tor and i2p: hints I2P, unless that
 * network is switched off, and then those hints are ignored). Cross-section checks that need [tor]/[i2p]
 * results (listen:tor needs an onion service, tcp = tor needs tor) take them as arguments.
 */
import { quoteUntrusted } from '../core/index.js';
import { parseListenEndpoint, type ListenEndpoint } from './endpoint.js';
import { parseLocation, splitList } from './hints.js';
import { valueError } from './problems.js';
import type { ConfigReader } from './reader.js';
import type { ConnectionHandlers, HandlerChoice, I2pSection, NodeSection, TcpHandlerSetting, TorSection, TubLocation, TubPort } from './types.js';

export const MAX_NICKNAME_CHARS = 256;

function parseWebPort(r: ConfigReader): ListenEndpoint | undefined {
  const v = r.value('node', 'web.port');
  if (v === '' || v.toLowerCase() === 'disabled') return undefined; // Tahoe: an empty web.port means no web server
  return r.parse<ListenEndpoint | undefined>('node', 'web.port', (t) => parseListenEndpoint(t, ['tcp', 'unix'], r.nodeDir), undefined);
}

function parseTubPort(text: string, nodeDir: string): TubPort {
  if (text === '') throw valueError('tub.port must not be empty (use disabled, AUTO or tcp:PORT)', text); // L1
  if (text.toLowerCase() === 'disabled') return { kind: 'disabled' };
  if (text.toUpperCase() === 'AUTO') return { kind: 'auto' };
  const listeners = splitList(text, 'tub.port').map((s) => parseListenEndpoint(s, ['tcp', 'tor', 'i2p'], nodeDir));
  for (const kind of ['tor', 'i2p'] as const) {
    if (listeners.filter((l) => l.kind === kind).length > 1) throw valueError(`listen:${kind} appears more than once`, text);
  }
  return { kind: 'listeners', listeners };
}

function parseTubLocation(text: string): TubLocation {
  if (text === '') throw valueError('tub.location must not be empty (use disabled, AUTO or a connection hint)', text); // L1
  if (text.toLowerCase() === 'disabled') return { kind: 'disabled' };
  return { kind: 'entries', entries: parseLocation(text) };
}

export function validateNode(r: ConfigReader): NodeSection {
  const nickname = r.value('node', 'nickname');
  if (nickname.length > MAX_NICKNAME_CHARS) r.problem('node', 'nickname', `is longer than ${MAX_NICKNAME_CHARS} characters`);
  const webPort = parseWebPort(r);
  const revealIpAddress = r.bool('node', 'reveal-IP-address');
  const tubPort = r.parse<TubPort>('node', 'tub.port', (t) => parseTubPort(t, r.nodeDir), { kind: 'auto' });
  const tubLocation = r.parse<TubLocation>('node', 'tub.location', parseTubLocation, { kind: 'entries', entries: [{ kind: 'auto' }] });
  // L2: both disabled, or neither.
  if (tubPort.kind === 'disabled' && tubLocation.kind !== 'disabled') {
    r.problem('node', 'tub.port', 'tub.port is disabled, but tub.location is not (disable both, or neither)');
  }
  if (tubLocation.kind === 'disabled' && tubPort.kind !== 'disabled') {
    r.problem('node', 'tub.location', 'tub.location is disabled, but tub.port is not (disable both, or neither)');
  }
  // P11: AUTO advertises tcp:<local address>:<tub port>, so it needs a TCP listener (or an allocated port).
  if (tubLocation.kind === 'entries' && tubLocation.entries.some((e) => e.kind === 'auto')) {
    if (tubPort.kind === 'listeners' && !tubPort.listeners.some((l) => l.kind === 'tcp')) {
      r.problem('node', 'tub.location', 'AUTO needs a tcp: listener in tub.port to take the port from');
    }
  }
  return { nickname, webPort, revealIpAddress, tubPort, tubLocation };
}

const TCP_HANDLERS: ReadonlySet<string> = new Set(['tcp', 'tor', 'disabled']);

export function validateConnections(r: ConfigReader, tor: TorSection): TcpHandlerSetting {
  const v = r.value('connections', 'tcp').toLowerCase(); // C2: the value is lower-cased
  if (v === 'i2p') {
    // C6: Tahoe's docs call it invalid (I2P cannot reach TCP ports); Veil always rejects it.
    r.problem('connections', 'tcp', 'tcp = i2p is not supported: I2P cannot reach TCP addresses (use tor or disabled)');
    return 'disabled';
  }
  if (!TCP_HANDLERS.has(v)) {
    r.problem('connections', 'tcp', `unknown handler type ${quoteUntrusted(v)} (use tcp, tor or disabled)`); // C4
    return 'tcp';
  }
  // C5: the tor handler is unavailable only when switched off.
  if (v === 'tor' && !tor.enabled) r.problem('connections', 'tcp', 'tcp = tor, but [tor] enabled = false');
  return v as TcpHandlerSetting;
}

/** L5 and L6: what needs the tub listening, and what listen:tor / listen:i2p need. */
export function checkTubUsers(r: ConfigReader, node: NodeSection, storageEnabled: boolean, tor: TorSection, i2p: I2pSection, introducerEnabled = false): void {
  if (storageEnabled && node.tubPort.kind === 'disabled') {
    r.problem('storage', 'enabled', 'storage is enabled, but the tub is not listening (tub.port = disabled)');
  }
  if (introducerEnabled && node.tubPort.kind === 'disabled') {
    r.problem('introducer', 'enabled', 'this node is the introducer, but the tub is not listening (tub.port = disabled)');
  }
  if (node.tubPort.kind !== 'listeners') return;
  for (const l of node.tubPort.listeners) {
    if (l.kind === 'tor' && !tor.onion) r.problem('node', 'tub.port', 'listen:tor needs an onion service: set [tor] onion = true and its onion.* keys');
    if (l.kind === 'i2p' && !i2p.dest) r.problem('node', 'tub.port', 'listen:i2p needs a destination: set [i2p] dest = true and its dest.* keys');
  }
}

function setting(r: ConfigReader, section: 'connections' | 'tor' | 'i2p', key: string): string {
  // The same text whether the value was written or defaulted: writing a default changes nothing.
  return `[${section}] ${key} = ${r.value(section, key).toLowerCase()}`;
}

const TCP_CHOICE: Readonly<Record<TcpHandlerSetting, HandlerChoice['handler']>> = Object.freeze({
  tcp: 'direct',
  tor: 'tor',
  disabled: 'none',
});

export function computeConnectionHandlers(r: ConfigReader, tcp: TcpHandlerSetting, tor: TorSection, i2p: I2pSection): ConnectionHandlers {
  let tcpChoice: HandlerChoice = { handler: TCP_CHOICE[tcp], reason: setting(r, 'connections', 'tcp') };
  if (tcp === 'tor' && !tor.enabled) tcpChoice = { handler: 'none', reason: `${tcpChoice.reason}, but [tor] enabled = false` };
  const torChoice: HandlerChoice = tor.enabled
    ? { handler: 'tor', reason: 'tor: hints always use Tor' }
    : { handler: 'none', reason: `${setting(r, 'tor', 'enabled')}: tor: hints are ignored` };
  const i2pChoice: HandlerChoice = i2p.enabled
    ? { handler: 'i2p', reason: 'i2p: hints always use I2P' }
    : { handler: 'none', reason: `${setting(r, 'i2p', 'enabled')}: i2p: hints are ignored` };
  return { tcp: tcpChoice, tor: torChoice, i2p: i2pChoice };
}
