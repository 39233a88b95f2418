/**
 * SOCKS5 protocol numbers (RFC 1928, RFC 1929) and Tor's extensions (torspec socks-extensions).
 * Only constants here; the codec is in codec.ts.
 */
import type { VeilErrorCode } from '../../core/index.js';

/** RFC 1928 §3: VER field of every SOCKS5 message. */
export const SOCKS_VERSION = 0x05;
/** RFC 1929 §2: VER field of the username/password subnegotiation. */
export const USERPASS_VERSION = 0x01;

/** RFC 1928 §3: authentication METHOD values. */
export const METHOD = Object.freeze({
  NO_AUTH: 0x00,
  GSSAPI: 0x01,
  USERNAME_PASSWORD: 0x02,
  NO_ACCEPTABLE: 0xff,
} as const);

/** RFC 1928 §4 CMD values, plus Tor's RESOLVE/RESOLVE_PTR (socks-extensions §2 "Name lookup"). */
export const COMMAND = Object.freeze({
  CONNECT: 0x01,
  BIND: 0x02,
  UDP_ASSOCIATE: 0x03,
  RESOLVE: 0xf0,
  RESOLVE_PTR: 0xf1,
} as const);
export type SocksCommand = (typeof COMMAND)[keyof typeof COMMAND];

/** RFC 1928 §5: ATYP values. */
export const ATYP = Object.freeze({
  IPV4: 0x01,
  DOMAIN: 0x03,
  IPV6: 0x04,
} as const);

/** RFC 1928 §6 REP values and Tor's extended codes (socks-extensions "Extended error codes", prop304). */
export const REPLY = Object.freeze({
  SUCCEEDED: 0x00,
  GENERAL_FAILURE: 0x01,
  NOT_ALLOWED: 0x02,
  NETWORK_UNREACHABLE: 0x03,
  HOST_UNREACHABLE: 0x04,
  CONNECTION_REFUSED: 0x05,
  TTL_EXPIRED: 0x06,
  COMMAND_UNSUPPORTED: 0x07,
  ADDRESS_UNSUPPORTED: 0x08,
  ONION_DESC_NOT_FOUND: 0xf0,
  ONION_DESC_INVALID: 0xf1,
  ONION_INTRO_FAILED: 0xf2,
  ONION_REND_FAILED: 0xf3,
  ONION_MISSING_CLIENT_AUTH: 0xf4,
  ONION_WRONG_CLIENT_AUTH: 0xf5,
  ONION_BAD_ADDRESS: 0xf6,
  ONION_INTRO_TIMEDOUT: 0xf7,
} as const);

/** Each failure reply code, its VeilError code and the words for the message. */
export const REPLY_ERRORS: ReadonlyMap<number, { readonly code: VeilErrorCode; readonly text: string }> = new Map([
  [REPLY.GENERAL_FAILURE, { code: 'VEIL_SOCKS_GENERAL_FAILURE', text: 'general SOCKS server failure' }],
  [REPLY.NOT_ALLOWED, { code: 'VEIL_SOCKS_NOT_ALLOWED', text: 'connection not allowed by ruleset' }],
  [REPLY.NETWORK_UNREACHABLE, { code: 'VEIL_DIAL_UNREACHABLE', text: 'network unreachable' }],
  [REPLY.HOST_UNREACHABLE, { code: 'VEIL_DIAL_UNREACHABLE', text: 'host unreachable' }],
  [REPLY.CONNECTION_REFUSED, { code: 'VEIL_DIAL_REFUSED', text: 'connection refused' }],
  [REPLY.TTL_EXPIRED, { code: 'VEIL_SOCKS_TTL_EXPIRED', text: 'TTL expired' }],
  [REPLY.COMMAND_UNSUPPORTED, { code: 'VEIL_SOCKS_COMMAND_UNSUPPORTED', text: 'command not supported' }],
  [REPLY.ADDRESS_UNSUPPORTED, { code: 'VEIL_SOCKS_ADDRESS_UNSUPPORTED', text: 'address type not supported' }],
  [REPLY.ONION_DESC_NOT_FOUND, { code: 'VEIL_TOR_ONION_NOT_FOUND', text: 'onion service descriptor can not be found' }],
  [REPLY.ONION_DESC_INVALID, { code: 'VEIL_TOR_ONION_DESC_INVALID', text: 'onion service descriptor is invalid' }],
  [REPLY.ONION_INTRO_FAILED, { code: 'VEIL_TOR_ONION_INTRO_FAILED', text: 'onion service introduction failed' }],
  [REPLY.ONION_REND_FAILED, { code: 'VEIL_TOR_ONION_REND_FAILED', text: 'onion service rendezvous failed' }],
  [REPLY.ONION_MISSING_CLIENT_AUTH, { code: 'VEIL_TOR_ONION_CLIENT_AUTH_MISSING', text: 'onion service missing client authorization' }],
  [REPLY.ONION_WRONG_CLIENT_AUTH, { code: 'VEIL_TOR_ONION_CLIENT_AUTH_WRONG', text: 'onion service wrong client authorization' }],
  [REPLY.ONION_BAD_ADDRESS, { code: 'VEIL_TOR_ONION_ADDRESS_INVALID', text: 'onion service invalid address' }],
  [REPLY.ONION_INTRO_TIMEDOUT, { code: 'VEIL_TOR_ONION_INTRO_TIMEOUT', text: 'onion service introduction timed out' }],
]);

/**
 * Tor's isolation-parameter username (socks-extensions "Interpreting usernames and passwords"): the magic
 * `<torS0X>` then format type `0`; the password is then the stream isolation parameter. Tor 0.4.9.1-alpha and
 * later parse it; older tors treat it as legacy isolation, which has the same effect.
 */
export const TOR_ISOLATION_USERNAME = '<torS0X>0';

/** Limits (RFC 1928 §4-5, RFC 1929 §2). */
export const LIMITS = Object.freeze({
  /** DOMAINNAME is one length octet then the name. */
  maxDomainBytes: 255,
  /** NMETHODS is one octet; 0 methods is meaningless. */
  maxMethods: 255,
  /** UNAME/PASSWD are one length octet then the bytes. */
  maxUsernameBytes: 255,
  maxPasswordBytes: 255,
} as const);
