import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VeilError } from '../../core/index.js';
import { NEED_MORE, decodeLine, decodePeerLine, decodeReply, encodeCommand, parseReplyLine, type SamReply } from './codec.js';

const enc = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const PROTOCOL_CODES = new Set(['VEIL_SAM_PROTOCOL', 'VEIL_SAM_LINE_TOO_LONG']);

function plain(reply: SamReply): { topic: string; kind: string; args: [string, string][] } {
  return { topic: reply.topic, kind: reply.kind, args: [...reply.args] };
}

/** Feeds `bytes` in the given chunk sizes, decoding every reply like a client would. */
function decodeChunked(bytes: Uint8Array, cuts: number[]): SamReply[] {
  const out: SamReply[] = [];
  let buf = Buffer.alloc(0);
  let pos = 0;
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  points.push(bytes.length);
  for (const p of points) {
    buf = Buffer.concat([buf, bytes.subarray(pos, p)]);
    pos = p;
    for (;;) {
      const r = decodeReply(buf);
      if (r === NEED_MORE) break;
      out.push(r.value);
      buf = buf.subarray(r.consumed);
    }
  }
  return out;
}

describe('SAM codec: spec and i2pd reply lines', () => {
  it('decodes HELLO REPLY with the bytes consumed', () => {
    const r = decodeReply(enc('HELLO REPLY RESULT=OK VERSION=3.1\nrest'));
    assert.notEqual(r, NEED_MORE);
    if (r === NEED_MORE) return;
    assert.equal(r.consumed, 34);
    assert.deepEqual(plain(r.value), { topic: 'HELLO', kind: 'REPLY', args: [['RESULT', 'OK'], ['VERSION', '3.1']] });
  });

  it('reports need-more for a partial line, not an error', () => {
    assert.equal(decodeReply(enc('SESSION STATUS RESULT=O')), NEED_MORE);
    assert.equal(decodeReply(new Uint8Array(0)), NEED_MORE);
  });

  it('reads quoted values with escapes and a key without value (SAM 3.2)', () => {
    const r = parseReplyLine('SESSION STATUS RESULT=I2P_ERROR MESSAGE="tunnel \\"x\\" failed \\\\ now" FLAG');
    assert.equal(r.args.get('MESSAGE'), 'tunnel "x" failed \\ now');
    assert.equal(r.args.get('FLAG'), '');
  });

  it('tolerates CRLF and keeps = inside base64 values', () => {
    const r = decodeReply(enc('NAMING REPLY RESULT=OK NAME=ME VALUE=abc~-==\r\n'));
    assert.notEqual(r, NEED_MORE);
    if (r !== NEED_MORE) assert.equal(r.value.args.get('VALUE'), 'abc~-==');
  });

  it('decodes the accepted-stream peer line and leaves raw data unconsumed', () => {
    const r = decodePeerLine(enc('AAAA~-bb FROM_PORT=0 TO_PORT=0\nRAWDATA'));
    assert.notEqual(r, NEED_MORE);
    if (r === NEED_MORE) return;
    assert.equal(r.value.destination, 'AAAA~-bb');
    assert.equal(r.value.args.get('TO_PORT'), '0');
    assert.equal(r.consumed, 'AAAA~-bb FROM_PORT=0 TO_PORT=0\n'.length);
  });

  for (const bad of [
    'HELLO\n', // one word
    'hello reply RESULT=OK\n', // lower case words
    'HELLO REPLY RESULT="OK\n', // unterminated quote
    'HELLO REPLY RESULT="a\\x"\n', // bad escape
    'HELLO REPLY RESULT=OK RESULT=OK\n', // duplicate
    'HELLO REPLY =OK\n', // empty key
    'HELLO REPLY RESULT="OK"X\n', // text after quote
    'HELLO REPLY RESULT=O"K\n', // stray quote
    'HELLO REPLY RESULT=\u0001\n', // control char
    'HELLO REPLY RESULT=\u00e9\n', // non-ASCII
  ]) {
    it(`rejects ${JSON.stringify(bad)} with VEIL_SAM_PROTOCOL`, () => {
      assert.throws(() => decodeReply(enc(bad)), (e: unknown) => e instanceof VeilError && e.code === 'VEIL_SAM_PROTOCOL');
    });
  }

  it('enforces the line length limit, with and without a newline', () => {
    const long = 'HELLO REPLY X=' + 'a'.repeat(100);
    assert.throws(() => decodeLine(enc(long), { maxLineBytes: 64 }), (e: unknown) => e instanceof VeilError && e.code === 'VEIL_SAM_LINE_TOO_LONG');
    assert.throws(() => decodeLine(enc(long + '\n'), { maxLineBytes: 64 }), (e: unknown) => e instanceof VeilError && e.code === 'VEIL_SAM_LINE_TOO_LONG');
    assert.equal(decodeLine(enc('x'.repeat(63)), { maxLineBytes: 64 }), NEED_MORE);
    assert.notEqual(decodeLine(enc('x'.repeat(63) + '\n'), { maxLineBytes: 64 }), NEED_MORE);
  });

  it('enforces the pair count limit', () => {
    const line = 'A B ' + Array.from({ length: 5 }, (_, i) => `K${i}=v`).join(' ');
    assert.throws(() => parseReplyLine(line, { maxArgs: 4 }), (e: unknown) => e instanceof VeilError && e.code === 'VEIL_SAM_PROTOCOL');
    assert.equal(parseReplyLine(line, { maxArgs: 5 }).args.size, 5);
  });
});

