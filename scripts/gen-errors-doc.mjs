#!/usr/bin/env node
// Writes docs/errors.md from the code table (dist/src/core/codes). Run after `npm run build` whenever a code is added.
// A unit test (src/core/codes/codes.test.ts) fails when the document and the table disagree.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { CODES } = await import(pathToFileURL(join(root, 'dist/src/core/codes/index.js')).href);
const { EXIT_STATUS } = await import(pathToFileURL(join(root, 'dist/src/core/errors.js')).href);
const esc = (s) => s.replace(/\|/g, '\\|');
const lines = [
  '# Error codes',
  '',
  'Every error Veil reports carries one of these stable codes. Codes never change meaning and retired codes are',
  'never reused. Programs should match on the code, never on the message. This file is generated from',
  '`src/core/codes/` by `node scripts/gen-errors-doc.mjs`; a unit test checks that both agree.',
  '',
  '## Exit status of the `veil` command by category',
  '',
  '| category | exit status |',
  '| --- | --- |',
  ...Object.entries(EXIT_STATUS).map(([c, s]) => `| ${c} | ${s} |`),
  '',
  '## Codes',
  '',
  '| code | category | when | what to do |',
  '| --- | --- | --- | --- |',
  ...Object.keys(CODES)
    .sort()
    .map((code) => `| \`${code}\` | ${CODES[code].category} | ${esc(CODES[code].summary)} | ${esc(CODES[code].hint)} |`),
  '',
];
writeFileSync(join(root, 'docs/errors.md'), lines.join('\n'));
