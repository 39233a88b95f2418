/**
 * Pure helpers for the text inside control-port lines (control-spec 2.2 "Commands from controller to Tor",
 * 2.4 "General-use tokens"): formatting commands with injection checks, QuotedString encoding and
 * decoding, and splitting reply/event text into positional words and keyword=value arguments.
 */
import { VeilError, quoteUntrusted } from '../../core/index.js';

/** Control-spec 2.2: Keyword = 1*ALPHA (we also allow digits/underscores for names such as ADD_ONION). */
const KEYWORD = /^\+?[A-Za-z][A-Za-z0-9_]*$/;
/** Characters a command line cannot carry: they would end the command or confuse Tor's parser. */
const FORBIDDEN = /[\r\n\0]/;

function argumentError(what: string, value: string): VeilError {
  return new VeilError('VEIL_TOR_CONTROL_ARGUMENT', `cannot send ${what} to Tor: it contains a line break or NUL (${quoteUntrusted(value, 40)})`, {
    details: { what },
  });
}

/** Throws VEIL_TOR_CONTROL_ARGUMENT when `value` contains CR, LF or NUL. */
export function assertSafeArgument(value: string, what = 'an argument'): void {
  if (FORBIDDEN.test(value)) throw argumentError(what, value);
}

/** Throws VEIL_TOR_CONTROL_ARGUMENT unless `value` is a bare word: no space, quote, CR, LF or NUL, not empty. */
export function assertBareWord(value: string, what = 'an argument'): void {
  assertSafeArgument(value, what);
  if (value === '' || /[\s"\\]/.test(value)) {
    throw new VeilError('VEIL_TOR_CONTROL_ARGUMENT', `cannot send ${what} to Tor: ${quoteUntrusted(value, 40)} must be one word without quotes`, {
      details: { what },
    });
  }
}

/**
 * Formats one command line: `KEYWORD SP arg SP arg CRLF` (control-spec 2.2). Arguments are written as
 * given (quote them with quoteString when they may contain spaces). Throws VEIL_TOR_CONTROL_ARGUMENT.
 */
export function formatCommand(keyword: string, args: readonly string[] = []): string {
  if (!KEYWORD.test(keyword)) throw argumentError('a command keyword', keyword);
  for (const arg of args) assertSafeArgument(arg, `an argument of ${keyword}`);
  return [keyword, ...args].join(' ') + '\r\n';
}

/**
 * Encodes a QuotedString (control-spec 2.4): DQUOTE, backslash-escaped `"` and `\`, DQUOTE.
 * CR, LF and NUL are refused rather than escaped, so no value can ever span lines.
 */
export function quoteString(value: string): string {
  assertSafeArgument(value, 'a quoted string');
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

const ESCAPES: Readonly<Record<string, number>> = Object.freeze({ n: 0x0a, r: 0x0d, t: 0x09, '\\': 0x5c, '"': 0x22, "'": 0x27 });

function protocolError(message: string, text: string): VeilError {
  return new VeilError('VEIL_TOR_CONTROL_PROTOCOL', `Tor control port sent ${message}: ${quoteUntrusted(text)}`);
}

/**
 * Decodes the QuotedString starting at `text[start]` (which must be `"`). Handles C-style escapes
 * (\n \r \t \\ \" \' and 1–3 digit octal) as Tor writes them (control-spec 2.4, esc_for_log).
 * Returns the value and the index after the closing quote. Throws VEIL_TOR_CONTROL_PROTOCOL.
 */
export function decodeQuoted(text: string, start: number): { value: string; end: number } {
  if (text[start] !== '"') throw protocolError('a value that should start with a double quote', text);
  const bytes: number[] = [];
  let i = start + 1;
  while (i < text.length) {
    const c = String.fromCodePoint(text.codePointAt(i)!);
    if (c === '"') return { value: Buffer.from(bytes).toString('utf8'), end: i + 1 };
    if (c !== '\\') {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
      i += c.length;
      continue;
    }
    const ePoint = text.codePointAt(i + 1);
    if (ePoint === undefined) break;
    const e = String.fromCodePoint(ePoint);
    const octal = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4));
    if (octal) {
      bytes.push(parseInt(octal[0], 8) & 0xff);
      i += 1 + octal[0].length;
      continue;
    }
    const mapped = ESCAPES[e];
    for (const b of mapped === undefined ? Buffer.from(e, 'utf8') : [mapped]) bytes.push(b);
    i += 1 + e.length;
  }
  throw protocolError('an unterminated quoted string', text);
}

/** Decodes `text` if it is exactly one QuotedString, otherwise returns it unchanged. */
export function unquoteIfQuoted(text: string): string {
  if (text.length < 2 || !text.startsWith('"')) return text;
  const { value, end } = decodeQuoted(text, 0);
  return end === text.length ? value : text;
}

export interface ReplyArguments {
  /** Words before/between keyword arguments, in order (quoted words decoded). */
  readonly positional: readonly string[];
  /** KEY=VALUE arguments; values decoded when quoted. The first occurrence of a key wins. */
  readonly keywords: ReadonlyMap<string, string>;
}

const KEY = /^[A-Za-z0-9_][A-Za-z0-9_./:-]*$/;

/**
 * Splits reply or event text into positional words and keyword arguments (control-spec 2.3/4.1 style
 * `WORD WORD KEY=VALUE KEY="quoted value"`). Untrusted keys go into a Map. Throws VEIL_TOR_CONTROL_PROTOCOL
 * for an unterminated quoted string.
 */
export function parseReplyArguments(text: string): ReplyArguments {
  const positional: string[] = [];
  const keywords = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    if (text[i] === ' ') {
      i += 1;
      continue;
    }
    if (text[i] === '"') {
      const { value, end } = decodeQuoted(text, i);
      positional.push(value);
      i = end;
      continue;
    }
    let wordEnd = text.indexOf(' ', i);
    if (wordEnd < 0) wordEnd = text.length;
    const eq = text.indexOf('=', i);
    const key = eq > i && eq < wordEnd ? text.slice(i, eq) : undefined;
    if (key === undefined || !KEY.test(key)) {
      positional.push(text.slice(i, wordEnd));
      i = wordEnd;
      continue;
    }
    let value: string;
    if (text[eq + 1] === '"') {
      const decoded = decodeQuoted(text, eq + 1);
      value = decoded.value;
      i = decoded.end;
    } else {
      value = text.slice(eq + 1, wordEnd);
      i = wordEnd;
    }
    if (!keywords.has(key)) keywords.set(key, value);
  }
  return { positional, keywords };
}

/** Only the keyword arguments of parseReplyArguments(). */
export function parseKeyValues(text: string): Map<string, string> {
  return new Map(parseReplyArguments(text).keywords);
}
