/**
 * Control-port authentication (control-spec 3.5 AUTHENTICATE, 3.21 PROTOCOLINFO, 3.24 AUTHCHALLENGE).
 *
 * Preference order: SAFECOOKIE (the cookie never crosses the socket and tor proves it knows the cookie),
 * COOKIE, HASHEDPASSWORD (when a password is given), NULL. The server hash of SAFECOOKIE is checked in
 * constant time; a mismatch means the cookie is not this tor's (or the port is not tor).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile as fsReadFile } from 'node:fs/promises';
import { VeilError, quoteUntrusted, sensitive, logger, type AbortOptions } from '../../core/index.js';
import { parseReplyArguments, quoteString } from './command-format.js';
import { rejected, type TorControl } from './client.js';
import type { ControlReply } from './reply-codec.js';

const log = logger('veil:tor:control:auth');

/** Control-spec 3.24: HMAC-SHA256 keys of SAFECOOKIE. */
export const SAFECOOKIE_SERVER_KEY = 'Tor safe cookie authentication server-to-controller hash';
export const SAFECOOKIE_CLIENT_KEY = 'Tor safe cookie authentication controller-to-server hash';
/** Control-spec 3.24: the cookie is 32 bytes; nonces are 32 bytes. */
export const COOKIE_BYTES = 32;
const NONCE_BYTES = 32;

