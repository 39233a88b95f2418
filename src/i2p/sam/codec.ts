/**
 * Pure SAM v3 codec: reply lines in, typed values out; commands out. No sockets, no timers.
 *
 * SAM v3 (geti2p.net/en/docs/api/samv3, "Protocol" and "SAM 3.2 changes"): every message is one line of
 * ASCII ended by "\n" ("\r\n" is tolerated). The first two words name the message (`HELLO REPLY`,
 * `SESSION STATUS`, `STREAM STATUS`, `NAMING REPLY`, `DEST REPLY`); the rest are `KEY=VALUE` pairs in any
 * order. A value may be wrapped in double quotes, inside which `\"` and `\\` are escapes (3.2). A key may
 * appear without `=` (3.2), which we read as an empty value.
 *
 * Decoders are incremental: they return a value plus the bytes consumed, or NEED_MORE when no complete
 * line is buffered yet. Malformed input throws VeilError VEIL_SAM_PROTOCOL; a line longer than the limit
 * throws VEIL_SAM_LINE_TOO_LONG.
 */
import { VeilError, quoteUntrusted } from '../../core/index.js';

/** Distinct "need more bytes" marker (not an error). */
export const NEED_MORE = Symbol('sam:need-more');
export type NeedMore = typeof NEED_MORE;

export interface Decoded<T> {
  readonly value: T;
  /** Bytes of the input used by this value (including the line terminator). */
  readonly consumed: number;
}

export interface SamCodecLimits {
  /** Longest accepted line in bytes, terminator included (default 16 384; a private key line is ~1 KB). */
  readonly maxLineBytes?: number;
  /** Most KEY=VALUE pairs on one line (default 32). */
  readonly maxArgs?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 16_384;
export const DEFAULT_MAX_ARGS = 32;

/** One reply line, e.g. `STREAM STATUS RESULT=OK`. `args` is a Map: the pairs are untrusted. */
export interface SamReply {
  /** First word, e.g. `SESSION`. */
  readonly topic: string;
  /** Second word, e.g. `STATUS`. */
  readonly kind: string;
  readonly args: ReadonlyMap<string, string>;
}

/** The line that starts an accepted or forwarded stream: the peer's destination, then optional pairs (3.2). */
export interface SamPeerLine {
  readonly destination: string;
  readonly args: ReadonlyMap<string, string>;
}

const LF = 0x0a;
const CR = 0x0d;
const WORD = /^[A-Z][A-Z0-9_]*$/;
const KEY = /^[A-Za-z0-9_.\-]+$/;
const I2P_BASE64 = /^[A-Za-z0-9\-~]+={0,2}$/;

function protocolError(what: string, line: string): VeilError {
  return new VeilError('VEIL_SAM_PROTOCOL', `invalid SAM reply: ${what}: ${quoteUntrusted(line)}`, {
    details: { line: quoteUntrusted(line) },
  });
}

/**
 * Finds the next complete line. Returns its text (terminator removed) and bytes consumed, or NEED_MORE.
 * Only printable ASCII and tab are allowed inside a line.
 */
export function decodeLine(input: Uint8Array, limits: SamCodecLimits = {}): Decoded<string> | NeedMore {
  const max = limits.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const scan = Math.min(input.length, max);
  let end = -1;
  for (let i = 0; i < scan; i++) {
    if (input[i] === LF) {
      end = i;
      break;
    }
  }
  if (end < 0) {
    if (input.length >= max) {
      throw new VeilError('VEIL_SAM_LINE_TOO_LONG', `SAM reply line longer than ${max} bytes`, {
        details: { maxLineBytes: max, start: quoteUntrusted(input.subarray(0, 40)) },
      });
    }
    return NEED_MORE;
  }
  let stop = end;
  if (stop > 0 && input[stop - 1] === CR) stop--;
  for (let i = 0; i < stop; i++) {
    const b = input[i]!;
    if ((b < 0x20 && b !== 0x09) || b > 0x7e) {
      throw protocolError(`byte 0x${b.toString(16).padStart(2, '0')} at offset ${i}`, Buffer.from(input.subarray(0, stop)).toString('latin1'));
    }
  }
  return { value: Buffer.from(input.subarray(0, stop)).toString('latin1'), consumed: end + 1 };
}

/** Splits the text after the first words into KEY=VALUE pairs (quoted values per SAM 3.2). */
function parsePairs(line: string, start: number, maxArgs: number): Map<string, string> {
  const args = new Map<string, string>();
  let i = start;
  const n = line.length;
  while (i < n) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && line[i] !== '=' && line[i] !== ' ' && line[i] !== '\t') i++;
    const key = line.slice(keyStart, i);
    if (!KEY.test(key)) throw protocolError(`bad key ${quoteUntrusted(key, 20)}`, line);
    let value = '';
    if (line[i] === '=') {
      i++;
      if (line[i] === '"') {
        i++;
        let out = '';
        let closed = false;
        while (i < n) {
          const c = line[i]!;
          if (c === '\\') {
            const next = line[i + 1];
            if (next !== '"' && next !== '\\') throw protocolError('bad escape in quoted value', line);
            out += next;
            i += 2;
          } else if (c === '"') {
            closed = true;
            i++;
            break;
          } else {
            out += c;
            i++;
          }
        }
        if (!closed) throw protocolError('unterminated quoted value', line);
        if (i < n && line[i] !== ' ' && line[i] !== '\t') throw protocolError('text after a quoted value', line);
        value = out;
      } else {
        const valueStart = i;
        while (i < n && line[i] !== ' ' && line[i] !== '\t') i++;
        value = line.slice(valueStart, i);
        if (value.includes('"')) throw protocolError('stray quote in value', line);
      }
    } else if (i < n && line[i] !== ' ' && line[i] !== '\t') {
      throw protocolError('bad pair', line);
    }
    if (args.has(key)) throw protocolError(`duplicate key ${key}`, line);
    if (args.size >= maxArgs) throw protocolError(`more than ${maxArgs} pairs`, line);
    args.set(key, value);
  }
  return args;
}

