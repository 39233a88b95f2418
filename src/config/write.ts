/**
 * Writing veil.cfg: formatNodeConfig (structured values -> commented veil.cfg text, for create-node),
 * writeNodeConfig (validates, then creates NODEDIR/veil.cfg without overwriting) and formatExampleConfig
 * (docs/veil.cfg.example: every key at its default, commented out).
 */
import { join } from 'node:path';
import { quoteUntrusted, type AbortOptions } from '../core/index.js';
import { CONFIG_KEYS, keySpec, keysOf, SECTION_NAMES, type KeyName, type SectionName } from './defaults.js';
import { parseNodeConfig } from './load.js';
import { CONFIG_FILE, writeNew } from './node-dir.js';
import { valueError } from './problems.js';
import type { NodeConfig } from './types.js';

export type ConfigValue = string | number | boolean;

/** Values to write, by section and key (table spelling). Keys left out keep their defaults. */
export type NodeConfigValues = { readonly [S in SectionName]?: { readonly [K in KeyName<S>]?: ConfigValue | undefined } };

const WRAP_COLUMNS = 100;

function wrapComment(text: string, prefix = '## '): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/)) {
    if (cur !== '' && prefix.length + cur.length + 1 + word.length > WRAP_COLUMNS) {
      lines.push(prefix + cur);
      cur = word;
    } else {
      cur = cur === '' ? word : `${cur} ${word}`;
    }
  }
  if (cur !== '') lines.push(prefix + cur);
  return lines;
}

function formatValue(section: string, key: string, value: ConfigValue): string {
  const text = typeof value === 'string' ? value.trim() : String(value);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(text)) throw valueError(`[${section}] ${key}: value contains a line break or control character`, text);
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw valueError(`[${section}] ${key}: ${value} is not an integer`);
  return text;
}

function line(key: string, value: string): string {
  return value === '' ? `${key} =` : `${key} = ${value}`;
}

export interface FormatOptions {
  /** Comment lines at the top of the file (without the "## " prefix). */
  readonly header?: readonly string[] | undefined;
}

/** Builds veil.cfg text: sections in table order, each written key preceded by its comment. Throws VEIL_CONFIG_VALUE. */
export function formatNodeConfig(values: NodeConfigValues, options: FormatOptions = {}): string {
  const out: string[] = (options.header ?? ['Veil node configuration. Every key is described in docs/configuration.md.']).flatMap((h) => wrapComment(h));
  for (const section of SECTION_NAMES) {
    const given = (values[section] ?? {}) as Record<string, ConfigValue | undefined>;
    for (const k of Object.keys(given)) {
      if (!keysOf(section).includes(k)) throw valueError(`[${section}] ${quoteUntrusted(k)} is not a known key`);
    }
    const keys = keysOf(section).filter((k) => given[k] !== undefined);
    if (keys.length === 0) continue;
    out.push('', `[${section}]`);
    for (const key of keys) {
      out.push(...wrapComment(keySpec(section, key).doc), line(key, formatValue(section, key, given[key]!)));
    }
  }
  for (const s of Object.keys(values)) {
    if (!(SECTION_NAMES as readonly string[]).includes(s)) throw valueError(`[${quoteUntrusted(s)}] is not a known section`);
  }
  return `${out.join('\n')}\n`;
}

/** docs/veil.cfg.example: every section, every key at its default, commented out with a single "#". */
export function formatExampleConfig(): string {
  const out = [
    ...wrapComment('Veil node configuration (NODEDIR/veil.cfg): every key, shown at its default and commented out.'),
    ...wrapComment('To change a key, remove the single leading "#" and edit the value. Lines starting with "##" are explanations.'),
    ...wrapComment('Keys are spelled as in Tahoe-LAFS; docs/configuration.md describes each one and the differences from Tahoe.'),
  ];
  for (const section of SECTION_NAMES) {
    out.push('', `[${section}]`);
    for (const key of Object.keys(CONFIG_KEYS[section])) {
      const spec = keySpec(section, key);
      out.push(...wrapComment(spec.doc), `#${line(key, spec.default)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export interface WriteNodeConfigOptions extends AbortOptions, FormatOptions {}

/**
 * Validates `values` (as loadNodeConfig would: VEIL_CONFIG_INVALID / VEIL_CONFIG_IP_LEAK) and creates
 * NODEDIR/veil.cfg (mode 0600), never overwriting (VEIL_CONFIG_WRITE_FAILED). Returns the parsed config.
 * Honours `signal`.
 */
export async function writeNodeConfig(nodeDir: string, values: NodeConfigValues, options: WriteNodeConfigOptions = {}): Promise<NodeConfig> {
  const text = formatNodeConfig(values, options);
  const file = join(nodeDir, CONFIG_FILE);
  const config = parseNodeConfig(text, { nodeDir, file });
  await writeNew(file, text, 0o600, options);
  return config;
}
