/**
 * Leases on stored blocks (issue #4 §3), Tahoe's model adapted to content-addressed blocks. A client that stores a
 * block also gives a renew secret and a cancel secret (32 bytes each, derived per server and per block from the
 * client's lease secret: lease-secrets.ts). The server keeps only SHA-256 hashes of them, with the time of the
 * last renewal and the lease's duration (Tahoe's 31 days). A lease is identified by its renew secret:
 *
 *   add (PUT of a block, or POST leases/<cid> with both secrets)  a new lease, or a renewal of the one whose renew
 *                                                                 secret matches
 *   renew (POST leases/<cid> with the renew secret only)          only an existing lease; none matching: not found
 *   cancel (DELETE leases/<cid> with the cancel secret)           removes the matching lease; a block left with no
 *                                                                 lease is deleted (Tahoe's original cancel_lease)
 *
 * State: one small JSON file per block, `<dir>/<shard>/<cidkey>.leases`, written to a temp file, fsynced and
 * renamed over the old one (then the shard directory is fsynced), so a crash leaves the old or the new state,
 * never a torn one. Temp files are swept on open. Changes to one block are serialized (a per-block queue), so an
 * upload that adds a lease and a cancel that deletes the block never interleave.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ATOMIC_TEMP_PREFIX, VeilError, base32Encode, logger, removeShardTempFiles, sensitive, syncDirectory, writeFileAtomic } from '../core/index.js';
import { cidKey, type CID } from '../content/index.js';
import type { ExpirePolicy } from '../config/index.js';

const log = logger('veil:grid:lease');
const SUFFIX = '.leases';
/** Tahoe's default lease duration: 31 days. */
export const DEFAULT_LEASE_DURATION_MS = 31 * 86_400_000;
/**
 * At most this many leases per block (a lease file stays small whatever clients send). When a block is full, a
 * new lease replaces the one that expires first: the new one expires last, so the block lives at least as long.
 */
export const MAX_LEASES_PER_BLOCK = 1024;
const MAX_LEASE_FILE_BYTES = 1024 * 1024;
export const LEASE_SECRET_BYTES = 32;

export interface LeaseSecrets {
  readonly renew: Uint8Array;
  readonly cancel: Uint8Array;
}

/** One lease as stored: hashes of the secrets (base32 of SHA-256), never the secrets. */
export interface StoredLease {
  readonly renewHash: string;
  readonly cancelHash: string;
  /** Last renewal (ms since the epoch). */
  readonly renewedAt: number;
  readonly durationMs: number;
}

export interface LeaseStoreOptions {
  /** Clock (tests). Default Date.now. */
  readonly now?: (() => number) | undefined;
  /** Duration of new and renewed leases (ms). Default 31 days. */
  readonly leaseDurationMs?: number | undefined;
}

export type AddLeaseResult = { readonly expiresAt: number };

function hashSecret(secret: Uint8Array): string {
  return base32Encode(createHash('sha256').update(secret).digest());
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** When a lease expires under `policy` (ms since the epoch); Tahoe's expire.mode semantics. */
export function leaseExpiry(lease: StoredLease, policy: ExpirePolicy): number {
  if (policy.mode === 'cutoff-date') return lease.renewedAt < policy.cutoffMs ? lease.renewedAt : Number.POSITIVE_INFINITY;
  return lease.renewedAt + (policy.overrideLeaseDurationMs ?? lease.durationMs);
}

function isStoredLease(v: unknown): v is StoredLease {
  if (typeof v !== 'object' || v === null) return false;
  const l = v as Record<string, unknown>;
  return typeof l['renewHash'] === 'string' && typeof l['cancelHash'] === 'string' && Number.isSafeInteger(l['renewedAt']) && Number.isSafeInteger(l['durationMs']);
}

/** Parses a lease file's text; undefined when it is not one (the caller logs it and reads it as no leases). */
export function parseLeaseFile(text: string): StoredLease[] | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || (parsed as Record<string, unknown>)['v'] !== 1) return undefined;
    const leases = (parsed as Record<string, unknown>)['leases'];
    if (!Array.isArray(leases) || !leases.every(isStoredLease)) return undefined;
    return leases.slice(0, MAX_LEASES_PER_BLOCK);
  } catch {
    // Not JSON: the caller treats the file as corrupt (and logs it).
    return undefined;
  }
}

function ioError(what: string, err: unknown): VeilError {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : 'I/O error';
  return new VeilError('VEIL_CONTENT_STORE_IO', `lease store: cannot ${what}: ${code}`, { cause: err });
}

export class LeaseStore {
  readonly #dir: string;
  readonly #now: () => number;
  readonly #durationMs: number;
  /** Per-block queues: the tail promise of the work on each block. */
  readonly #queues = new Map<string, Promise<unknown>>();

  private constructor(dir: string, options: LeaseStoreOptions) {
    this.#dir = dir;
    this.#now = options.now ?? Date.now;
    this.#durationMs = options.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
  }

