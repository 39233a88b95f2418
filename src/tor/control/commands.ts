/**
 * Pure formatting and parsing for individual control-port commands (control-spec section 3): GETINFO,
 * GETCONF, SETCONF, ADD_ONION. The client (client.ts) sends what these build.
 */
import { VeilError, quoteUntrusted } from '../../core/index.js';
import { assertBareWord, parseReplyArguments, quoteString, unquoteIfQuoted } from './command-format.js';
import type { ControlReply } from './reply-codec.js';

function protocolError(what: string, text: string): VeilError {
  return new VeilError('VEIL_TOR_CONTROL_PROTOCOL', `Tor control port sent ${what}: ${quoteUntrusted(text)}`);
}

/**
 * GETINFO reply (control-spec 3.9): `250-key=value` lines, or `250+key=` with a data body, then `250 OK`.
 * Values are kept raw (some keys have quoted lists, e.g. net/listeners/socks).
 */
export function parseGetInfo(reply: ControlReply): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of reply.lines) {
    if (line.kind === 'end') continue;
    const eq = line.text.indexOf('=');
    if (eq <= 0) throw protocolError('a GETINFO line without key=value', line.text);
    out.set(line.text.slice(0, eq), line.kind === 'data' ? (line.data ?? '') : line.text.slice(eq + 1));
  }
  return out;
}

/**
 * GETCONF reply (control-spec 3.3): `250-Key=Value` per value, or `250 Key` for a key at its default.
 * The last line is an end line that also carries a value.
 */
export function parseGetConf(reply: ControlReply): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of reply.lines) {
    const eq = line.text.indexOf('=');
    const key = eq < 0 ? line.text : line.text.slice(0, eq);
    if (key === '') throw protocolError('a GETCONF line without a key', line.text);
    const values = out.get(key) ?? [];
    if (eq >= 0) values.push(unquoteIfQuoted(line.text.slice(eq + 1)));
    out.set(key, values);
  }
  return out;
}

/** SETCONF arguments: `Key="value"` per value; an empty array resets the key (`Key`). */
export function formatConfArgs(values: ReadonlyMap<string, string | readonly string[]> | Record<string, string | readonly string[]>): string[] {
  const entries = values instanceof Map ? [...values.entries()] : Object.entries(values);
  const args: string[] = [];
  for (const [key, value] of entries) {
    assertBareWord(key, 'a configuration key');
    const list: readonly string[] = typeof value === 'string' ? [value] : value;
    if (list.length === 0) args.push(key);
    for (const v of list) args.push(`${key}=${quoteString(v)}`);
  }
  return args;
}

/** One `Port=` argument of ADD_ONION: the virtual port and where tor forwards it. */
export interface OnionPort {
  /** Port clients connect to on the onion service (1–65535). */
  readonly virtualPort: number;
  /** `PORT`, `127.0.0.1:PORT` or `unix:/path`; defaults to the virtual port on 127.0.0.1. */
  readonly target?: string | number;
}

export interface AddOnionRequest {
  /** `ED25519-V3:<base64>` from an earlier ADD_ONION; omit to have tor create a new ED25519-V3 key. */
  readonly privateKey?: string;
  readonly ports: readonly OnionPort[];
  /** Flag Detach: the service outlives this control connection. */
  readonly detach?: boolean;
  /** Flag DiscardPK: tor does not return the new private key. */
  readonly discardPrivateKey?: boolean;
  /** Base32 x25519 public keys of authorised clients (ClientAuthV3=). */
  readonly clientAuthV3?: readonly string[];
  /** MaxStreams= per rendezvous circuit (0 = unlimited). */
  readonly maxStreams?: number;
}

export interface AddOnionResult {
  /** The onion service id (56 base32 characters, without ".onion"). */
  readonly serviceId: string;
  /** `ED25519-V3:<base64>`, only for a new key without discardPrivateKey. A secret: never log it. */
  readonly privateKey?: string;
}

