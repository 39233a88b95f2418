/**
 * Helpers shared by the src/config unit tests (not exported from index.ts): parse a snippet and expect
 * success, VEIL_CONFIG_INVALID with its problem list, or VEIL_CONFIG_IP_LEAK with its leak list.
 */
import assert from 'node:assert/strict';
import { isVeilError, type VeilError } from '../core/index.js';
import { parseNodeConfig } from './load.js';
import type { ConfigProblem, IpLeak } from './problems.js';
import type { NodeConfig } from './types.js';

export const NODE_DIR = '/srv/veil-node';

export function parseOk(text: string): NodeConfig {
  return parseNodeConfig(text, { nodeDir: NODE_DIR });
}

function parseError(text: string): VeilError {
  try {
    parseOk(text);
  } catch (err) {
    assert.ok(isVeilError(err), `expected a VeilError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the configuration to be rejected');
}

/** Expects VEIL_CONFIG_INVALID and returns its problems. */
export function problemsOf(text: string): ConfigProblem[] {
  const err = parseError(text);
  assert.equal(err.code, 'VEIL_CONFIG_INVALID', err.message);
  assert.equal(err.category, 'config');
  return err.details['problems'] as ConfigProblem[];
}

/** Expects VEIL_CONFIG_IP_LEAK and returns its leaks. */
export function leaksOf(text: string): IpLeak[] {
  const err = parseError(text);
  assert.equal(err.code, 'VEIL_CONFIG_IP_LEAK', err.message);
  return err.details['leaks'] as IpLeak[];
}

/** The problem about [section] key (as written), failing when there is none. */
export function problemAt(problems: readonly ConfigProblem[], section: string, key?: string): ConfigProblem {
  const p = problems.find((x) => x.section === section && (key === undefined || x.key === key));
  assert.ok(p, `no problem for [${section}] ${key ?? ''} in ${JSON.stringify(problems)}`);
  return p;
}

/** The leak of [section] key, failing when there is none. */
export function leakAt(leaks: readonly IpLeak[], section: string, key: string): IpLeak {
  const l = leaks.find((x) => x.section === section && x.key.toLowerCase() === key.toLowerCase());
  assert.ok(l, `no leak for [${section}] ${key} in ${JSON.stringify(leaks)}`);
  return l;
}

/** Joins lines into a veil.cfg text. */
export function cfg(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}
