/**
 * A small DNS message codec (RFC 1035 §4.1) for DNS-over-HTTPS (RFC 8484): enough to send one query and read
 * TXT and CNAME answers. Pure: bytes in, values out; no sockets, no timers.
 *
 * Written by hand rather than taken from npm (dns-packet) because every limit must hold against a hostile
 * resolver and every failure must be a VeilError with a protocol code: names are at most 255 wire bytes
 * (§2.3.4), compression pointers (§4.1.4) must point strictly before the lowest offset already visited (so a
 * pointer loop is impossible) and are counted, record counts and sizes are bounded (DNS_LIMITS). Label types
 * 0b01/0b10 (RFC 6891 §5: no extended label types in use) are refused.
 *
 * A DoH message is delimited by its HTTP body, so the decoder works on a complete message; DNS over TCP (a two
 * byte length prefix) is never used here.
 */
import { VeilError } from '../core/index.js';
import { DNS_LIMITS } from './defaults.js';

/** RR TYPE values (RFC 1035 §3.2.2, RFC 3596 §2.1, RFC 6891 §6.1.1). */
export const DNS_TYPE = Object.freeze({ A: 1, NS: 2, CNAME: 5, SOA: 6, TXT: 16, AAAA: 28, OPT: 41 });
/** CLASS IN (RFC 1035 §3.2.4). */
export const DNS_CLASS_IN = 1;
/** RCODE values (RFC 1035 §4.1.1). */
export const DNS_RCODE = Object.freeze({ NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 });

export type DnsLimits = typeof DNS_LIMITS;

export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

export interface DnsRecord {
  /** Owner name in presentation form, lower-case, no trailing dot ('' for the root). */
  readonly name: string;
  readonly type: number;
  readonly class: number;
  /** Seconds (RFC 2181 §8: values with the top bit set are treated as 0). */
  readonly ttl: number;
  readonly data: Uint8Array;
  /** TXT: the character-strings (RFC 1035 §3.3.14), decoded as UTF-8. */
  readonly txt?: readonly string[];
  /** CNAME: the canonical name (RFC 1035 §3.3.1). */
  readonly target?: string;
}