const SERVICE_ID = /^[a-z2-7]{56}$/;
const PRIVATE_KEY = /^ED25519-V3:[A-Za-z0-9+/]+={0,2}$/;
const CLIENT_KEY = /^[A-Za-z2-7]{52}$/;

/** Throws VEIL_TOR_CONTROL_ARGUMENT unless `id` is a v3 onion service id (56 base32 chars, no ".onion"). */
export function assertServiceId(id: string): void {
  if (!SERVICE_ID.test(id)) {
    throw new VeilError('VEIL_TOR_CONTROL_ARGUMENT', `not a v3 onion service id: ${quoteUntrusted(id, 70)}`, { details: { what: 'a service id' } });
  }
}

function argumentError(message: string): VeilError {
  return new VeilError('VEIL_TOR_CONTROL_ARGUMENT', `cannot send ADD_ONION: ${message}`, { details: { what: 'ADD_ONION' } });
}

function formatPort(port: OnionPort): string {
  const { virtualPort, target } = port;
  if (!Number.isInteger(virtualPort) || virtualPort < 1 || virtualPort > 65535) throw argumentError(`virtual port ${virtualPort} is not 1–65535`);
  if (target === undefined) return `Port=${virtualPort}`;
  const t = String(target);
  assertBareWord(t, 'an onion service port target');
  if (!/^(\d{1,5}|[A-Za-z0-9.\-[\]:]+:\d{1,5}|unix:\S+)$/.test(t)) throw argumentError(`port target ${quoteUntrusted(t, 60)} is not PORT, HOST:PORT or unix:PATH`);
  return `Port=${virtualPort},${t}`;
}

/** ADD_ONION arguments (control-spec 3.27). Throws VEIL_TOR_CONTROL_ARGUMENT. The key is never quoted in errors. */
export function formatAddOnion(request: AddOnionRequest): string[] {
  if (request.privateKey !== undefined && !PRIVATE_KEY.test(request.privateKey)) {
    throw argumentError('the private key is not of the form ED25519-V3:<base64>');
  }
  if (request.ports.length === 0) throw argumentError('at least one port is needed');
  const args = [request.privateKey ?? 'NEW:ED25519-V3'];
  const flags: string[] = [];
  if (request.detach) flags.push('Detach');
  if (request.discardPrivateKey) flags.push('DiscardPK');
  // Tor refuses ClientAuthV3= without this flag ("No auth type specified"; control-spec 3.27 Flags V3Auth).
  if ((request.clientAuthV3 ?? []).length > 0) flags.push('V3Auth');
  if (flags.length > 0) args.push(`Flags=${flags.join(',')}`);
  if (request.maxStreams !== undefined) {
    if (!Number.isInteger(request.maxStreams) || request.maxStreams < 0 || request.maxStreams > 65535) throw argumentError('MaxStreams must be 0–65535');
    args.push(`MaxStreams=${request.maxStreams}`);
  }
  for (const port of request.ports) args.push(formatPort(port));
  for (const key of request.clientAuthV3 ?? []) {
    if (!CLIENT_KEY.test(key)) throw argumentError('a ClientAuthV3 key is not 52 base32 characters');
    args.push(`ClientAuthV3=${key}`);
  }
  return args;
}

/** ADD_ONION reply: `250-ServiceID=…`, optional `250-PrivateKey=…`, `250 OK`. */
export function parseAddOnion(reply: ControlReply): AddOnionResult {
  let serviceId: string | undefined;
  let privateKey: string | undefined;
  for (const line of reply.lines) {
    const { keywords } = parseReplyArguments(line.text);
    serviceId ??= keywords.get('ServiceID');
    privateKey ??= keywords.get('PrivateKey');
  }
  if (serviceId === undefined || !SERVICE_ID.test(serviceId)) {
    throw protocolError('an ADD_ONION reply without a valid ServiceID', reply.lines[0]?.text ?? '');
  }
  return privateKey === undefined ? { serviceId } : { serviceId, privateKey };
}
