/**
 * docs/veil.cfg.example (STYLE.md, Configuration): uncommenting it gives exactly the defaults, no key of the
 * table is missing from it, and it matches the table's comments (regenerate it with formatExampleConfig()).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SECTION_NAMES } from './defaults.js';
import { readIni } from './ini.js';
import { allKeys } from './reader.js';
import { parseOk } from './test-kit.js';
import { formatExampleConfig } from './write.js';

// dist/src/config -> repository root
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const EXAMPLE = readFileSync(join(ROOT, 'docs', 'veil.cfg.example'), 'utf8');

/** Removes the single "#" of commented-out settings; "##" explanation lines stay comments. */
function uncomment(text: string): string {
  return text.replace(/^#(?!#)/gm, '');
}

describe('docs/veil.cfg.example', () => {
  it('has every setting commented out: as shipped it is an empty configuration', () => {
    const { document, problems } = readIni(EXAMPLE);
    assert.deepEqual(problems, []);
    assert.ok([...document.sections.values()].every((s) => s.entries.size === 0));
  });

  it('uncommented, gives exactly the defaults', () => {
    assert.deepEqual(parseOk(uncomment(EXAMPLE)), parseOk(''));
  });

  it('uncommented, sets every key of the defaults table, and no other', () => {
    const { document, problems } = readIni(uncomment(EXAMPLE));
    assert.deepEqual(problems, []);
    const written = [...document.sections.values()].flatMap((s) => [...s.entries.values()].map((e) => `[${s.name}] ${e.key}`));
    const table = allKeys().map(({ section, key }) => `[${section}] ${key}`);
    assert.deepEqual(written.sort(), table.sort());
  });

  it('the defaults table has no keys differing only by case (lookups lower-case them), and no empty section', () => {
    for (const section of new Set(allKeys().map((k) => k.section))) {
      const lower = allKeys()
        .filter((k) => k.section === section)
        .map((k) => k.key.toLowerCase());
      assert.equal(new Set(lower).size, lower.length, section);
    }
    assert.equal(new Set(allKeys().map((k) => k.section)).size, SECTION_NAMES.length);
  });

  it('is up to date with the defaults table (regenerate with formatExampleConfig())', () => {
    assert.equal(EXAMPLE, formatExampleConfig());
  });
});