describe('SAM codec: command encoder', () => {
  it('encodes a session create line', () => {
    assert.equal(
      encodeCommand('SESSION', 'CREATE', [['STYLE', 'STREAM'], ['ID', 'veil-1'], ['inbound.length', '0']]),
      'SESSION CREATE STYLE=STREAM ID=veil-1 inbound.length=0\n',
    );
  });

  for (const [label, value] of [
    ['newline', 'a\nSESSION CREATE'],
    ['carriage return', 'a\rb'],
    ['NUL', 'a\u0000'],
    ['space', 'a b=c'],
    ['quote', 'a"b'],
    ['non-ASCII', 'é'],
  ] as const) {
    it(`refuses a value with a ${label}`, () => {
      assert.throws(() => encodeCommand('NAMING', 'LOOKUP', [['NAME', value]]), (e: unknown) => e instanceof VeilError && e.code === 'VEIL_SAM_COMMAND_INVALID');
    });
  }

  it('refuses bad keys, bad words and duplicate keys', () => {
    const isInvalid = (e: unknown): boolean => e instanceof VeilError && e.code === 'VEIL_SAM_COMMAND_INVALID';
    assert.throws(() => encodeCommand('NAMING', 'LOOKUP', [['NA ME', 'x']]), isInvalid);
    assert.throws(() => encodeCommand('NAMING', 'LOOKUP', [['NAME=', 'x']]), isInvalid);
    assert.throws(() => encodeCommand('NAMING\n', 'LOOKUP'), isInvalid);
    assert.throws(() => encodeCommand('NAMING', 'LOOKUP', [['NAME', 'a'], ['NAME', 'b']]), isInvalid);
  });

  it('quotes spaces only when allowed', () => {
    assert.equal(encodeCommand('A', 'B', [['K', 'x "y" \\']], { allowQuoted: true }), 'A B K="x \\"y\\" \\\\"\n');
  });
});

// Property tests (STYLE.md "Tests"): chunking, random bytes, round trip, limits.
const word = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,8}$/);
const key = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/);
const printable = fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength: 30 }).map((cs) => String.fromCharCode(...cs));
const argsArb = fc.uniqueArray(fc.tuple(key, printable), { maxLength: 8, selector: ([k]) => k });

describe('SAM codec: properties', () => {
  it('encode → decode round-trips (quoted values allowed)', () => {
    fc.assert(
      fc.property(word, word, argsArb, (topic, kind, args) => {
        const line = encodeCommand(topic, kind, args, { allowQuoted: true });
        const r = decodeReply(enc(line));
        assert.notEqual(r, NEED_MORE);
        if (r === NEED_MORE) return;
        assert.equal(r.consumed, line.length);
        assert.deepEqual(plain(r.value), { topic, kind, args: args.map(([k, v]) => [k, v]) });
      }),
    );
  });

  it('any chunking gives the same replies', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(word, word, argsArb), { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 20 }), (lines, cuts) => {
        const text = lines.map(([t, k, a]) => encodeCommand(t, k, a, { allowQuoted: true })).join('');
        const whole = decodeChunked(enc(text), []).map(plain);
        const chunked = decodeChunked(enc(text), cuts).map(plain);
        assert.equal(whole.length, lines.length);
        assert.deepEqual(chunked, whole);
      }),
    );
  });

  it('random bytes give a value, need-more, or a VeilError with a protocol code, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 16, max: 400 }), (bytes, maxLineBytes) => {
        for (const decode of [decodeReply, decodePeerLine]) {
          try {
            const r = decode(bytes, { maxLineBytes });
            if (r !== NEED_MORE) {
              assert.ok(r.consumed > 0 && r.consumed <= Math.min(bytes.length, maxLineBytes));
            } else {
              assert.ok(bytes.length < maxLineBytes);
            }
          } catch (err) {
            assert.ok(err instanceof VeilError && PROTOCOL_CODES.has(err.code), `unexpected error ${String(err)}`);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('an unterminated line is need-more below the limit and an error at it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 200 }), fc.integer({ min: 0, max: 400 }), (max, len) => {
        const bytes = enc('A'.repeat(len));
        if (len < max) assert.equal(decodeLine(bytes, { maxLineBytes: max }), NEED_MORE);
        else assert.throws(() => decodeLine(bytes, { maxLineBytes: max }), (e: unknown) => e instanceof VeilError && e.code === 'VEIL_SAM_LINE_TOO_LONG');
      }),
    );
  });
});
