/**
 * Crash-safe file replacement: write a temp file next to the target, fsync it, rename it over the target (atomic
 * on POSIX), and optionally fsync the directory so the rename itself is durable. A crash leaves the old or the
 * new file, plus at most a temp file, which the owner sweeps (removeShardTempFiles for sharded stores).
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { throwIfAborted } from './abort.js';

/** Name prefix of the temp files writeFileAtomic makes by default (in the target's directory). */
export const ATOMIC_TEMP_PREFIX = '.tmp-';

export interface WriteFileAtomicOptions {
  /** The temp file (same directory as the target). Default `<dir>/.tmp-<16 random hex>`. */
  readonly tempPath?: string | undefined;
  /** Mode of the new file. Default 0o600. */
  readonly mode?: number | undefined;
  /** fsync the directory after the rename (durable rename). Default false. */
  readonly syncDirectory?: boolean | undefined;
  /** Checked after the data is flushed, before the rename: an abort leaves the old file and removes the temp. */
  readonly signal?: AbortSignal | undefined;
  /** What the abort error names (throwIfAborted). Default 'atomic write'. */
  readonly what?: string | undefined;
  /** Called when the temp file cannot be removed after a failure (the original error is still thrown). */
  readonly onCleanupError?: ((tempPath: string, err: unknown) => void) | undefined;
}

/** fsync a directory so a rename or unlink inside it is durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to `path` atomically: exclusive create of the temp file, write, fsync, rename over `path`, then
 * (syncDirectory) fsync the directory. On a failure before the rename the temp file (if this call created it) is
 * removed and the error rethrown unchanged. The directory must exist.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteFileAtomicOptions = {}): Promise<void> {
  const temp = options.tempPath ?? join(dirname(path), ATOMIC_TEMP_PREFIX + randomBytes(8).toString('hex'));
  let isTempCreated = false;
  let isRenamed = false;
  try {
    const handle = await open(temp, 'wx', options.mode ?? 0o600);
    isTempCreated = true;
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    throwIfAborted(options.signal, options.what ?? 'atomic write');
    await rename(temp, path);
    isRenamed = true;
    if (options.syncDirectory === true) await syncDirectory(dirname(path));
  } catch (err) {
    if (isTempCreated && !isRenamed) {
      try {
        await rm(temp, { force: true });
      } catch (cleanupErr) {
        options.onCleanupError?.(temp, cleanupErr);
      }
    }
    throw err;
  }
}

/**
 * Removes the temp files (names starting with `prefix`) that a crash left in the shard directories of a sharded
 * store (`<dir>/<shard>/<file>`). Files directly in `dir` are left alone.
 */
export async function removeShardTempFiles(dir: string, prefix: string = ATOMIC_TEMP_PREFIX): Promise<void> {
  for (const shard of await readdir(dir, { withFileTypes: true })) {
    if (!shard.isDirectory()) continue;
    for (const name of await readdir(join(dir, shard.name))) {
      if (name.startsWith(prefix)) await rm(join(dir, shard.name, name), { force: true });
    }
  }
}
