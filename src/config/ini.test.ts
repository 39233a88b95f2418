import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isVeilError } from '../core/index.js';
import { parseIni, readIni } from './ini.js';

describe('INI reader', () => {
  it('reads sections, key = value, comments, CRLF and a BOM, keeping lines and keys as written', () => {
    const { document, problems } = readIni('\ufeff# top\r\n[node]\r\n; c\r\nReveal-IP-Address = False\r\nnickname=a # b\r\nweb.port: tcp:1\r\n\r\n[tor]\r\n');
    assert.deepEqual(problems, []);
    const node = document.sections.get('node');
    assert.equal(node?.line, 2);
    assert.deepEqual(node?.entries.get('reveal-ip-address'), { key: 'Reveal-IP-Address', name: 'reveal-ip-address', value: 'False', line: 4 });
    assert.equal(node?.entries.get('nickname')?.value, 'a # b', 'a # inside a value is part of it (configparser)');
    assert.equal(node?.entries.get('web.port')?.value, 'tcp:1', '":" is a separator too');
    assert.equal(document.sections.get('tor')?.entries.size, 0);
  });

  it('keys are case-insensitive (a duplicate in another case is an error), sections are case-sensitive', () => {
    const { document, problems } = readIni('[node]\nnickname = a\nNICKNAME = b\n[Node]\n');
    assert.equal(problems.length, 1);
    assert.deepEqual({ ...problems[0] }, { section: 'node', key: 'NICKNAME', line: 3, message: 'duplicate key (first set on line 2)' });
    assert.ok(document.sections.has('Node'));
  });

  it('reports every syntax problem with its line: duplicate section, key outside a section, no "=", indentation', () => {
    const { problems } = readIni('orphan = 1\n[a]\nx = 1\n[a]\ny = 2\n[b]\nnot a pair\n  indented = 1\n[\n= v\n[]\n');
    assert.deepEqual(
      problems.map((p) => [p.line, p.message.split(' (')[0]]),
      [
        [1, 'key outside of any section'],
        [4, 'duplicate section'],
        [7, 'expected "key = value"'],
        [8, 'indented line: continuation lines are not supported'],
        [9, 'malformed section header'],
        [10, 'missing key name before "="'],
        [11, 'empty section name "[]"'],
      ],
    );
  });

  it('enforces limits on file size and line length, and refuses control characters', () => {
    assert.match(readIni('x'.repeat(200), { maxChars: 100 }).problems[0]?.message ?? '', /larger than 100/);
    assert.match(readIni(`[a]\nk = ${'v'.repeat(50)}\n`, { maxLineChars: 20 }).problems[0]?.message ?? '', /longer than 20/);
    assert.match(readIni('[a]\nk = a\u0000b\n').problems[0]?.message ?? '', /control character/);
  });

  it('parseIni throws VEIL_CONFIG_INVALID listing all problems, naming the file', () => {
    assert.throws(
      () => parseIni('[a]\n[a]\nk\n', '/n/veil.cfg'),
      (err: unknown) => {
        assert.ok(isVeilError(err, 'VEIL_CONFIG_INVALID'));
        assert.match(err.message, /^\/n\/veil\.cfg has 2 problems:\n {2}line 2: \[a\]: duplicate section/);
        assert.match(err.message, /line 3: expected "key = value"/);
        return true;
      },
    );
  });
});
