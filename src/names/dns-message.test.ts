import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isVeilError } from '../core/index.js';
import { DNS_TYPE, DNS_CLASS_IN, decodeDnsMessage, encodeDnsMessage, encodeQuery, encodeName } from './dns-message.js';

const isDnsError = (e: unknown): boolean => isVeilError(e, 'VEIL_DNS_MESSAGE_INVALID') || isVeilError(e, 'VEIL_DNS_LIMIT');

test('a query encodes per RFC 1035 §4.1 and decodes back', () => {
  const q = encodeQuery('_dnslink.example.test', DNS_TYPE.TXT);
  // header: ID 0, RD set, QDCOUNT 1
  assert.deepEqual([...q.subarray(0, 12)], [0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...q.subarray(12, 21)], [8, ...Buffer.from('_dnslink')]);
  const m = decodeDnsMessage(q);
  assert.equal(m.isResponse, false);
  assert.equal(m.isRecursionDesired, true);
  assert.deepEqual(m.questions, [{ name: '_dnslink.example.test', type: DNS_TYPE.TXT, class: DNS_CLASS_IN }]);
});

test('a reply with TXT and CNAME records round-trips', () => {
  const bytes = encodeDnsMessage({
    id: 7,
    isResponse: true,
    isRecursionAvailable: true,
    questions: [{ name: 'a.example.test', type: DNS_TYPE.TXT, class: DNS_CLASS_IN }],
    answers: [
      { name: 'a.example.test', type: DNS_TYPE.CNAME, ttl: 30, target: 'b.example.test' },
      { name: 'b.example.test', type: DNS_TYPE.TXT, ttl: 60, txt: ['dnslink=/ipfs/', 'bafy'] },
    ],
  });
  const m = decodeDnsMessage(bytes);
  assert.equal(m.id, 7);
  assert.equal(m.isResponse, true);
  assert.equal(m.answers[0]?.target, 'b.example.test');
  assert.deepEqual(m.answers[1]?.txt, ['dnslink=/ipfs/', 'bafy']);
  assert.equal(m.answers[1]?.ttl, 60);
});

test('compressed names (RFC 1035 §4.1.4) are followed; names are lower-cased', () => {
  const q = encodeQuery('Example.TEST', DNS_TYPE.TXT);
  const header = Buffer.from(q.subarray(0, 12));
  header[2] = 0x81; // QR + RD
  header[7] = 1; // ANCOUNT 1
  const answer = Buffer.from([0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 10, 0, 3, 2, 0x68, 0x69]); // pointer to the question name
  const m = decodeDnsMessage(Buffer.concat([header, q.subarray(12), answer]));
  assert.equal(m.answers[0]?.name, 'example.test');
  assert.deepEqual(m.answers[0]?.txt, ['hi']);
});

test('hostile replies: truncation, pointer loops, forward pointers, bad label types, oversize, too many records', () => {
  const reply = encodeDnsMessage({
    isResponse: true,
    questions: [{ name: 'example.test', type: DNS_TYPE.TXT, class: DNS_CLASS_IN }],
    answers: [{ name: 'example.test', type: DNS_TYPE.TXT, ttl: 5, txt: ['dnslink=/ipfs/x'] }],
  });
  // every strict prefix is truncated
  for (let n = 0; n < reply.length; n++) {
    assert.throws(() => decodeDnsMessage(reply.subarray(0, n)), (e: unknown) => isVeilError(e, 'VEIL_DNS_MESSAGE_INVALID'), `prefix ${n}`);
  }
  const header = [0, 0, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0];
  // a pointer to itself
  assert.throws(() => decodeDnsMessage(Uint8Array.from([...header, 0xc0, 12, 0, 16, 0, 1])), (e: unknown) => isVeilError(e, 'VEIL_DNS_MESSAGE_INVALID'));
  // two pointers pointing at each other (12 → 14 → 12)
  assert.throws(() => decodeDnsMessage(Uint8Array.from([...header, 0xc0, 14, 0xc0, 12, 0, 16, 0, 1])), (e: unknown) => isVeilError(e, 'VEIL_DNS_MESSAGE_INVALID'));
  // a label then a pointer back to that label: a loop through a label
  assert.throws(() => decodeDnsMessage(Uint8Array.from([...header, 1, 0x61, 0xc0, 12, 0, 16, 0, 1])), (e: unknown) => isVeilError(e, 'VEIL_DNS_MESSAGE_INVALID'));
  // extended label type 0b01
  assert.throws(() => decodeDnsMessage(Uint8Array.from([...header, 0x41, 0, 0, 16, 0, 1])), (e: unknown) => isVeilError(e, 'VEIL_DNS_MESSAGE_INVALID'));
  // TXT character-string longer than its RDATA
  const badTxt = Uint8Array.from([0, 0, 0x81, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 16, 0, 1, 0, 0, 0, 1, 0, 2, 5, 0x61]);
  assert.throws(() => decodeDnsMessage(badTxt), (e: unknown) => isVeilError(e, 'VEIL_DNS_MESSAGE_INVALID'));
  // oversized message
  assert.throws(() => decodeDnsMessage(new Uint8Array(70_000)), (e: unknown) => isVeilError(e, 'VEIL_DNS_LIMIT'));
  // an answer count beyond the limit is refused before parsing
  assert.throws(() => decodeDnsMessage(Uint8Array.from([0, 0, 0x81, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0])), (e: unknown) => isVeilError(e, 'VEIL_DNS_LIMIT'));
  // a name of five 63-byte labels: over 255 wire bytes (RFC 1035 §2.3.4)
  const labels: number[] = [];
  for (let i = 0; i < 5; i++) labels.push(63, ...new Array<number>(63).fill(0x61));
  labels.push(0);
  const longName = Uint8Array.from([0, 0, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 16, 0, 1]);
  assert.throws(() => decodeDnsMessage(longName), (e: unknown) => isVeilError(e, 'VEIL_DNS_LIMIT'));
});

