/**
 * The table of every error code. Each layer owns one file here (added when the layer is written);
 * this index merges them. docs/errors.md is generated from this table (`node scripts/gen-errors-doc.mjs`)
 * and a unit test checks both agree.
 */
import { CORE_CODES } from './core.js';
import { NET_CODES } from './net.js';
import { CONFIG_CODES } from './config.js';
import { CONTENT_CODES } from './content.js';
import { GATEWAY_CODES } from './gateway.js';
import { TOR_CONTROL_CODES } from './tor-control.js';
import { I2P_CODES } from './i2p.js';
import { TESTNET_CODES } from './testnet.js';
import { SOCKS_CODES } from './socks.js';
import { NODE_CODES } from './node.js';
import { NAMES_CODES } from './names.js';
import { HTTP_CODES } from './http.js';
import { ONION_CODES } from './onion.js';
import { GRID_CODES } from './grid.js';
import type { CodeEntry } from './types.js';

const TABLES = [CORE_CODES, NODE_CODES, NET_CODES, CONFIG_CODES, I2P_CODES, TOR_CONTROL_CODES, CONTENT_CODES, GATEWAY_CODES, TESTNET_CODES, SOCKS_CODES, ONION_CODES, NAMES_CODES, HTTP_CODES, GRID_CODES] as const;

type Merge<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R] ? keyof H | Merge<R> : never;
export type VeilErrorCode = Merge<typeof TABLES> & string;

function merge(): Readonly<Record<VeilErrorCode, CodeEntry>> {
  const out: Record<string, CodeEntry> = Object.create(null);
  for (const table of TABLES) {
    for (const [code, entry] of Object.entries(table)) {
      if (code in out) throw new Error(`duplicate error code ${code}`);
      out[code] = entry as CodeEntry;
    }
  }
  return Object.freeze(out) as Record<VeilErrorCode, CodeEntry>;
}

export const CODES = merge();
export type { CodeEntry } from './types.js';
