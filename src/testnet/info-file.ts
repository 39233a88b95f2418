/**
 * `<dir>/testnet.json`: the description of a running network (src/testnet/types.ts TestnetInfo), written by
 * `veil testnet up` and by the test runner, read by integration tests (VEIL_TESTNET), `veil testnet status`
 * and stopTestnetFromDir.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError, sensitive, logger } from '../core/index.js';
import { TESTNET_DEFAULTS } from './defaults.js';
import type { TestnetInfo } from './types.js';

const log = logger('veil:testnet:info');
/** A testnet.json is a few kilobytes; refuse anything absurd before parsing it. */
const MAX_INFO_BYTES = 1024 * 1024;

/** Path of the description file in a testnet directory. */
export function infoPath(dir: string): string {
  return join(dir, TESTNET_DEFAULTS.infoFile);
}

/**
 * Writes `<dir>/testnet.json` atomically (temporary file, then rename), so that a reader never sees half a file.
 * `info.dir` is written as given. Returns the path written.
 */
export async function writeInfo(dir: string, info: TestnetInfo): Promise<string> {
  const path = infoPath(dir);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, path);
  log.debug('wrote', sensitive(path));
  return path;
}

/**
 * Reads `<dir>/testnet.json`. Throws VEIL_TESTNET_INFO_INVALID when it is missing, too big, not JSON, or lacks
 * the `dir` field. Only the shape needed by readers is checked; fields are trusted as our own output.
 */
export async function readInfo(dir: string): Promise<TestnetInfo> {
  const path = infoPath(dir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new VeilError('VEIL_TESTNET_INFO_INVALID', `cannot read the testnet description: ${(err as NodeJS.ErrnoException).code ?? 'read failed'}`, {
      cause: err,
      details: { path },
    });
  }
  if (text.length > MAX_INFO_BYTES) {
    throw new VeilError('VEIL_TESTNET_INFO_INVALID', `the testnet description is too big (${text.length} bytes)`, { details: { path } });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new VeilError('VEIL_TESTNET_INFO_INVALID', 'the testnet description is not valid JSON', { cause: err, details: { path } });
  }
  if (typeof value !== 'object' || value === null || typeof (value as { dir?: unknown }).dir !== 'string') {
    throw new VeilError('VEIL_TESTNET_INFO_INVALID', 'the testnet description has no "dir" field', { details: { path } });
  }
  return value as TestnetInfo;
}
