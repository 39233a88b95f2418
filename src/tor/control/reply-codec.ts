/**
 * Pure incremental codec for Tor control-port replies (control-spec section 2.3 "Replies from Tor to the
 * controller", 2.4 "General-use tokens"). No sockets, no timers: bytes in, complete replies out.
 *
 *   Reply         = SyncReply / AsyncReply
 *   SyncReply     = *(MidReplyLine / DataReplyLine) EndReplyLine
 *   AsyncReply    = *(MidReplyLine / DataReplyLine) EndReplyLine      (status 6xx, e.g. 650 events)
 *   MidReplyLine  = StatusCode "-" ReplyLine
 *   DataReplyLine = StatusCode "+" ReplyLine CmdData                  (dot-encoded body ending in "." CRLF)
 *   EndReplyLine  = StatusCode SP ReplyLine
 *
 * Asynchronous lines (status 6xx) may arrive between the lines of a synchronous reply; the decoder keeps
 * one accumulator for each, so an event interleaved in a multi-line reply is returned whole and the reply
 * is not disturbed. Every limit breach or malformed line throws VEIL_TOR_CONTROL_PROTOCOL, after which the
 * decoder stays failed (the stream cannot be resynchronised).
 */
import { VeilError, quoteUntrusted } from '../../core/index.js';

/** How a reply line ends (control-spec 2.3): "-" mid line, "+" data line, " " end line. */
export type ReplyLineKind = 'mid' | 'data' | 'end';

export interface ReplyLine {
  readonly status: number;
  readonly kind: ReplyLineKind;
  /** The ReplyText after the separator (decoded as UTF-8; Tor sends ASCII). */
  readonly text: string;
  /** For data lines: the body with dot-encoding removed, lines joined with "\n" (no final newline). */
  readonly data?: string;
}

export interface ControlReply {
  /** Status of the end line (control-spec 4: 2xx success, 4xx/5xx errors, 6xx asynchronous). */
  readonly status: number;
  /** True for asynchronous replies (status 6xx), i.e. events. */
  readonly isAsync: boolean;
  readonly lines: readonly ReplyLine[];
}

export interface ReplyLimits {
  /** Longest line accepted, in bytes, without its CRLF. */
  readonly maxLineBytes: number;
  /** Most lines (reply lines plus data lines) in one reply. */
  readonly maxLinesPerReply: number;
  /** Largest reply, in bytes, counting every line and its CRLF. */
  readonly maxReplyBytes: number;
}

export const DEFAULT_REPLY_LIMITS: ReplyLimits = Object.freeze({
  maxLineBytes: 64 * 1024,
  maxLinesPerReply: 200_000,
  maxReplyBytes: 32 * 1024 * 1024,
});

/** Returned by ReplyDecoder.next() when no complete reply is buffered yet (not an error). */
export const NEED_MORE: unique symbol = Symbol('tor-control-need-more');
export type NeedMore = typeof NEED_MORE;

const SEPARATORS: Readonly<Record<string, ReplyLineKind>> = Object.freeze({ '-': 'mid', '+': 'data', ' ': 'end' });
const LF = 0x0a;
const CR = 0x0d;

interface Accumulator {
  lines: ReplyLine[];
  lineCount: number;
  bytes: number;
  /** Set while the body of a data line is being read. */
  pendingData: { status: number; text: string; body: string[] } | undefined;
}

function emptyAccumulator(): Accumulator {
  return { lines: [], lineCount: 0, bytes: 0, pendingData: undefined };
}

function protocolError(message: string, line: Uint8Array | string | undefined, details: Record<string, unknown> = {}): VeilError {
  const quoted = line === undefined ? '' : `: ${quoteUntrusted(line)}`;
  return new VeilError('VEIL_TOR_CONTROL_PROTOCOL', `Tor control port sent ${message}${quoted}`, { details });
}

/**
 * Incremental decoder. push() bytes as they arrive, then call next() until it returns NEED_MORE.
 * Replies come out in the order their end lines arrived. Throws VEIL_TOR_CONTROL_PROTOCOL.
 */
export class ReplyDecoder {
  readonly #limits: ReplyLimits;
  #buffer: Buffer = Buffer.alloc(0);
  /** Bytes of #buffer already scanned for LF without finding one. */
  #scanned = 0;
  readonly #sync = emptyAccumulator();
  readonly #async = emptyAccumulator();
  /** Which accumulator the current data body belongs to. */
  #dataOwner: Accumulator | undefined;
  readonly #ready: ControlReply[] = [];
  #failure: VeilError | undefined;

  constructor(limits: Partial<ReplyLimits> = {}) {
    this.#limits = { ...DEFAULT_REPLY_LIMITS, ...limits };
  }

  /** True when a reply is partly received (used to report truncation at end of stream). */
  get hasPartialReply(): boolean {
    return this.#buffer.length > 0 || this.#sync.lineCount > 0 || this.#async.lineCount > 0;
  }

