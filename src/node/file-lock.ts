/**
 * An advisory lock between Veil processes on one node directory: a lock file created exclusively (O_EXCL) that
 * holds the owner's PID. A lock whose owner is no longer alive (killed mid-command) is taken over; a live owner
 * is waited for, up to a deadline. Used by the `veil onion` commands, whose read-modify-write of the saved
 * services must not interleave.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { VeilError, delay, logger, throwIfAborted, type AbortOptions } from '../core/index.js';

const log = logger('veil:node:lock');

export const FILE_LOCK_DEFAULTS = Object.freeze({
  /** How long to wait for a live owner. */
  waitMs: 30_000,
  /** Between tries. */
  retryMs: 100,
});

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerOf(path: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(path, 'utf8')).trim());
    return Number.isSafeInteger(pid) ? pid : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Runs `fn` holding the lock file `path` (its directory must exist) and removes the lock afterwards. Throws
 * VEIL_NODE_BUSY when another live process holds it past `waitMs`; honours `signal` while waiting.
 */
export async function withFileLock<T>(path: string, what: string, fn: () => Promise<T>, options: AbortOptions & { waitMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.waitMs ?? FILE_LOCK_DEFAULTS.waitMs);
  for (;;) {
    throwIfAborted(options.signal, `wait for ${what}`);
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await ownerOf(path);
    // An empty file is a lock being written right now (or left by a crash between create and write): wait.
    if (owner !== undefined && owner !== 0 && !isAlive(owner)) {
      log.info(`taking over ${what}: its owner (pid ${owner}) is gone`);
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new VeilError('VEIL_NODE_BUSY', `another Veil command${owner ? ` (pid ${owner})` : ''} holds ${what}`, {
        details: { lockFile: path },
        hint: `wait for it to finish and try again; if no such command runs, delete ${path}`,
      });
    }
    await delay(FILE_LOCK_DEFAULTS.retryMs, options);
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
