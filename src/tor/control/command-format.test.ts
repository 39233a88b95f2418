import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isVeilError } from '../../core/index.js';
import { decodeQuoted, formatCommand, parseKeyValues, parseReplyArguments, quoteString, unquoteIfQuoted } from './command-format.js';
import { formatAddOnion, formatConfArgs, parseGetConf, parseGetInfo } from './commands.js';
import type { ControlReply } from './reply-codec.js';

const isArgumentError = (e: unknown): boolean => isVeilError(e, 'VEIL_TOR_CONTROL_ARGUMENT');

test('formatCommand joins arguments and refuses CR, LF and NUL anywhere', () => {
  assert.equal(formatCommand('GETINFO', ['version', 'net/listeners/socks']), 'GETINFO version net/listeners/socks\r\n');
  assert.equal(formatCommand('TAKEOWNERSHIP'), 'TAKEOWNERSHIP\r\n');
  for (const evil of ['a\r\nSIGNAL HALT', 'a\nb', 'a\rb', 'a\0b']) {
    assert.throws(() => formatCommand('SETCONF', [evil]), isArgumentError);
  }
  assert.throws(() => formatCommand('GETINFO\r\nSIGNAL', []), isArgumentError);
  assert.throws(() => formatCommand('', []), isArgumentError);
});

test('quoteString escapes quotes and backslashes and refuses line breaks', () => {
  assert.equal(quoteString('a "b" \\c'), '"a \\"b\\" \\\\c"');
  assert.throws(() => quoteString('x\r\nSIGNAL HALT'), isArgumentError);
});

test('quoteString then decodeQuoted round-trips any string without CR/LF/NUL (property)', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !/[\r\n\0]/.test(s)), (s) => {
      const q = quoteString(s);
      const { value, end } = decodeQuoted(q, 0);
      assert.equal(value, s);
      assert.equal(end, q.length);
    }),
  );
});

test('decodeQuoted handles C escapes and octal as tor writes them; unterminated is a protocol error', () => {
  assert.equal(decodeQuoted('"a\\nb\\t\\"\\\\\\303\\251"', 0).value, 'a\nb\t"\\é');
  assert.throws(() => decodeQuoted('"abc', 0), (e: unknown) => isVeilError(e, 'VEIL_TOR_CONTROL_PROTOCOL'));
  assert.equal(unquoteIfQuoted('"x y"'), 'x y');
  assert.equal(unquoteIfQuoted('"x" y'), '"x" y');
  assert.equal(unquoteIfQuoted('plain'), 'plain');
});

test('parseReplyArguments splits positional words and keyword values into a Map', () => {
  const r = parseReplyArguments('NOTICE BOOTSTRAP PROGRESS=50 TAG=loading_descriptors SUMMARY="Loading \\"relay\\" descriptors" EMPTY=');
  assert.deepEqual(r.positional, ['NOTICE', 'BOOTSTRAP']);
  assert.equal(r.keywords.get('PROGRESS'), '50');
  assert.equal(r.keywords.get('SUMMARY'), 'Loading "relay" descriptors');
  assert.equal(r.keywords.get('EMPTY'), '');
  const proto = parseKeyValues('__proto__=x constructor=y');
  assert.ok(proto instanceof Map);
  assert.equal(proto.get('__proto__'), 'x');
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
  assert.deepEqual(parseReplyArguments('"quoted word" =odd').positional, ['quoted word', '=odd']);
});

test('parseReplyArguments on arbitrary text gives a result or only a protocol error (property)', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (s) => {
      try {
        parseReplyArguments(s);
      } catch (err) {
        assert.ok(isVeilError(err, 'VEIL_TOR_CONTROL_PROTOCOL'));
      }
    }),
  );
});

const reply = (lines: ControlReply['lines']): ControlReply => ({ status: 250, isAsync: false, lines });

test('GETINFO and GETCONF replies', () => {
  const info = parseGetInfo(
    reply([
      { status: 250, kind: 'mid', text: 'version=0.4.9.11 (git-x)' },
      { status: 250, kind: 'data', text: 'config-text=', data: 'SocksPort 9050\nLog notice stdout' },
      { status: 250, kind: 'end', text: 'OK' },
    ]),
  );
  assert.equal(info.get('version'), '0.4.9.11 (git-x)');
  assert.equal(info.get('config-text'), 'SocksPort 9050\nLog notice stdout');
  const conf = parseGetConf(
    reply([
      { status: 250, kind: 'mid', text: 'SocksPort=9050' },
      { status: 250, kind: 'mid', text: 'SocksPort=9051' },
      { status: 250, kind: 'end', text: 'Nickname' },
    ]),
  );
  assert.deepEqual(conf.get('SocksPort'), ['9050', '9051']);
  assert.deepEqual(conf.get('Nickname'), []);
});

test('SETCONF and ADD_ONION arguments are validated and quoted', () => {
  assert.deepEqual(formatConfArgs({ Nickname: 'a b', SocksPort: ['1', '2'], Foo: [] }), ['Nickname="a b"', 'SocksPort="1"', 'SocksPort="2"', 'Foo']);
  assert.throws(() => formatConfArgs({ 'A B': 'x' }), isArgumentError);
  assert.throws(() => formatConfArgs({ Nickname: 'x\nSIGNAL HALT' }), isArgumentError);
  assert.deepEqual(formatAddOnion({ ports: [{ virtualPort: 80, target: '127.0.0.1:8080' }, { virtualPort: 81 }], detach: true, discardPrivateKey: true }), [
    'NEW:ED25519-V3',
    'Flags=Detach,DiscardPK',
    'Port=80,127.0.0.1:8080',
    'Port=81',
  ]);
  assert.deepEqual(formatAddOnion({ privateKey: 'ED25519-V3:QUJD+/==', ports: [{ virtualPort: 80, target: 'unix:/run/x.sock' }] }), [
    'ED25519-V3:QUJD+/==',
    'Port=80,unix:/run/x.sock',
  ]);
  assert.throws(() => formatAddOnion({ ports: [] }), isArgumentError);
  assert.throws(() => formatAddOnion({ ports: [{ virtualPort: 0 }] }), isArgumentError);
  assert.throws(() => formatAddOnion({ ports: [{ virtualPort: 80, target: '1 Port=22' }] }), isArgumentError);
  assert.throws(() => formatAddOnion({ privateKey: 'RSA1024:abc', ports: [{ virtualPort: 80 }] }), isArgumentError);
  assert.throws(() => formatAddOnion({ privateKey: 'ED25519-V3:abc Flags=Detach', ports: [{ virtualPort: 80 }] }), isArgumentError);
});