  push(chunk: Uint8Array): void {
    if (this.#failure) throw this.#failure;
    if (chunk.length === 0) return;
    this.#buffer = this.#buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buffer, chunk]);
    try {
      this.#drainLines();
    } catch (err) {
      this.#failure = err instanceof VeilError ? err : protocolError('undecodable data', undefined, { cause: String(err) });
      throw this.#failure;
    }
  }

  /** The next complete reply, or NEED_MORE. */
  next(): ControlReply | NeedMore {
    if (this.#failure) throw this.#failure;
    return this.#ready.shift() ?? NEED_MORE;
  }

  #drainLines(): void {
    for (;;) {
      const lf = this.#buffer.indexOf(LF, this.#scanned);
      if (lf < 0) {
        this.#scanned = this.#buffer.length;
        if (this.#buffer.length > this.#limits.maxLineBytes + 1) {
          throw protocolError(`a line longer than ${this.#limits.maxLineBytes} bytes`, this.#buffer.subarray(0, 80), {
            limit: 'maxLineBytes',
          });
        }
        return;
      }
      const end = lf > 0 && this.#buffer[lf - 1] === CR ? lf - 1 : lf;
      const line = this.#buffer.subarray(0, end);
      const consumed = lf + 1;
      if (line.length > this.#limits.maxLineBytes) {
        throw protocolError(`a line longer than ${this.#limits.maxLineBytes} bytes`, line.subarray(0, 80), { limit: 'maxLineBytes' });
      }
      this.#onLine(line, consumed);
      this.#buffer = this.#buffer.subarray(consumed);
      this.#scanned = 0;
    }
  }

  #count(acc: Accumulator, bytes: number, line: Uint8Array): void {
    acc.lineCount += 1;
    acc.bytes += bytes;
    if (acc.lineCount > this.#limits.maxLinesPerReply) {
      throw protocolError(`a reply with more than ${this.#limits.maxLinesPerReply} lines`, line, { limit: 'maxLinesPerReply' });
    }
    if (acc.bytes > this.#limits.maxReplyBytes) {
      throw protocolError(`a reply larger than ${this.#limits.maxReplyBytes} bytes`, line, { limit: 'maxReplyBytes' });
    }
  }

  #onLine(line: Buffer, consumedBytes: number): void {
    const owner = this.#dataOwner;
    if (owner?.pendingData) {
      // Inside CmdData (control-spec 2.3 / 2.1 "Data"): "." alone ends the body, ".." escapes a leading dot.
      this.#count(owner, consumedBytes, line);
      if (line.length === 1 && line[0] === 0x2e) {
        const { status, text, body } = owner.pendingData;
        owner.lines.push({ status, kind: 'data', text, data: body.join('\n') });
        owner.pendingData = undefined;
        this.#dataOwner = undefined;
        return;
      }
      const unescaped = line[0] === 0x2e ? line.subarray(1) : line;
      owner.pendingData.body.push(decodeText(unescaped, line));
      return;
    }
    if (line.length < 4) throw protocolError('a reply line shorter than a status code and separator', line);
    const statusText = line.subarray(0, 3).toString('latin1');
    if (!/^[1-9][0-9]{2}$/.test(statusText)) throw protocolError('a reply line without a 3-digit status code', line);
    const kind = SEPARATORS[String.fromCharCode(line[3]!)];
    if (kind === undefined) throw protocolError('a reply line with an unknown separator', line);
    const status = Number(statusText);
    const acc = status >= 600 && status < 700 ? this.#async : this.#sync;
    this.#count(acc, consumedBytes, line);
    const text = decodeText(line.subarray(4), line);
    if (kind === 'data') {
      acc.pendingData = { status, text, body: [] };
      this.#dataOwner = acc;
      return;
    }
    acc.lines.push({ status, kind, text });
    if (kind === 'end') {
      this.#ready.push({ status, isAsync: acc === this.#async, lines: acc.lines });
      acc.lines = [];
      acc.lineCount = 0;
      acc.bytes = 0;
    }
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function decodeText(bytes: Uint8Array, line: Uint8Array): string {
  if (bytes.includes(0)) throw protocolError('a line containing a NUL byte', line);
  try {
    return UTF8.decode(bytes);
  } catch (err) {
    throw protocolError('a line that is not valid UTF-8', line, { cause: String(err) });
  }
}

/**
 * Encodes a reply in wire format (CRLF line ends, dot-encoded data). Used by test servers and by the
 * round-trip property tests; Veil itself never sends replies.
 */
export function encodeReply(reply: ControlReply): Buffer {
  const parts: string[] = [];
  reply.lines.forEach((line, i) => {
    const isLast = i === reply.lines.length - 1;
    const kind: ReplyLineKind = isLast ? 'end' : line.kind === 'end' ? 'mid' : line.kind;
    const sep = kind === 'mid' ? '-' : kind === 'data' ? '+' : ' ';
    parts.push(`${String(line.status).padStart(3, '0')}${sep}${line.text}\r\n`);
    if (kind === 'data') parts.push(encodeData(line.data ?? ''));
  });
  return Buffer.from(parts.join(''), 'utf8');
}

/** Dot-encodes a body (control-spec 2.1 CmdData): lines end in CRLF, leading "." doubled, "." CRLF ends it. */
export function encodeData(body: string): string {
  const lines = body === '' ? [] : body.split(/\r?\n/);
  return lines.map((l) => (l.startsWith('.') ? `.${l}\r\n` : `${l}\r\n`)).join('') + '.\r\n';
}
