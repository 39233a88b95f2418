/**
 * RouterInfo files: identity hash and netDb placement, for joining a private network without reseeding.
 *
 * A RouterInfo starts with the RouterIdentity (common structures spec, "RouterIdentity"/"KeysAndCert":
 * 384 bytes of keys + 3-byte certificate header + certificate). The router's identity hash is SHA-256 of
 * those bytes. i2pd stores a RouterInfo in `netDb/r<C>/routerInfo-<H>.dat`, where H is the hash in I2P
 * base64 and C its first character (I2P-TESTNET.md, "Steps" 3).
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError } from '../core/index.js';
import { destinationLength, toI2pBase64 } from './destination.js';

/** Identity hash (I2P base64, 44 characters) of the RouterInfo bytes. Throws VEIL_I2P_DESTINATION_INVALID. */
export function routerIdentityHash(routerInfo: Uint8Array): string {
  const identityBytes = destinationLength(routerInfo);
  return toI2pBase64(createHash('sha256').update(routerInfo.subarray(0, identityBytes)).digest());
}

/** Path of a RouterInfo inside a netDb folder. */
export function netDbPath(netDbDir: string, identityHash: string): string {
  const first = identityHash[0];
  if (first === undefined) throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): empty router identity hash');
  return join(netDbDir, `r${first}`, `routerInfo-${identityHash}.dat`);
}

/** Copies RouterInfo files into `<dataDir>/netDb/` under their identity-hash names. Returns the hashes. */
export async function installRouterInfos(dataDir: string, routerInfoFiles: readonly string[]): Promise<string[]> {
  const hashes: string[] = [];
  for (const file of routerInfoFiles) {
    const hash = routerIdentityHash(await readFile(file));
    const target = netDbPath(join(dataDir, 'netDb'), hash);
    await mkdir(join(target, '..'), { recursive: true });
    await copyFile(file, target);
    hashes.push(hash);
  }
  return hashes;
}
