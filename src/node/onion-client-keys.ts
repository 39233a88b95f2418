/**
 * Veil as a client of onion services with v3 client authorization: the keys given with `veil onion auth use` are
 * kept in NODEDIR/private/onion-client-keys/<onion-id>.auth_private (tor's ClientOnionAuthDir line format, mode
 * 0600) and handed to the node's tor (ONION_CLIENT_AUTH_ADD) on every (re)connect, so they outlive tor restarts.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { logger, type AbortOptions } from '../core/index.js';
import type { TorControl } from '../tor/index.js';
import { parseAuthPrivateLine } from './onion-keys.js';
import { addOnionClientAuth } from './onion-client-auth.js';

const log = logger('veil:node:onion');

export const CLIENT_KEYS_DIR = 'private/onion-client-keys';

/** Saves a client key line (checked first). Returns the onion service id it is for. Throws VEIL_ONION_* on a bad line. */
export async function saveClientKey(nodeDir: string, line: string): Promise<string> {
  const parsed = parseAuthPrivateLine(line);
  const dir = join(nodeDir, CLIENT_KEYS_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${parsed.serviceId}.auth_private`);
  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, `${line.trim()}\n`, { mode: 0o600 });
  await rename(temp, file);
  return parsed.serviceId;
}

/** Gives every saved client key to `control`; a bad file is logged and skipped. Returns how many were added. */
export async function applySavedClientKeys(control: TorControl, nodeDir: string, options: AbortOptions = {}): Promise<number> {
  const dir = join(nodeDir, CLIENT_KEYS_DIR);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.auth_private'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let added = 0;
  for (const name of names) {
    try {
      await addOnionClientAuth(control, (await readFile(join(dir, name), 'utf8')).trim(), options);
      added += 1;
    } catch (err) {
      log.warn('skipping a saved onion client key:', name, (err as Error).message);
    }
  }
  return added;
}