test('encodeName refuses empty, long and non-printable labels', () => {
  for (const bad of ['a..b', 'x'.repeat(64) + '.test', 'a b.test', `${'a.'.repeat(130)}test`]) {
    assert.throws(() => encodeName(bad), (e: unknown) => isVeilError(e, 'VEIL_INPUT_INVALID'), bad);
  }
  assert.deepEqual([...encodeName('')], [0]);
  assert.deepEqual([...encodeName('a.')], [1, 0x61, 0]);
});

const label = fc.stringMatching(/^[a-z0-9_-]{1,20}$/);
const domain = fc.array(label, { minLength: 1, maxLength: 5 }).map((ls) => ls.join('.'));
const txt = fc.array(fc.stringMatching(/^[\x20-\x7e]{0,80}$/), { minLength: 1, maxLength: 4 });

test('property: encode → decode round-trips TXT/CNAME replies', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffff }),
      domain,
      fc.array(fc.record({ name: domain, ttl: fc.integer({ min: 0, max: 0x7fffffff }), txt, cname: fc.option(domain, { nil: undefined }) }), { maxLength: 8 }),
      (id, qname, records) => {
        const answers = records.map((r) =>
          r.cname === undefined ? { name: r.name, type: DNS_TYPE.TXT, ttl: r.ttl, txt: r.txt } : { name: r.name, type: DNS_TYPE.CNAME, ttl: r.ttl, target: r.cname },
        );
        const m = decodeDnsMessage(encodeDnsMessage({ id, isResponse: true, questions: [{ name: qname, type: DNS_TYPE.TXT, class: DNS_CLASS_IN }], answers }));
        assert.equal(m.id, id);
        assert.equal(m.questions[0]?.name, qname);
        assert.equal(m.answers.length, answers.length);
        m.answers.forEach((a, i) => {
          const want = answers[i]!;
          assert.equal(a.name, want.name);
          assert.equal(a.ttl, want.ttl);
          if ('txt' in want) assert.deepEqual(a.txt, want.txt);
          else assert.equal(a.target, want.target);
        });
      },
    ),
  );
});

test('property: random bytes give a message or a DNS VeilError, nothing else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      try {
        decodeDnsMessage(bytes);
      } catch (e) {
        assert.ok(isDnsError(e), `unexpected ${String(e)}`);
      }
    }),
    { numRuns: 3000 },
  );
});

test('property: random mutations of a valid reply never escape as non-Veil errors', () => {
  const base = encodeDnsMessage({
    isResponse: true,
    questions: [{ name: '_dnslink.example.test', type: DNS_TYPE.TXT, class: DNS_CLASS_IN }],
    answers: [
      { name: '_dnslink.example.test', type: DNS_TYPE.CNAME, ttl: 1, target: 'x.example.test' },
      { name: 'x.example.test', type: DNS_TYPE.TXT, ttl: 1, txt: ['dnslink=/ipfs/bafy'] },
    ],
  });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (edits) => {
      const b = Uint8Array.from(base);
      for (const [i, v] of edits) b[i] = v;
      try {
        decodeDnsMessage(b);
      } catch (e) {
        assert.ok(isDnsError(e), `unexpected ${String(e)}`);
      }
    }),
    { numRuns: 3000 },
  );
});
