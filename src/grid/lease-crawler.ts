/**
 * The lease crawler (issue #4 §3; Tahoe's lease-checker with `[storage] expire.enabled = true`): walks every
 * stored block, drops its expired leases (expire.mode: age, with expire.override_lease_duration, or cutoff-date)
 * and deletes the block when no live lease is left — blocks stored without a lease included. Runs once at start
 * and then every `intervalMs`; the timer is owned by the crawler, whose close() stops it and waits for a running
 * pass. Each block is handled under the lease store's per-block lock, so an upload adding a lease at the same
 * moment is never lost (it either runs before the check, or after the deletion and stores the block again).
 */
import { VeilError, isVeilError, logger, sensitive, type Closable } from '../core/index.js';
import type { Blockstore } from '../content/index.js';
import type { ExpirePolicy } from '../config/index.js';
import type { LeaseStore } from './lease-store.js';

const log = logger('veil:grid:lease');

/** Time between two crawls (ms): one hour. */
export const LEASE_CRAWL_INTERVAL_MS = 3_600_000;

export interface LeaseCrawlerOptions {
  readonly blockstore: Pick<Blockstore, 'list' | 'delete'>;
  readonly leases: LeaseStore;
  readonly policy: ExpirePolicy;
  readonly intervalMs?: number | undefined;
}

export interface CrawlResult {
  readonly blocks: number;
  readonly deleted: number;
}

export class LeaseCrawler implements Closable {
  readonly #options: LeaseCrawlerOptions;
  readonly #controller = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<CrawlResult> | undefined;
  #closed = false;

  constructor(options: LeaseCrawlerOptions) {
    this.#options = options;
  }

  /** Starts the periodic crawl (the first pass right away). */
  start(): void {
    if (this.#closed || this.#timer) return;
    const tick = (): void => {
      void this.crawl().catch((err: unknown) => {
        if (!this.#closed) log.warn('lease crawl failed:', isVeilError(err) ? err.code : 'error', sensitive(err));
      });
    };
    this.#timer = setInterval(tick, this.#options.intervalMs ?? LEASE_CRAWL_INTERVAL_MS);
    this.#timer.unref();
    tick();
  }

  /** One pass over every block (a pass already running is joined). Throws VEIL_ABORTED after close(). */
  crawl(): Promise<CrawlResult> {
    if (this.#closed) return Promise.reject(new VeilError('VEIL_ABORTED', 'the lease crawler is closed'));
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #pass(): Promise<CrawlResult> {
    const { blockstore, leases, policy } = this.#options;
    const signal = this.#controller.signal;
    let blocks = 0;
    let deleted = 0;
    for await (const cid of blockstore.list({ signal })) {
      blocks++;
      const isDeleted = await leases.exclusive(cid, async () => {
        if ((await leases.pruneUnlocked(cid, policy)) > 0) return false;
        // Lease file first: a crash in between leaves a block without a lease, which the next pass deletes.
        await leases.clearUnlocked(cid);
        await blockstore.delete(cid, { signal });
        return true;
      });
      if (isDeleted) deleted++;
    }
    if (deleted > 0) log.info(`lease crawl: deleted ${deleted} of ${blocks} blocks (no live lease)`);
    return { blocks, deleted };
  }

  /** Stops the timer and waits for a running pass to end. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#controller.abort(new VeilError('VEIL_ABORTED', 'the lease crawler is closed'));
    await this.#running?.catch(() => undefined);
  }
}