export const AUTH_METHODS = ['SAFECOOKIE', 'COOKIE', 'HASHEDPASSWORD', 'NULL'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export interface ProtocolInfo {
  readonly protocolInfoVersion: number;
  /** Methods tor accepts, raw (unknown ones kept). */
  readonly methods: readonly string[];
  readonly cookieFile: string | undefined;
  readonly torVersion: string | undefined;
}

/** PROTOCOLINFO 1 (control-spec 3.21); allowed once before authenticating. Throws VEIL_TOR_CONTROL_*. */
export async function protocolInfo(ctl: TorControl, options: AbortOptions = {}): Promise<ProtocolInfo> {
  const reply = await ctl.send('PROTOCOLINFO', ['1'], options);
  return parseProtocolInfo(reply);
}

export function parseProtocolInfo(reply: ControlReply): ProtocolInfo {
  let version: number | undefined;
  let methods: string[] | undefined;
  let cookieFile: string | undefined;
  let torVersion: string | undefined;
  for (const line of reply.lines) {
    const { positional, keywords } = parseReplyArguments(line.text);
    const kind = positional[0];
    if (kind === 'PROTOCOLINFO') version = Number(positional[1]);
    else if (kind === 'AUTH') {
      methods = (keywords.get('METHODS') ?? '').split(',').filter((m) => m !== '');
      cookieFile = keywords.get('COOKIEFILE');
    } else if (kind === 'VERSION') torVersion = keywords.get('Tor');
  }
  if (version === undefined || !Number.isInteger(version) || methods === undefined) {
    throw new VeilError('VEIL_TOR_CONTROL_PROTOCOL', `Tor control port sent a PROTOCOLINFO reply without version or AUTH line: ${quoteUntrusted(reply.lines.map((l) => l.text).join(' / '))}`);
  }
  return { protocolInfoVersion: version, methods, cookieFile, torVersion };
}

export interface AuthenticateOptions extends AbortOptions {
  /** Control password (HASHEDPASSWORD). A secret: never logged. */
  password?: string;
  /** Cookie file to use instead of the COOKIEFILE tor announces. */
  cookiePath?: string;
  /** Methods to try, in order of preference (default AUTH_METHODS). Only the first usable one is used. */
  methods?: readonly AuthMethod[];
  /** Reads the cookie file (default fs.readFile); injectable for tests. */
  readFile?: (path: string) => Promise<Uint8Array>;
}

export interface AuthenticateResult {
  readonly method: AuthMethod;
  readonly protocolInfo: ProtocolInfo;
}

async function readCookie(path: string | undefined, options: AuthenticateOptions): Promise<Buffer> {
  if (path === undefined) {
    throw new VeilError('VEIL_TOR_AUTH_COOKIE_UNREADABLE', 'cannot read Tor control cookie: tor did not announce a cookie file', {
      hint: 'set CookieAuthFile in the torrc, or pass the cookie path explicitly',
    });
  }
  let bytes: Uint8Array;
  try {
    bytes = await (options.readFile ?? fsReadFile)(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const denied = code === 'EACCES' || code === 'EPERM';
    throw new VeilError('VEIL_TOR_AUTH_COOKIE_UNREADABLE', `cannot read Tor control cookie: ${denied ? 'permission denied' : (code ?? 'read failed')}`, {
      cause: err,
      details: { errno: code },
      ...(denied ? {} : { hint: 'check that tor runs with CookieAuthentication 1 and that the cookie path is right' }),
    });
  }
  if (bytes.length !== COOKIE_BYTES) {
    throw new VeilError('VEIL_TOR_AUTH_COOKIE_UNREADABLE', `cannot use Tor control cookie: the file has ${bytes.length} bytes, not ${COOKIE_BYTES}`, {
      hint: 'the file is not a Tor control auth cookie: check the cookie path',
    });
  }
  return Buffer.from(bytes);
}

/** Control-spec 3.24: HMAC-SHA256(key, CookieString | ClientNonce | ServerNonce). */
export function safeCookieHash(key: string, cookie: Uint8Array, clientNonce: Uint8Array, serverNonce: Uint8Array): Buffer {
  return createHmac('sha256', key).update(cookie).update(clientNonce).update(serverNonce).digest();
}

const HEX64 = /^[0-9A-Fa-f]{64}$/;

async function authenticateSafeCookie(ctl: TorControl, cookie: Buffer, options: AbortOptions): Promise<ControlReply> {
  const clientNonce = randomBytes(NONCE_BYTES);
  const challenge = await ctl.send('AUTHCHALLENGE', ['SAFECOOKIE', clientNonce.toString('hex').toUpperCase()], options);
  const args = parseReplyArguments(challenge.lines[0]?.text ?? '');
  const serverHashHex = args.keywords.get('SERVERHASH') ?? '';
  const serverNonceHex = args.keywords.get('SERVERNONCE') ?? '';
  if (args.positional[0] !== 'AUTHCHALLENGE' || !HEX64.test(serverHashHex) || !HEX64.test(serverNonceHex)) {
    throw new VeilError('VEIL_TOR_CONTROL_PROTOCOL', `Tor control port sent a malformed AUTHCHALLENGE reply: ${quoteUntrusted(challenge.lines[0]?.text ?? '')}`);
  }
  const serverNonce = Buffer.from(serverNonceHex, 'hex');
  const expected = safeCookieHash(SAFECOOKIE_SERVER_KEY, cookie, clientNonce, serverNonce);
  if (!timingSafeEqual(expected, Buffer.from(serverHashHex, 'hex'))) {
    throw new VeilError('VEIL_TOR_AUTH_COOKIE', 'Tor control authentication failed: the SAFECOOKIE server hash does not match our cookie (wrong cookie file, or the port is not this tor)');
  }
  const clientHash = safeCookieHash(SAFECOOKIE_CLIENT_KEY, cookie, clientNonce, serverNonce);
  return ctl.sendRaw('AUTHENTICATE', [clientHash.toString('hex').toUpperCase()], options);
}

function chooseMethod(info: ProtocolInfo, options: AuthenticateOptions): AuthMethod {
  const preference = options.methods ?? AUTH_METHODS;
  for (const method of preference) {
    if (!info.methods.includes(method)) continue;
    if (method === 'HASHEDPASSWORD' && options.password === undefined) continue;
    return method;
  }
  if (info.methods.includes('HASHEDPASSWORD') && options.password === undefined && preference.includes('HASHEDPASSWORD')) {
    throw new VeilError('VEIL_TOR_AUTH_PASSWORD', 'cannot authenticate to Tor: it requires a control password and none was given');
  }
  throw new VeilError('VEIL_TOR_AUTH_UNSUPPORTED', `cannot authenticate to Tor: it offers ${quoteUntrusted(info.methods.join(','))}, Veil tries ${preference.join(',')}`, {
    details: { offered: info.methods, tried: preference },
  });
}

/**
 * PROTOCOLINFO, then AUTHENTICATE with the best method both sides support. Must be the first commands on
 * the connection. Throws VEIL_TOR_AUTH_COOKIE_UNREADABLE, VEIL_TOR_AUTH_COOKIE, VEIL_TOR_AUTH_PASSWORD,
 * VEIL_TOR_AUTH_UNSUPPORTED, VEIL_TOR_CONTROL_*; honours `signal`. Tor closes the connection after a failure.
 */
export async function authenticate(ctl: TorControl, options: AuthenticateOptions = {}): Promise<AuthenticateResult> {
  const info = await protocolInfo(ctl, options);
  const method = chooseMethod(info, options);
  const cookiePath = options.cookiePath ?? info.cookieFile;
  log.debug('authenticating with', method, 'cookie', sensitive(cookiePath));
  let reply: ControlReply;
  switch (method) {
    case 'SAFECOOKIE':
      reply = await authenticateSafeCookie(ctl, await readCookie(cookiePath, options), options);
      break;
    case 'COOKIE':
      reply = await ctl.sendRaw('AUTHENTICATE', [(await readCookie(cookiePath, options)).toString('hex').toUpperCase()], options);
      break;
    case 'HASHEDPASSWORD':
      reply = await ctl.sendRaw('AUTHENTICATE', [quoteString(options.password ?? '')], options);
      break;
    case 'NULL':
      reply = await ctl.sendRaw('AUTHENTICATE', [], options);
      break;
  }
  if (reply.status >= 200 && reply.status <= 299) return { method, protocolInfo: info };
  if (reply.status === 515 && method === 'HASHEDPASSWORD') {
    throw new VeilError('VEIL_TOR_AUTH_PASSWORD', 'Tor rejected the control password', { cause: rejected('AUTHENTICATE', reply) });
  }
  if (reply.status === 515 && (method === 'COOKIE' || method === 'SAFECOOKIE')) {
    throw new VeilError('VEIL_TOR_AUTH_COOKIE', 'Tor rejected the control auth cookie', { cause: rejected('AUTHENTICATE', reply) });
  }
  throw rejected('AUTHENTICATE', reply);
}
