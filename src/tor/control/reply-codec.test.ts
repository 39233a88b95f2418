import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isVeilError } from '../../core/index.js';
import { NEED_MORE, ReplyDecoder, encodeData, encodeReply, type ControlReply, type ReplyLimits, type ReplyLine } from './reply-codec.js';

function decodeAll(chunks: readonly Uint8Array[], limits?: Partial<ReplyLimits>): ControlReply[] {
  const decoder = new ReplyDecoder(limits);
  const out: ControlReply[] = [];
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (let r = decoder.next(); r !== NEED_MORE; r = decoder.next()) out.push(r);
  }
  return out;
}

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

// Control-spec 3.21 PROTOCOLINFO example, with a STATUS_CLIENT event interleaved (control-spec 2.3 allows
// asynchronous replies at any time) and a data line (control-spec 2.3 DataReplyLine, dot-encoded).
const INTERLEAVED =
  '250-PROTOCOLINFO 1\r\n' +
  '650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"\r\n' +
  '250-AUTH METHODS=COOKIE,SAFECOOKIE,HASHEDPASSWORD COOKIEFILE="/var/run/tor/control.authcookie"\r\n' +
  '250+config-text=\r\nSocksPort 9050\r\n..dot line\r\n\r\n.\r\n' +
  '650+NS\r\nr name x y\r\n.\r\n' +
  '250-VERSION Tor="0.2.0.5-alpha"\r\n' +
  '650 OK\r\n' +
  '250 OK\r\n';

function checkInterleaved(replies: ControlReply[]): void {
  assert.equal(replies.length, 3);
  const [event, ns, sync] = replies as [ControlReply, ControlReply, ControlReply];
  assert.equal(event.isAsync, true);
  assert.equal(event.status, 650);
  assert.match(event.lines[0]!.text, /^STATUS_CLIENT NOTICE BOOTSTRAP/);
  assert.equal(ns.isAsync, true);
  assert.deepEqual(ns.lines, [
    { status: 650, kind: 'data', text: 'NS', data: 'r name x y' },
    { status: 650, kind: 'end', text: 'OK' },
  ]);
  assert.equal(sync.isAsync, false);
  assert.equal(sync.status, 250);
  assert.deepEqual(
    sync.lines.map((l) => [l.kind, l.text, l.data]),
    [
      ['mid', 'PROTOCOLINFO 1', undefined],
      ['mid', 'AUTH METHODS=COOKIE,SAFECOOKIE,HASHEDPASSWORD COOKIEFILE="/var/run/tor/control.authcookie"', undefined],
      ['data', 'config-text=', 'SocksPort 9050\n.dot line\n'],
      ['mid', 'VERSION Tor="0.2.0.5-alpha"', undefined],
      ['end', 'OK', undefined],
    ],
  );
}

test('spec example with interleaved events parses in one chunk', () => {
  checkInterleaved(decodeAll([bytes(INTERLEAVED)]));
});

test('spec example parses identically under any split (property)', () => {
  const whole = bytes(INTERLEAVED);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: whole.length - 1 }), { maxLength: 40 }), (cuts) => {
      const sorted = [...cuts].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let prev = 0;
      for (const c of [...sorted, whole.length]) {
        chunks.push(whole.subarray(prev, c));
        prev = c;
      }
      checkInterleaved(decodeAll(chunks));
    }),
  );
});

test('NEED_MORE until the end line arrives; a bare LF also ends a line', () => {
  const d = new ReplyDecoder();
  d.push(bytes('250-a=1\r\n250 O'));
  assert.equal(d.next(), NEED_MORE);
  assert.equal(d.hasPartialReply, true);
  d.push(bytes('K\n'));
  const r = d.next();
  assert.notEqual(r, NEED_MORE);
  assert.deepEqual((r as ControlReply).lines.map((l) => l.text), ['a=1', 'OK']);
  assert.equal(d.hasPartialReply, false);
});

const text = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 30 });
const dataBody = fc.array(text, { maxLength: 5 }).map((ls) => ls.join('\n'));

function replyArb(statuses: readonly number[]): fc.Arbitrary<ControlReply> {
  const line = fc.record({
    status: fc.constantFrom(...statuses),
    kind: fc.constantFrom<'mid' | 'data'>('mid', 'data'),
    text,
    data: dataBody,
  });
  return fc.tuple(fc.array(line, { maxLength: 4 }), fc.constantFrom(...statuses), text).map(([mids, status, endText]) => {
    const lines: ReplyLine[] = mids.map((l) => (l.kind === 'data' ? { status: l.status, kind: 'data', text: l.text, data: l.data } : { status: l.status, kind: 'mid', text: l.text }));
    lines.push({ status, kind: 'end', text: endText });
    return { status, isAsync: status >= 600, lines };
  });
}

/** Splits an encoded reply into units: a line plus its data block (asynchronous lines may go between units). */
function units(reply: ControlReply): Buffer[] {
  return reply.lines.map((l, i) => {
    const isLast = i === reply.lines.length - 1;
    const sep = isLast ? ' ' : l.kind === 'data' ? '+' : '-';
    const body = !isLast && l.kind === 'data' ? encodeData(l.data ?? '') : '';
    return Buffer.from(`${l.status}${sep}${l.text}\r\n${body}`);
  });
}

