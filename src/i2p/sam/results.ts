/**
 * SAM v3 RESULT values (geti2p.net/en/docs/api/samv3, replies of HELLO, SESSION CREATE, STREAM CONNECT /
 * ACCEPT / FORWARD, NAMING LOOKUP, DEST GENERATE) and the VeilError code each one maps to.
 */
import { VeilError, quoteUntrusted, type VeilErrorCode } from '../../core/index.js';
import type { SamReply } from './codec.js';

/** RESULT value → error code. OK is not here: it is success. */
export const RESULT_CODES: Readonly<Record<string, VeilErrorCode>> = Object.freeze({
  CANT_REACH_PEER: 'VEIL_SAM_CANT_REACH_PEER',
  DUPLICATED_DEST: 'VEIL_SAM_DUPLICATED_DEST',
  DUPLICATED_ID: 'VEIL_SAM_DUPLICATED_ID',
  I2P_ERROR: 'VEIL_SAM_I2P_ERROR',
  INVALID_ID: 'VEIL_SAM_INVALID_ID',
  INVALID_KEY: 'VEIL_SAM_INVALID_KEY',
  KEY_NOT_FOUND: 'VEIL_SAM_KEY_NOT_FOUND',
  PEER_NOT_FOUND: 'VEIL_SAM_PEER_NOT_FOUND',
  TIMEOUT: 'VEIL_SAM_TIMEOUT',
  NOVERSION: 'VEIL_SAM_NOVERSION',
});

/**
 * Checks that `reply` is `<topic> <kind>` and, unless `requireResult` is false, that RESULT=OK.
 * Throws VEIL_SAM_PROTOCOL for a wrong reply, the mapped code for a known RESULT, VEIL_SAM_RESULT_UNKNOWN
 * otherwise. The MESSAGE pair (free text from the router) is kept in details.
 */
export function expectOk(reply: SamReply, topic: string, kind: string, what: string, requireResult = true): SamReply {
  if (reply.topic !== topic || reply.kind !== kind) {
    throw new VeilError('VEIL_SAM_PROTOCOL', `${what}: expected ${topic} ${kind}, got ${quoteUntrusted(`${reply.topic} ${reply.kind}`)}`);
  }
  const result = reply.args.get('RESULT');
  if (result === undefined) {
    if (!requireResult) return reply;
    throw new VeilError('VEIL_SAM_PROTOCOL', `${what}: ${topic} ${kind} without RESULT`);
  }
  if (result === 'OK') return reply;
  const message = reply.args.get('MESSAGE');
  const details = { result: quoteUntrusted(result, 40), ...(message === undefined ? {} : { message: quoteUntrusted(message, 200) }) };
  const code = Object.hasOwn(RESULT_CODES, result) ? RESULT_CODES[result] : undefined;
  const suffix = message === undefined ? '' : `: ${quoteUntrusted(message, 200)}`;
  if (code === undefined) {
    throw new VeilError('VEIL_SAM_RESULT_UNKNOWN', `${what}: SAM bridge answered RESULT=${quoteUntrusted(result, 40)}${suffix}`, { details });
  }
  return throwResult(code, `${what}: SAM bridge answered RESULT=${result}${suffix}`, details);
}

function throwResult(code: VeilErrorCode, message: string, details: Record<string, unknown>): never {
  throw new VeilError(code, message, { details });
}

/** Gets a required pair or throws VEIL_SAM_PROTOCOL. */
export function requireArg(reply: SamReply, key: string, what: string): string {
  const v = reply.args.get(key);
  if (v === undefined || v === '') throw new VeilError('VEIL_SAM_PROTOCOL', `${what}: ${reply.topic} ${reply.kind} without ${key}`);
  return v;
}