export interface DnsMessage {
  readonly id: number;
  readonly isResponse: boolean;
  readonly opcode: number;
  readonly isAuthoritative: boolean;
  readonly isTruncated: boolean;
  readonly isRecursionDesired: boolean;
  readonly isRecursionAvailable: boolean;
  readonly rcode: number;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

/** What encodeDnsMessage() takes: records give `txt` or `target` or raw `data`. */
export interface DnsMessageInput {
  id?: number;
  isResponse?: boolean;
  isAuthoritative?: boolean;
  isTruncated?: boolean;
  isRecursionDesired?: boolean;
  isRecursionAvailable?: boolean;
  rcode?: number;
  questions?: readonly DnsQuestion[];
  answers?: readonly DnsRecordInput[];
  authorities?: readonly DnsRecordInput[];
}

export interface DnsRecordInput {
  name: string;
  type: number;
  class?: number;
  ttl: number;
  txt?: readonly string[];
  target?: string;
  data?: Uint8Array;
}

function invalid(what: string, offset: number): VeilError {
  return new VeilError('VEIL_DNS_MESSAGE_INVALID', `malformed DNS message at byte ${offset}: ${what}`, { details: { offset } });
}

function limit(what: string): VeilError {
  return new VeilError('VEIL_DNS_LIMIT', `DNS message exceeds a limit: ${what}`);
}

/** Presentation form of one label: printable ASCII except `.` and `\`, others as \DDD (RFC 4343 §2.1), lower-cased. */
function labelText(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    const c = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
    out += c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c ? String.fromCharCode(c) : `\\${String(c).padStart(3, '0')}`;
  }
  return out;
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    readonly limits: DnsLimits,
    public offset = 0,
  ) {}

  need(n: number): void {
    if (this.offset + n > this.bytes.length) throw invalid(`truncated (needs ${n} more bytes)`, this.offset);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const v = (this.bytes[this.offset]! << 8) | this.bytes[this.offset + 1]!;
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.bytes[this.offset]! * 0x1000000 + ((this.bytes[this.offset + 1]! << 16) | (this.bytes[this.offset + 2]! << 8) | this.bytes[this.offset + 3]!);
    this.offset += 4;
    return v;
  }

  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** Reads a (possibly compressed) name starting at the current offset; the offset ends after it. */
  name(): string {
    const labels: string[] = [];
    let pos = this.offset;
    let lowest = this.offset; // every pointer must go strictly below this: no loops
    let resumeAt: number | undefined;
    let wireBytes = 1; // the final zero octet
    let jumps = 0;
    for (;;) {
      if (pos >= this.bytes.length) throw invalid('truncated name', pos);
      const len = this.bytes[pos]!;
      const kind = len & 0xc0;
      if (kind === 0xc0) {
        if (pos + 1 >= this.bytes.length) throw invalid('truncated compression pointer', pos);
        const target = ((len & 0x3f) << 8) | this.bytes[pos + 1]!;
        if (++jumps > this.limits.maxPointerJumps) throw limit(`more than ${this.limits.maxPointerJumps} compression pointers in one name`);
        if (target >= lowest) throw invalid('compression pointer does not point backwards', pos);
        resumeAt ??= pos + 2;
        lowest = target;
        pos = target;
        continue;
      }
      if (kind !== 0) throw invalid(`unsupported label type 0x${kind.toString(16)}`, pos);
      if (len === 0) {
        this.offset = resumeAt ?? pos + 1;
        return labels.join('.');
      }
      if (len > this.limits.maxLabelBytes) throw limit(`label of ${len} bytes`);
      wireBytes += len + 1;
      if (wireBytes > this.limits.maxNameWireBytes) throw limit(`name longer than ${this.limits.maxNameWireBytes} bytes`);
      if (pos + 1 + len > this.bytes.length) throw invalid('truncated label', pos);
      labels.push(labelText(this.bytes.subarray(pos + 1, pos + 1 + len)));
      pos += 1 + len;
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function readRecord(r: Reader): DnsRecord {
  const name = r.name();
  const type = r.u16();
  const klass = r.u16();
  const rawTtl = r.u32();
  const rdLength = r.u16();
  const rdStart = r.offset;
  const data = r.take(rdLength);
  const ttl = rawTtl > 0x7fffffff ? 0 : rawTtl;
  if (type === DNS_TYPE.TXT) {
    const txt: string[] = [];
    let p = 0;
    while (p < data.length) {
      const len = data[p]!;
      if (p + 1 + len > data.length) throw invalid('TXT character-string overruns its record', rdStart + p);
      txt.push(utf8.decode(data.subarray(p + 1, p + 1 + len)));
      p += 1 + len;
    }
    return { name, type, class: klass, ttl, data, txt };
  }
  if (type === DNS_TYPE.CNAME) {
    const sub = new Reader(r.bytes.subarray(0, rdStart + rdLength), r.limits, rdStart);
    const target = sub.name();
    if (sub.offset !== rdStart + rdLength) throw invalid('CNAME data longer than its name', sub.offset);
    return { name, type, class: klass, ttl, data, target };
  }
  return { name, type, class: klass, ttl, data };
}

function readSection(r: Reader, count: number, what: string): DnsRecord[] {
  if (count > r.limits.maxRecordsPerSection) throw limit(`${count} ${what} records (at most ${r.limits.maxRecordsPerSection})`);
  const out: DnsRecord[] = [];
  for (let i = 0; i < count; i++) out.push(readRecord(r));
  return out;
}

/**
 * Decodes a complete DNS message. Throws VEIL_DNS_MESSAGE_INVALID (truncated, bad label, bad pointer) or
 * VEIL_DNS_LIMIT (too large, too many records, name too long, too many pointers); nothing else.
 */
export function decodeDnsMessage(bytes: Uint8Array, limits: DnsLimits = DNS_LIMITS): DnsMessage {
  if (bytes.length > limits.maxMessageBytes) throw limit(`${bytes.length} bytes (at most ${limits.maxMessageBytes})`);
  const r = new Reader(bytes, limits);
  if (bytes.length < 12) throw invalid('shorter than the 12-byte header', 0);
  const id = r.u16();
  const flags = r.u16();
  const qdCount = r.u16();
  const anCount = r.u16();
  const nsCount = r.u16();
  const arCount = r.u16();
  if (qdCount > limits.maxQuestions) throw limit(`${qdCount} questions (at most ${limits.maxQuestions})`);
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < qdCount; i++) questions.push({ name: r.name(), type: r.u16(), class: r.u16() });
  const answers = readSection(r, anCount, 'answer');
  const authorities = readSection(r, nsCount, 'authority');
  const additionals = readSection(r, arCount, 'additional');
  return {
    id,
    isResponse: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    isAuthoritative: (flags & 0x0400) !== 0,
    isTruncated: (flags & 0x0200) !== 0,
    isRecursionDesired: (flags & 0x0100) !== 0,
    isRecursionAvailable: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    questions,
    answers,
    authorities,
    additionals,
  };
}

/** Wire form of a name in presentation form (no compression). Throws VEIL_INPUT_INVALID for bad names. */
export function encodeName(name: string): Uint8Array {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  const labels = trimmed === '' ? [] : trimmed.split('.');
  const parts: number[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'latin1');
    if (bytes.length === 0 || bytes.length > DNS_LIMITS.maxLabelBytes || /[^\x21-\x7e]/.test(label)) {
      throw new VeilError('VEIL_INPUT_INVALID', 'invalid DNS name: empty, over-long or non-printable label');
    }
    parts.push(bytes.length, ...bytes);
  }
  parts.push(0);
  if (parts.length > DNS_LIMITS.maxNameWireBytes) throw new VeilError('VEIL_INPUT_INVALID', `invalid DNS name: longer than ${DNS_LIMITS.maxNameWireBytes} bytes`);
  return Uint8Array.from(parts);
}

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