test('encodeReply then decode round-trips (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(replyArb([250, 515]), replyArb([650])), { maxLength: 5 }), (replies) => {
      assert.deepEqual(decodeAll([Buffer.concat(replies.map(encodeReply))]), replies);
    }),
  );
});

test('interleaved sync and async replies round-trip under random chunking (property)', () => {
  fc.assert(
    fc.property(
      fc.array(replyArb([250, 251, 510, 552]), { maxLength: 4 }),
      fc.array(replyArb([650]), { maxLength: 4 }),
      fc.array(fc.boolean(), { maxLength: 60 }),
      fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 30 }),
      (syncs, asyncs, picks, sizes) => {
        const a = syncs.flatMap(units);
        const b = asyncs.flatMap(units);
        const merged: Buffer[] = [];
        let k = 0;
        while (a.length > 0 || b.length > 0) {
          const takeA = b.length === 0 || (a.length > 0 && (picks[k++] ?? true));
          merged.push((takeA ? a.shift() : b.shift())!);
        }
        const stream = Buffer.concat(merged);
        const chunks: Buffer[] = [];
        let pos = 0;
        for (const s of sizes) {
          if (pos >= stream.length) break;
          chunks.push(stream.subarray(pos, pos + s));
          pos += s;
        }
        chunks.push(stream.subarray(pos));
        const out = decodeAll(chunks);
        assert.deepEqual(out.filter((r) => !r.isAsync), syncs);
        assert.deepEqual(out.filter((r) => r.isAsync), asyncs);
      },
    ),
  );
});

test('random bytes yield replies or only VEIL_TOR_CONTROL_PROTOCOL (property)', () => {
  const limits = { maxLineBytes: 64, maxLinesPerReply: 8, maxReplyBytes: 256 };
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 8 }), (chunks) => {
      try {
        decodeAll(chunks, limits);
      } catch (err) {
        assert.ok(isVeilError(err, 'VEIL_TOR_CONTROL_PROTOCOL'), String(err));
      }
    }),
  );
});

function protocolFailure(input: string, limits: Partial<ReplyLimits> = {}): Record<string, unknown> {
  try {
    decodeAll([bytes(input)], limits);
  } catch (err) {
    assert.ok(isVeilError(err, 'VEIL_TOR_CONTROL_PROTOCOL'), String(err));
    return { ...err.details };
  }
  assert.fail(`no error for ${JSON.stringify(input)}`);
}

test('limits: line length (with and without a line end), lines per reply, reply bytes', () => {
  assert.equal(protocolFailure(`250 ${'x'.repeat(100)}\r\n`, { maxLineBytes: 50 })['limit'], 'maxLineBytes');
  assert.equal(protocolFailure(`250 ${'x'.repeat(100)}`, { maxLineBytes: 50 })['limit'], 'maxLineBytes');
  assert.equal(protocolFailure('250-a\r\n'.repeat(11), { maxLinesPerReply: 10 })['limit'], 'maxLinesPerReply');
  assert.equal(protocolFailure(`250+d\r\n${'line\r\n'.repeat(20)}.\r\n250 OK\r\n`, { maxLinesPerReply: 10 })['limit'], 'maxLinesPerReply');
  assert.equal(protocolFailure(`250-${'y'.repeat(40)}\r\n`.repeat(5), { maxReplyBytes: 100 })['limit'], 'maxReplyBytes');
  // Exactly at the limits passes.
  assert.equal(decodeAll([bytes(`250 ${'x'.repeat(46)}\r\n`)], { maxLineBytes: 50 }).length, 1);
  assert.equal(decodeAll([bytes('250-a\r\n'.repeat(9) + '250 OK\r\n')], { maxLinesPerReply: 10 }).length, 1);
});

test('malformed lines are protocol errors and the decoder stays failed', () => {
  for (const bad of ['25\r\n', 'abc OK\r\n', '250*OK\r\n', '250 a\0b\r\n', '099 OK\r\n']) protocolFailure(bad);
  const d = new ReplyDecoder();
  assert.throws(() => d.push(bytes('xyz!\r\n')), (e: unknown) => isVeilError(e, 'VEIL_TOR_CONTROL_PROTOCOL'));
  assert.throws(() => d.push(bytes('250 OK\r\n')), (e: unknown) => isVeilError(e, 'VEIL_TOR_CONTROL_PROTOCOL'));
  assert.throws(() => d.next(), (e: unknown) => isVeilError(e, 'VEIL_TOR_CONTROL_PROTOCOL'));
});

test('invalid UTF-8 is a protocol error', () => {
  const d = new ReplyDecoder();
  assert.throws(() => d.push(Buffer.from([0x32, 0x35, 0x30, 0x20, 0xff, 0x0d, 0x0a])), (e: unknown) => isVeilError(e, 'VEIL_TOR_CONTROL_PROTOCOL'));
});
