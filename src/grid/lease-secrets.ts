/**
 * The client side of leases (issue #4 §3): one node lease secret, NODEDIR/private/secret (Tahoe's name; base32 of
 * 32 random bytes, mode 0600), from which the renew and cancel secrets of every lease are derived:
 *
 *   server key  = HMAC-SHA256(lease secret, "veil-lease-v1" || server KEYHASH)
 *   upload key  = HMAC-SHA256(server key, "root" || root CIDv1 bytes)      (the capability's root: what was uploaded)
 *   renew       = HMAC-SHA256(upload key, "renew" || block CIDv1 bytes)
 *   cancel      = HMAC-SHA256(upload key, "cancel" || block CIDv1 bytes)
 *
 * Different servers see unrelated secrets for the same block, and one server sees unrelated secrets for different
 * blocks, so the secrets link neither the client's blocks nor its servers. The root makes a lease belong to one
 * upload: a file uploaded alone and again inside a directory holds two leases on its blocks, and cancelling one
 * capability leaves the other's blocks alive. Only the node that uploaded can renew or cancel (it alone holds
 * the lease secret); a backup of NODEDIR/private/secret keeps that ability.
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import type { CID } from '../content/index.js';
import { loadOrCreateSecretFile } from './secret-file.js';
import type { LeaseSecrets } from './lease-store.js';

export const LEASE_SECRET_FILE = 'private/secret';

/** Reads NODEDIR/private/secret, creating it on first use. Throws VEIL_NODE_KEY_UNREADABLE for a bad file. */
export async function loadOrCreateLeaseSecret(nodeDir: string): Promise<Uint8Array> {
  return loadOrCreateSecretFile(join(nodeDir, LEASE_SECRET_FILE), 'a lease secret');
}

/** Derives lease secrets for one server (by KEYHASH) and one upload (its root CID); the result derives per block. */
export function leaseSecretsFor(leaseSecret: Uint8Array, serverKeyHash: string, root: CID): (cid: CID) => LeaseSecrets {
  const serverKey = createHmac('sha256', leaseSecret).update('veil-lease-v1').update(serverKeyHash).digest();
  const uploadKey = createHmac('sha256', serverKey).update('root').update(root.toV1().bytes).digest();
  return (cid) => {
    const bytes = cid.toV1().bytes;
    return {
      renew: createHmac('sha256', uploadKey).update('renew').update(bytes).digest(),
      cancel: createHmac('sha256', uploadKey).update('cancel').update(bytes).digest(),
    };
  };
}