/** Parses one complete reply line (no terminator). Throws VEIL_SAM_PROTOCOL. */
export function parseReplyLine(line: string, limits: SamCodecLimits = {}): SamReply {
  const m = /^([^ \t]*)[ \t]+([^ \t]*)/.exec(line);
  const topic = m?.[1] ?? '';
  const kind = m?.[2] ?? '';
  if (!m || !WORD.test(topic) || !WORD.test(kind)) throw protocolError('expected two upper-case words', line);
  return { topic, kind, args: parsePairs(line, m[0].length, limits.maxArgs ?? DEFAULT_MAX_ARGS) };
}

/** Incremental: decodes the next reply line from `input`. */
export function decodeReply(input: Uint8Array, limits: SamCodecLimits = {}): Decoded<SamReply> | NeedMore {
  const line = decodeLine(input, limits);
  if (line === NEED_MORE) return NEED_MORE;
  return { value: parseReplyLine(line.value, limits), consumed: line.consumed };
}

/**
 * Incremental: decodes the first line of an accepted/forwarded stream (SAM v3 "STREAM ACCEPT": the peer's
 * base64 destination, then from 3.2 optional FROM_PORT/TO_PORT pairs).
 */
export function decodePeerLine(input: Uint8Array, limits: SamCodecLimits = {}): Decoded<SamPeerLine> | NeedMore {
  const line = decodeLine(input, limits);
  if (line === NEED_MORE) return NEED_MORE;
  const text = line.value;
  const sp = text.search(/[ \t]/);
  const destination = sp < 0 ? text : text.slice(0, sp);
  if (!I2P_BASE64.test(destination)) throw protocolError('expected the peer destination', text);
  const args = sp < 0 ? new Map<string, string>() : parsePairs(text, sp, limits.maxArgs ?? DEFAULT_MAX_ARGS);
  return { value: { destination, args }, consumed: line.consumed };
}

export interface EncodeOptions {
  /**
   * Quote values holding spaces, `"` or `\` (SAM 3.2). Off by default: i2pd 2.45 splits on spaces without
   * honouring quotes, so a quoted value could smuggle extra pairs into the command.
   */
  readonly allowQuoted?: boolean;
}

function commandError(what: string): VeilError {
  return new VeilError('VEIL_SAM_COMMAND_INVALID', `refusing to send SAM command: ${what}`);
}

/**
 * Encodes one command line, e.g. encodeCommand('STREAM', 'CONNECT', [['ID', 'veil'], ['DESTINATION', d]]).
 * Throws VEIL_SAM_COMMAND_INVALID for anything that could change the command's meaning: control
 * characters (newline, CR, NUL…), non-ASCII, bad words or keys, and spaces/quotes unless allowQuoted.
 */
export function encodeCommand(
  topic: string,
  kind: string,
  args: Iterable<readonly [string, string]> = [],
  options: EncodeOptions = {},
): string {
  if (!WORD.test(topic) || !WORD.test(kind)) throw commandError(`bad command words ${quoteUntrusted(`${topic} ${kind}`)}`);
  let out = `${topic} ${kind}`;
  const seen = new Set<string>();
  for (const [key, value] of args) {
    if (!KEY.test(key)) throw commandError(`bad key ${quoteUntrusted(key)}`);
    if (seen.has(key)) throw commandError(`duplicate key ${key}`);
    seen.add(key);
    out += ` ${key}=${encodeValue(key, value, options)}`;
  }
  return `${out}\n`;
}

function encodeValue(key: string, value: string, options: EncodeOptions): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw commandError(`value of ${key} holds a control or non-ASCII character`);
  }
  if (!/[ "\\]/.test(value)) return value;
  if (!options.allowQuoted) throw commandError(`value of ${key} holds a space, quote or backslash`);
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Convenience: bytes of an encoded command. */
export function encodeCommandBytes(
  topic: string,
  kind: string,
  args: Iterable<readonly [string, string]> = [],
  options: EncodeOptions = {},
): Uint8Array {
  return Buffer.from(encodeCommand(topic, kind, args, options), 'latin1');
}
