/**
 * How a node reaches I2P, from its [i2p] section: the SAM bridge at `sam.port` (default 127.0.0.1:7656, I6), or an
 * i2pd it launches itself (`launch = true`; Tahoe never finished this). create-node uses it to make the node's
 * destination (N11); `veil run` to hold the node's SAM session.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError, report, type AbortOptions, type ProgressOptions } from '../core/index.js';
import type { I2pSection, LocalEndpoint } from '../config/index.js';
import { SamClient } from '../i2p/index.js';
import { connectLocal } from '../net/index.js';
import { I2P_KEY_FILE } from './create-plan.js';

export interface I2pDestinationKeys {
  /** `ADDR.b32.i2p`. */
  readonly b32Address: string;
  /** Path of the key file, relative to the node directory. */
  readonly privateKeyFile: string;
}

/** A SAM client on `endpoint`, dialing through src/net. */
export function samClientFor(endpoint: LocalEndpoint): SamClient {
  return new SamClient((options?: AbortOptions) => connectLocal(endpoint, { signal: options?.signal }));
}

/**
 * Makes the node's I2P destination through the SAM bridge (DEST GENERATE, Ed25519) and writes its private key
 * to NODEDIR/private/i2p_dest.privkey (mode 0600). Throws VEIL_SAM_* / VEIL_LOCAL_DAEMON_UNREACHABLE.
 */
export async function createI2pDestination(i2p: I2pSection, nodeDir: string, options: AbortOptions & ProgressOptions = {}): Promise<I2pDestinationKeys> {
  const endpoint = i2p.samEndpoint;
  if (!endpoint) {
    throw new VeilError('VEIL_NODE_CREATE_FAILED', 'cannot make an I2P destination: no SAM bridge is configured', {
      hint: 'give --i2p-sam-port=tcp:127.0.0.1:7656 (the SAM bridge of a running i2pd)',
    });
  }
  report(options, 'i2p:creating-destination', {});
  const generated = await samClientFor(endpoint).generateDestination({ signal: options.signal });
  await writeFile(join(nodeDir, I2P_KEY_FILE), `${generated.privateKey}\n`, { mode: 0o600, flag: 'wx' });
  report(options, 'i2p:destination-created', {});
  return { b32Address: generated.address, privateKeyFile: I2P_KEY_FILE };
}
