/**
 * SOCKS5 with Tor's extensions: a pure codec (codec.ts), the sans-I/O client (client-machine.ts) and the
 * handshake over a stream someone else connected (handshake.ts). This folder never opens sockets.
 */
export { ATYP, COMMAND, METHOD, REPLY, REPLY_ERRORS, LIMITS as SOCKS_LIMITS, TOR_ISOLATION_USERNAME, SOCKS_VERSION } from './constants.js';
export type { SocksCommand } from './constants.js';
export {
  NEED_MORE,
  addressForHost,
  decodeGreeting,
  decodeMethodSelection,
  decodeReply,
  decodeRequest,
  decodeUserPassReply,
  decodeUserPassRequest,
  encodeAddress,
  encodeGreeting,
  encodeMethodSelection,
  encodeReply,
  encodeRequest,
  encodeUserPassReply,
  encodeUserPassRequest,
} from './codec.js';
export type { Decoded, Greeting, MethodSelection, SocksAddress, SocksReply, SocksRequest, UserPassReply, UserPassRequest } from './codec.js';
export { parseIPv4, parseIPv6, formatIPv4, formatIPv6 } from './ip-address.js';
export { replyError } from './reply-errors.js';
export type { ReplyContext } from './reply-errors.js';
export { SocksClientMachine } from './client-machine.js';
export type { SocksClientOptions, SocksCredentials, SocksStep } from './client-machine.js';
export { socksHandshake } from './handshake.js';
