/**
 * A node's 32-byte secrets kept in NODEDIR/private (the convergence secret, the lease secret): one line of base32,
 * made on first use with an exclusive create (mode 0600), so two processes never overwrite each other's secret.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { VeilError, base32Decode, base32Encode } from '../core/index.js';

const SECRET_BYTES = 32;

/**
 * Reads the secret in `file`, creating it on first use. `what` names it in the error ('a lease secret').
 * Throws VEIL_NODE_KEY_UNREADABLE for a file that is not base32 of 32 bytes.
 */
export async function loadOrCreateSecretFile(file: string, what: string): Promise<Uint8Array> {
  try {
    const bytes = base32Decode((await readFile(file, 'utf8')).trim());
    if (!bytes || bytes.length !== SECRET_BYTES) throw new VeilError('VEIL_NODE_KEY_UNREADABLE', `${file} is not ${what} (base32 of ${SECRET_BYTES} bytes)`);
    return bytes;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const secret = randomBytes(SECRET_BYTES);
    await writeFile(file, `${base32Encode(secret)}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}