  /** Opens (creating) the lease directory and removes temp files left by a crash. Throws VEIL_CONTENT_STORE_IO. */
  static async open(dir: string, options: LeaseStoreOptions = {}): Promise<LeaseStore> {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await removeShardTempFiles(dir, ATOMIC_TEMP_PREFIX);
    } catch (err) {
      throw ioError('open the lease directory', err);
    }
    return new LeaseStore(dir, options);
  }

  get directory(): string {
    return this.#dir;
  }

  /** Runs `work` after every earlier piece of work on the same block (block writes and deletes go through here too). */
  exclusive<T>(cid: CID, work: () => Promise<T>): Promise<T> {
    const key = cidKey(cid);
    const prev = this.#queues.get(key) ?? Promise.resolve();
    const next = prev.then(work, work);
    const tail = next.catch(() => undefined);
    this.#queues.set(key, tail);
    void tail.then(() => {
      if (this.#queues.get(key) === tail) this.#queues.delete(key);
    });
    return next;
  }

  #paths(cid: CID): { shardDir: string; file: string } {
    const key = cidKey(cid);
    const shardDir = join(this.#dir, key.slice(-3, -1));
    return { shardDir, file: join(shardDir, key + SUFFIX) };
  }

  /** The block's leases (none when it has no lease file). Call inside exclusive() when a write follows. */
  async read(cid: CID): Promise<StoredLease[]> {
    let text: string;
    try {
      const handle = await open(this.#paths(cid).file, 'r');
      try {
        const { size } = await handle.stat();
        if (size > MAX_LEASE_FILE_BYTES) {
          log.warn('a lease file is too large; its leases are ignored', sensitive(cid.toString()));
          return [];
        }
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError('read a lease file', err);
    }
    const leases = parseLeaseFile(text);
    if (!leases) log.warn('a lease file is corrupt; its leases are ignored', sensitive(cid.toString()));
    return leases ?? [];
  }

  async #write(cid: CID, leases: readonly StoredLease[]): Promise<void> {
    const { shardDir, file } = this.#paths(cid);
    if (leases.length === 0) {
      try {
        await unlink(file);
        await syncDirectory(shardDir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('remove a lease file', err);
      }
      return;
    }
    try {
      await mkdir(shardDir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(file, JSON.stringify({ v: 1, leases }), { mode: 0o600, syncDirectory: true });
    } catch (err) {
      throw ioError('write a lease file', err);
    }
  }

  /**
   * Adds a lease, or renews the one with the same renew secret (a full block drops the lease expiring first).
   * Call inside exclusive(). Throws VEIL_CONTENT_STORE_IO.
   */
  async addUnlocked(cid: CID, secrets: LeaseSecrets): Promise<AddLeaseResult> {
    const renewHash = hashSecret(secrets.renew);
    const leases = await this.read(cid);
    const now = this.#now();
    const fresh: StoredLease = { renewHash, cancelHash: hashSecret(secrets.cancel), renewedAt: now, durationMs: this.#durationMs };
    const index = leases.findIndex((l) => sameHash(l.renewHash, renewHash));
    if (index >= 0) leases[index] = { ...leases[index]!, renewedAt: now, durationMs: this.#durationMs };
    else {
      if (leases.length >= MAX_LEASES_PER_BLOCK) {
        const first = leases.reduce((best, l, i) => (l.renewedAt + l.durationMs < leases[best]!.renewedAt + leases[best]!.durationMs ? i : best), 0);
        leases.splice(first, 1);
      }
      leases.push(fresh);
    }
    await this.#write(cid, leases);
    return { expiresAt: now + this.#durationMs };
  }

  /** Renews the lease whose renew secret matches; false when none does. Call inside exclusive(). */
  async renewUnlocked(cid: CID, renew: Uint8Array): Promise<AddLeaseResult | undefined> {
    const renewHash = hashSecret(renew);
    const leases = await this.read(cid);
    const index = leases.findIndex((l) => sameHash(l.renewHash, renewHash));
    if (index < 0) return undefined;
    const now = this.#now();
    leases[index] = { ...leases[index]!, renewedAt: now, durationMs: this.#durationMs };
    await this.#write(cid, leases);
    return { expiresAt: now + this.#durationMs };
  }

  /**
   * Removes the lease whose cancel secret matches. Resolves with the number of leases left, or undefined when
   * none matched. Call inside exclusive().
   */
  async cancelUnlocked(cid: CID, cancel: Uint8Array): Promise<number | undefined> {
    const cancelHash = hashSecret(cancel);
    const leases = await this.read(cid);
    const left = leases.filter((l) => !sameHash(l.cancelHash, cancelHash));
    if (left.length === leases.length) return undefined;
    await this.#write(cid, left);
    return left.length;
  }

  /** Removes expired leases; resolves with the live ones left. Call inside exclusive(). */
  async pruneUnlocked(cid: CID, policy: ExpirePolicy): Promise<number> {
    const now = this.#now();
    const leases = await this.read(cid);
    const live = leases.filter((l) => leaseExpiry(l, policy) > now);
    if (live.length !== leases.length) await this.#write(cid, live);
    return live.length;
  }

  /** Removes the block's lease file (its block was deleted). Call inside exclusive(). */
  async clearUnlocked(cid: CID): Promise<void> {
    await this.#write(cid, []);
  }
}
