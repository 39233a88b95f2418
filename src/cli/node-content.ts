/**
 * Helpers shared by the content commands (add, cat, car, name, key): they work on the node directory directly,
 * with or without a running node, like Kubo's commands on a repository.
 */
import { once } from 'node:events';
import { join } from 'node:path';
import { VeilError, raceAbort } from '../core/index.js';
import { checkNodeFormat } from '../config/index.js';
import { FsBlockstore } from '../content/index.js';

/** Opens NODEDIR/blocks after checking that NODEDIR is a Veil node directory (VEIL_CONFIG_NODE_FORMAT otherwise). */
export async function openNodeBlockstore(nodeDir: string, signal: AbortSignal): Promise<FsBlockstore> {
  await checkNodeFormat(nodeDir, { signal });
  return FsBlockstore.open(join(nodeDir, 'blocks'));
}

/** Checks that NODEDIR is a node directory (for commands that only touch keys and names). */
export async function checkNodeDir(nodeDir: string, signal: AbortSignal): Promise<void> {
  await checkNodeFormat(nodeDir, { signal });
}

/** Writes a byte stream to `out`, waiting for 'drain' when it is full (memory stays flat for any size). */
export async function writeStream(out: NodeJS.WritableStream, chunks: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<void> {
  for await (const chunk of chunks) {
    if (!out.write(chunk)) await raceAbort(once(out, 'drain'), signal, 'write output');
  }
}

/** A string option, or undefined; a repeated or boolean use is an input error. */
export function stringOption(values: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new VeilError('VEIL_INPUT_INVALID', `--${name} needs a value`);
  return v;
}
