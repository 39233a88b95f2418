import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CODES } from './index.js';
import { CATEGORIES, VeilError, EXIT_STATUS } from '../errors.js';

const docPath = new URL('../../../../docs/errors.md', import.meta.url);

test('docs/errors.md lists exactly the codes of the code table', () => {
  const doc = readFileSync(docPath, 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `(VEIL_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
  const table = new Set(Object.keys(CODES));
  const missing = [...table].filter((c) => !documented.has(c));
  const stale = [...documented].filter((c) => !table.has(c as string));
  assert.deepEqual(missing, [], 'codes missing from docs/errors.md (run node scripts/gen-errors-doc.mjs)');
  assert.deepEqual(stale, [], 'codes in docs/errors.md that the table no longer has');
});

test('every code has a known category, a summary and a hint, and is named VEIL_*', () => {
  for (const [code, entry] of Object.entries(CODES)) {
    assert.match(code, /^VEIL_[A-Z0-9_]+$/);
    assert.ok((CATEGORIES as readonly string[]).includes(entry.category), `${code}: category ${entry.category}`);
    assert.ok(entry.summary.length > 10, `${code}: summary`);
    assert.ok(entry.hint.length > 10, `${code}: hint`);
  }
});

test('VeilError takes category and default hint from the table; an explicit hint wins', () => {
  const e = new VeilError('VEIL_TIMEOUT', 'x: timed out');
  assert.equal(e.category, 'network');
  assert.equal(e.hint, CODES.VEIL_TIMEOUT.hint);
  assert.equal(new VeilError('VEIL_TIMEOUT', 'y', { hint: 'do z' }).hint, 'do z');
  assert.equal(EXIT_STATUS[e.category], 5);
});
