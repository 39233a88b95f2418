/**
 * Property tests (fast-check) for the INI reader, the whole configuration parser, and the hint and endpoint
 * parsers: random input yields only VeilErrors with config codes, and format -> parse round-trips.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isVeilError } from '../core/index.js';
import { CONFIG_KEYS, SECTION_NAMES } from './defaults.js';
import { formatListenEndpoint, formatLocalEndpoint, parseListenEndpoint, parseLocalEndpoint } from './endpoint.js';
import { formatConnectionHint, parseConnectionHint } from './hints.js';
import { readIni, parseIni } from './ini.js';
import { parseNodeConfig } from './load.js';
import { formatSize, parseSize } from './values.js';
import { formatNodeConfig } from './write.js';

const RUNS = { numRuns: 300 };
const CONFIG_CODES = new Set(['VEIL_CONFIG_INVALID', 'VEIL_CONFIG_IP_LEAK']);

function onlyCodes(fn: () => unknown, codes: ReadonlySet<string>): void {
  try {
    fn();
  } catch (err) {
    if (!isVeilError(err) || !codes.has(err.code)) throw err;
  }
}

const lineText = fc.string({ unit: 'grapheme-ascii', maxLength: 60 });
const anyText = fc.oneof(fc.string({ maxLength: 300 }), fc.array(lineText, { maxLength: 20 }).map((l) => l.join('\n')));

// Values that exercise every parser: valid forms, near misses and junk.
const VALUE_POOL = [
  '', 'true', 'false', 'yes', '0', 'maybe', 'disabled', 'AUTO', 'tcp', 'tor', 'i2p', '1234', '0', '70000', '1G', '100MiB', 'x',
  'tcp:1234', 'tcp:2000:interface=127.0.0.1', 'tcp:2000:interface=', 'listen:tor', 'listen:i2p,listen:tor', 'listen:i2p,listen:i2p',
  'tcp:127.0.0.1:9050', 'tcp:localhost:kumquat', 'meow:unsupported', 'unix:/run/tor/control', 'unix:', 'tcp:[::1]:1', 'tcp:10.0.0.1:9050',
  'tor:u33m4y7klhz3b.onion:3000', 'tcp:example.org:1', 'i2p:abc.b32.i2p', 'AUTO,tcp:1.2.3.4:5', ',', 'pb://abc@tcp:a.example:1/x',
  'https://dns.example/q', 'http://x/', 'private/key', '/abs/key', '\u00e9\u00e8',
];

const structuredConfig = fc
  .array(
    fc.record({
      section: fc.constantFrom(...SECTION_NAMES, 'bogus', 'Node'),
      entries: fc.array(fc.tuple(fc.constantFrom(...SECTION_NAMES.flatMap((s) => Object.keys(CONFIG_KEYS[s])), 'tub.prot', 'REVEAL-ip-address'), fc.oneof(fc.constantFrom(...VALUE_POOL), lineText)), {
        maxLength: 8,
      }),
    }),
    { maxLength: 6 },
  )
  .map((sections) => sections.map((s) => [`[${s.section}]`, ...s.entries.map(([k, v]) => `${k} = ${v}`)].join('\n')).join('\n'));

describe('property: INI reader and configuration parser', () => {
  it('readIni never throws; parseIni throws only VEIL_CONFIG_INVALID', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        readIni(text);
        onlyCodes(() => parseIni(text), new Set(['VEIL_CONFIG_INVALID']));
      }),
      RUNS,
    );
  });

  it('random text and random structured configs give a NodeConfig or only config codes', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, structuredConfig), (text) => {
        onlyCodes(() => parseNodeConfig(text, { nodeDir: '/n' }), CONFIG_CODES);
      }),
      { numRuns: 600 },
    );
  });

  const keyName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9._-]{0,15}$/);
  const value = fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((s) => s.replace(/[\u0000-\u001f\u007f]/g, '').trim());
  const doc = fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9._-]{0,10}$/), entries: fc.uniqueArray(fc.tuple(keyName, value), { selector: ([k]) => k.toLowerCase(), maxLength: 6 }) }), {
    selector: (s) => s.name,
    maxLength: 5,
  });

  it('format -> parse round-trips (LF or CRLF line endings alike)', () => {
    fc.assert(
      fc.property(doc, fc.boolean(), (sections, crlf) => {
        const text = sections.map((s) => [`[${s.name}]`, ...s.entries.map(([k, v]) => `${k} = ${v}`)].join('\n')).join('\n');
        const { document, problems } = readIni(crlf ? text.replace(/\n/g, '\r\n') : text);
        assert.deepEqual(problems, []);
        assert.deepEqual(
          [...document.sections.values()].map((s) => [s.name, [...s.entries.values()].map((e) => [e.key, e.value])]),
          sections.map((s) => [s.name, s.entries.map(([k, v]) => [k, v])]),
        );
      }),
      RUNS,
    );
  });

  it('formatNodeConfig -> parseNodeConfig keeps any nickname and share counts', () => {
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 256 }), (nickname, k) => {
        const c = parseNodeConfig(formatNodeConfig({ node: { nickname }, client: { 'shares.needed': k, 'shares.happy': k, 'shares.total': k } }), { nodeDir: '/n' });
        assert.equal(c.node.nickname, nickname);
        assert.equal(c.client.sharesTotal, k);
      }),
      RUNS,
    );
  });
});

const onion = fc.stringMatching(/^[a-z2-7]{16,56}$/).map((s) => `${s}.onion`);
const i2pAddr = fc.stringMatching(/^[a-z2-7]{52}$/).map((s) => `${s}.b32.i2p`);
const ipHost = fc.oneof(fc.ipV4(), fc.ipV6().map((a) => `[${a}]`));
const dnsHost = fc.domain().filter((d) => !/\.(onion|i2p)$/.test(d) && !/\.\d+$/.test(d));
const port = fc.integer({ min: 1, max: 65535 });
const hintText = fc.oneof(
  fc.tuple(fc.oneof(ipHost, dnsHost), port).map(([h, p]) => `tcp:${h}:${p}`),
  fc.tuple(fc.oneof(onion, dnsHost), port).map(([h, p]) => `tor:${h}:${p}`),
  fc.tuple(i2pAddr, fc.option(port, { nil: undefined })).map(([a, p]) => (p === undefined ? `i2p:${a}` : `i2p:${a}:${p}`)),
);

describe('property: hint and endpoint parsers', () => {
  const VALUE = new Set(['VEIL_CONFIG_VALUE']);

  it('random strings give a value or only VEIL_CONFIG_VALUE', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), hintText.map((h) => h.slice(0, -1)), fc.string({ unit: fc.constantFrom(...'tcpori2:[]0.9=,\\a'.split('')) })), (text) => {
        onlyCodes(() => parseConnectionHint(text), VALUE);
        onlyCodes(() => parseConnectionHint(text, { allowOther: true }), VALUE);
        onlyCodes(() => parseLocalEndpoint(text, '/n'), VALUE);
        onlyCodes(() => parseListenEndpoint(text, ['tcp', 'unix', 'tor', 'i2p'], '/n'), VALUE);
        onlyCodes(() => parseSize(text), VALUE);
      }),
      { numRuns: 1000 },
    );
  });

  it('connection hints: format -> parse round-trips', () => {
    fc.assert(
      fc.property(hintText, (text) => {
        const h = parseConnectionHint(text);
        assert.deepEqual(parseConnectionHint(formatConnectionHint(h)), h);
      }),
      RUNS,
    );
  });

  it('local and listen endpoints: format -> parse round-trips', () => {
    const unixPath = fc.string({ minLength: 1, maxLength: 40 }).filter((p) => p.trim() === p && p !== '' && !p.includes('\0') && !p.startsWith('path='));
    const local = fc.oneof(
      fc.tuple(fc.oneof(ipHost, dnsHost), port).map(([h, p]) => `tcp:${h}:${p}`),
      unixPath.map((p) => `unix:/${p}`),
    );
    const listen = fc.oneof(
      port.map((p) => `tcp:${p}`),
      fc.tuple(port, ipHost).map(([p, h]) => `tcp:${p}:interface=${h}`),
      fc.constantFrom('listen:tor', 'listen:i2p'),
    );
    fc.assert(
      fc.property(local, listen, (l, s) => {
        const e = parseLocalEndpoint(l);
        assert.deepEqual(parseLocalEndpoint(formatLocalEndpoint(e)), e);
        const le = parseListenEndpoint(s, ['tcp', 'tor', 'i2p']);
        assert.deepEqual(parseListenEndpoint(formatListenEndpoint(le), ['tcp', 'tor', 'i2p']), le);
      }),
      RUNS,
    );
  });

  it('sizes: formatSize -> parseSize round-trips', () => {
    fc.assert(fc.property(fc.maxSafeNat(), (n) => assert.equal(parseSize(formatSize(n)), n)), RUNS);
  });
});