function encodeRecord(rec: DnsRecordInput): number[] {
  let data: Uint8Array;
  if (rec.txt) {
    const parts: number[] = [];
    for (const s of rec.txt) {
      const b = Buffer.from(s, 'utf8');
      if (b.length > 255) throw new VeilError('VEIL_INPUT_INVALID', 'a TXT character-string is at most 255 bytes');
      parts.push(b.length, ...b);
    }
    data = Uint8Array.from(parts);
  } else if (rec.target !== undefined) {
    data = encodeName(rec.target);
  } else {
    data = rec.data ?? new Uint8Array(0);
  }
  const ttl = rec.ttl >>> 0;
  return [...encodeName(rec.name), ...u16(rec.type), ...u16(rec.class ?? DNS_CLASS_IN), (ttl >>> 24) & 0xff, (ttl >>> 16) & 0xff, (ttl >>> 8) & 0xff, ttl & 0xff, ...u16(data.length), ...data];
}

/** Encodes a message without name compression (queries, and replies in tests). */
export function encodeDnsMessage(msg: DnsMessageInput): Uint8Array {
  const flags =
    (msg.isResponse ? 0x8000 : 0) |
    (msg.isAuthoritative ? 0x0400 : 0) |
    (msg.isTruncated ? 0x0200 : 0) |
    (msg.isRecursionDesired ?? true ? 0x0100 : 0) |
    (msg.isRecursionAvailable ? 0x0080 : 0) |
    ((msg.rcode ?? 0) & 0xf);
  const questions = msg.questions ?? [];
  const answers = msg.answers ?? [];
  const authorities = msg.authorities ?? [];
  const out: number[] = [...u16(msg.id ?? 0), ...u16(flags), ...u16(questions.length), ...u16(answers.length), ...u16(authorities.length), ...u16(0)];
  for (const q of questions) out.push(...encodeName(q.name), ...u16(q.type), ...u16(q.class));
  for (const rec of [...answers, ...authorities]) out.push(...encodeRecord(rec));
  return Uint8Array.from(out);
}

/** A recursive query for one name and type. RFC 8484 §4.1: the ID SHOULD be 0 (cache-friendly GETs). */
export function encodeQuery(name: string, type: number, id = 0): Uint8Array {
  return encodeDnsMessage({ id, isRecursionDesired: true, questions: [{ name, type, class: DNS_CLASS_IN }] });
}
