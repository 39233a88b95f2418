/**
 * SOCKS5 failure replies → VeilError. RFC 1928 §6 codes 0x01-0x08 and Tor's extended codes 0xF0-0xF7
 * (socks-extensions "Extended error codes"; tor sends them only on SocksPorts with the ExtendedErrors flag).
 * The raw code is kept in `details.socksReply`; unknown codes become VEIL_SOCKS_REPLY_UNKNOWN.
 */
import { VeilError, sensitive } from '../../core/index.js';
import { COMMAND, REPLY_ERRORS } from './constants.js';

export interface ReplyContext {
  /** The SOCKS command that failed. */
  readonly command: number;
  /** The target as requested (host name or IP); redacted in the message unless sensitive logging is on. */
  readonly target: string;
  readonly port?: number | undefined;
}

const VERBS: ReadonlyMap<number, string> = new Map([
  [COMMAND.CONNECT, 'connect to'],
  [COMMAND.RESOLVE, 'resolve'],
  [COMMAND.RESOLVE_PTR, 'reverse-resolve'],
]);

/** The VeilError for a failure reply `reply` (never 0x00, which is success: that is a bug). */
export function replyError(reply: number, context: ReplyContext): VeilError {
  const hex = `0x${reply.toString(16).padStart(2, '0')}`;
  const verb = VERBS.get(context.command) ?? `run SOCKS command 0x${context.command.toString(16)} for`;
  const target = context.port === undefined ? `${sensitive(context.target)}` : `${sensitive(context.target)}:${context.port}`;
  const known = REPLY_ERRORS.get(reply);
  const details = { socksReply: reply, command: context.command };
  if (!known) {
    if (reply === 0) throw new Error('replyError called for a success reply (a bug in Veil)');
    return new VeilError('VEIL_SOCKS_REPLY_UNKNOWN', `SOCKS server could not ${verb} ${target}: unknown reply ${hex}`, { details });
  }
  return new VeilError(known.code, `SOCKS server could not ${verb} ${target}: ${known.text} (reply ${hex})`, { details });
}
