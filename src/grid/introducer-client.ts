/**
 * Talking to the introducer (issue #4 §2, §5): storage servers announce themselves, clients subscribe and learn
 * servers as they come and go. Requests are HTTPS with the introducer's key pinned, over streams opened by the
 * caller's `open` (the router, with the introducer's own isolation token). Every announcement a client receives
 * is verified here (announcement.ts): the introducer passes announcements on but cannot forge or alter them.
 *
 * - IntroducerClient: one request at a time (announce, list).
 * - Announcer: a server's loop: announce at start, again every intervalMs and at once on update(); retries with
 *   back-off while the introducer is unreachable.
 * - IntroducerSubscription: a client's long-poll loop that keeps a ServerDirectory equal to the verified current
 *   announcements, building each server's StorageClient through `connect` (its own isolation token).
 */
import { request, type Dispatcher } from 'undici';
import { VeilError, anySignal, delay, isVeilError, logger, sensitive, withTimeout, type AbortOptions, type Closable } from '../core/index.js';
import { createPinnedAgent, type StreamOpener } from '../net/index.js';
import { requestError } from './request-error.js';
import { verifyAnnouncement, type SignedAnnouncement, type VerifiedAnnouncement } from './announcement.js';
import { INTRODUCER_PATH_PREFIX } from './introducer-server.js';
import type { ServiceAddress } from './service-address.js';
import type { ServerDirectory } from './server-directory.js';
import type { StorageClient } from './storage-client.js';

const log = logger('veil:grid:introducer-client');

export const INTRODUCER_CLIENT_DEFAULTS = Object.freeze({
  /** One request (ms): longer than the introducer's long poll, plus a first Tor circuit to an onion service. */
  requestTimeoutMs: 120_000,
  /** A server renews its announcement this often (the introducer keeps it 3 × as long). */
  announceIntervalMs: 5 * 60_000,
  /** Back-off after failures: first wait, and the largest. */
  retryFirstMs: 1000,
  retryMaxMs: 60_000,
  /** Largest answer accepted (bytes). */
  maxAnswerBytes: 16 * 1024 * 1024,
});

export interface IntroducerClientOptions {
  /** Opens a stream to the introducer (the router dialing its connection hints). */
  readonly open: StreamOpener;
  readonly requestTimeoutMs?: number | undefined;
}

export interface AnnouncementList {
  readonly generation: string;
  readonly ttlSeconds: number;
  /** Announcements that verified. */
  readonly announcements: readonly VerifiedAnnouncement[];
  /** Announcements that did not verify (code of each): never used. */
  readonly refused: readonly string[];
}

export class IntroducerClient implements Closable {
  readonly address: ServiceAddress;
  readonly #agent: Dispatcher;
  readonly #base: string;
  readonly #timeoutMs: number;
  #closing: Promise<void> | undefined;

  constructor(address: ServiceAddress, options: IntroducerClientOptions) {
    this.address = address;
    this.#agent = createPinnedAgent({ open: options.open, keyHash: address.keyHash, connections: 2 });
    this.#base = `https://veil-peer${INTRODUCER_PATH_PREFIX}${address.swissnum}/`;
    this.#timeoutMs = options.requestTimeoutMs ?? INTRODUCER_CLIENT_DEFAULTS.requestTimeoutMs;
  }

  async #send(method: 'GET' | 'POST', path: string, body: string | undefined, options: AbortOptions): Promise<{ status: number; json: Record<string, unknown> }> {
    const signal = withTimeout(options.signal, this.#timeoutMs);
    try {
      const res = await request(this.#base + path, {
        dispatcher: this.#agent,
        method,
        body,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > INTRODUCER_CLIENT_DEFAULTS.maxAnswerBytes) {
          res.body.destroy();
          throw new VeilError('VEIL_GRID_INTRODUCER_REFUSED', `the introducer sent more than ${INTRODUCER_CLIENT_DEFAULTS.maxAnswerBytes} bytes`);
        }
        chunks.push(chunk);
      }
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
      } catch {
        json = undefined;
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        throw new VeilError('VEIL_GRID_INTRODUCER_REFUSED', `the introducer answered HTTP ${res.statusCode} without a JSON object`);
      }
      return { status: res.statusCode, json: json as Record<string, unknown> };
    } catch (err) {
      throw requestError(err, signal, `${method} to the introducer`);
    }
  }

  #refused(status: number, json: Record<string, unknown>, what: string): VeilError {
    const code = typeof json['code'] === 'string' ? json['code'] : '';
    const message = typeof json['message'] === 'string' ? json['message'].slice(0, 300) : `HTTP ${status}`;
    if (status === 403) return new VeilError('VEIL_GRID_UNAUTHORIZED', `the introducer refused the swissnum: ${message}`);
    // The introducer's verdict on our announcement keeps its own code (the same table on both sides).
    const own = ['VEIL_GRID_ANNOUNCEMENT_INVALID', 'VEIL_GRID_ANNOUNCEMENT_SIGNATURE', 'VEIL_GRID_ANNOUNCEMENT_KEY_MISMATCH', 'VEIL_GRID_ANNOUNCEMENT_STALE'] as const;
    const known = own.find((c) => c === code);
    if (known) return new VeilError(known, `the introducer refused ${what}: ${message}`, { details: { status } });
    return new VeilError('VEIL_GRID_INTRODUCER_REFUSED', `the introducer refused ${what}: ${message}`, { details: { status, serverCode: code } });
  }

  /**
   * Sends a signed announcement. Resolves with the introducer's ttl (seconds). Throws the announcement codes the
   * introducer answered (VEIL_GRID_ANNOUNCEMENT_*), VEIL_GRID_UNAUTHORIZED, VEIL_GRID_INTRODUCER_REFUSED,
   * VEIL_PEER_KEY_MISMATCH, network codes. Honours `signal`.
   */
  async announce(signed: SignedAnnouncement, options: AbortOptions = {}): Promise<number> {
    const res = await this.#send('POST', 'announce', JSON.stringify(signed), options);
    if (res.status !== 200) throw this.#refused(res.status, res.json, 'the announcement');
    return typeof res.json['ttlSeconds'] === 'number' ? res.json['ttlSeconds'] : 0;
  }

  /**
   * The introducer's current announcements, each verified here. With `wait`, a long poll: the answer comes when
   * the list differs from generation `since` (or after the introducer's long-poll time). Throws like announce().
   */
  async list(options: AbortOptions & { since?: string | undefined; wait?: boolean | undefined } = {}): Promise<AnnouncementList> {
    const query = new URLSearchParams();
    if (options.since !== undefined) query.set('since', options.since);
    if (options.wait) query.set('wait', '1');
    const q = query.toString();
    const res = await this.#send('GET', `announcements${q ? `?${q}` : ''}`, undefined, options);
    if (res.status !== 200) throw this.#refused(res.status, res.json, 'the list request');
    const { generation, ttlSeconds, announcements } = res.json;
    if (typeof generation !== 'string' || generation.length > 64 || !Array.isArray(announcements)) {
      throw new VeilError('VEIL_GRID_INTRODUCER_REFUSED', 'the introducer\'s answer is not an announcement list');
    }
    const verified = new Map<string, VerifiedAnnouncement>();
    const refused: string[] = [];
    for (const item of announcements) {
      try {
        const a = verifyAnnouncement(item);
        const seen = verified.get(a.keyHash);
        if (!seen || seen.seq < a.seq) verified.set(a.keyHash, a);
      } catch (err) {
        if (!isVeilError(err)) throw err;
        refused.push(err.code);
      }
    }
    if (refused.length > 0) log.warn('the introducer passed on', refused.length, 'announcement(s) that do not verify:', [...new Set(refused)].join(', '));
    return { generation, ttlSeconds: typeof ttlSeconds === 'number' ? ttlSeconds : 0, announcements: [...verified.values()], refused };
  }

  async close(): Promise<void> {
    await (this.#closing ??= this.#agent.close());
  }
}

/** Exponential back-off with jitter: attempt 1 → about retryFirstMs, capped at retryMaxMs. */
function backoffMs(attempt: number): number {
  const base = Math.min(INTRODUCER_CLIENT_DEFAULTS.retryMaxMs, INTRODUCER_CLIENT_DEFAULTS.retryFirstMs * 2 ** Math.min(attempt - 1, 16));
  return Math.round(base * (0.5 + Math.random() / 2));
}

export interface AnnouncerOptions {
  readonly client: IntroducerClient;
  /** Builds and signs the announcement to send now (fresh seq, current free space). */
  readonly sign: () => Promise<SignedAnnouncement>;
  readonly intervalMs?: number | undefined;
}

/** A storage server's announcement loop. Owns nothing but its loop; close() stops it and resolves when it has. */
export class Announcer implements Closable {
  readonly #options: AnnouncerOptions;
  readonly #stop = new AbortController();
  #wake: AbortController | undefined;
  /** update() was called while an announcement was in flight: announce again without waiting. */
  #isUpdatePending = false;
  #loop: Promise<void> | undefined;
  /** Whether the last announcement was accepted, and when (ms since the epoch). */
  lastAccepted: number | undefined;
  lastError: string | undefined;

  constructor(options: AnnouncerOptions) {
    this.#options = options;
  }

  start(): this {
    this.#loop ??= this.#run();
    return this;
  }

  /** Announce again now (the server's address or capacity changed). */
  update(): void {
    this.#isUpdatePending = true;
    this.#wake?.abort();
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let failures = 0;
    while (!signal.aborted) {
      let waitMs: number;
      this.#isUpdatePending = false;
      try {
        await this.#options.client.announce(await this.#options.sign(), { signal });
        if (failures > 0 || this.lastAccepted === undefined) log.info('announced to the introducer');
        this.lastAccepted = Date.now();
        this.lastError = undefined;
        failures = 0;
        waitMs = this.#options.intervalMs ?? INTRODUCER_CLIENT_DEFAULTS.announceIntervalMs;
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        this.lastError = isVeilError(err) ? `${err.code}: ${err.message}` : String(err);
        // An announcement the introducer refuses as such will be refused again: say so once, loudly.
        const log_ = isVeilError(err) && err.code.startsWith('VEIL_GRID_ANNOUNCEMENT_') ? log.warn.bind(log) : log.debug.bind(log);
        log_('announcing to the introducer failed:', sensitive(this.lastError));
        waitMs = backoffMs(failures);
      }
      if (this.#isUpdatePending) continue;
      const wake = (this.#wake = new AbortController());
      try {
        await delay(waitMs, { signal: anySignal([signal, wake.signal]) });
      } catch {
        // Woken by update() or stopped by close(): the loop condition decides.
      } finally {
        // Fires the combined signal if it has not fired, which detaches its listener from the stop signal.
        wake.abort();
      }
    }
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }
}

export interface SubscriptionOptions {
  readonly client: IntroducerClient;
  readonly directory: ServerDirectory;
  /** Builds the storage client for a server (through the router, with the server's own isolation token). */
  readonly connect: (address: ServiceAddress) => StorageClient;
  /** Called after each applied list (status, tests). */
  readonly onUpdate?: ((servers: readonly VerifiedAnnouncement[]) => void) | undefined;
}

/** Puts the verified announcements into `directory`: adds, replaces (new fURL) and removes servers. */
export function applyAnnouncements(
  directory: ServerDirectory,
  announcements: readonly VerifiedAnnouncement[],
  connect: (address: ServiceAddress) => StorageClient,
  highestSeq: Map<string, number> = new Map(),
): void {
  const current = new Set<string>();
  for (const a of announcements) {
    // An introducer may replay a server's older announcement (an old address): never go back.
    const seen = highestSeq.get(a.keyHash);
    if (seen !== undefined && a.seq < seen) {
      current.add(a.keyHash);
      continue;
    }
    highestSeq.set(a.keyHash, a.seq);
    current.add(a.keyHash);
    const known = directory.get(a.keyHash);
    if (known && known.client.address.swissnum === a.address.swissnum && sameHints(known.client.address, a.address)) {
      if (known.nickname !== a.nickname || known.availableBytes !== a.availableBytes) {
        directory.set({ keyHash: a.keyHash, client: known.client, nickname: a.nickname, availableBytes: a.availableBytes });
      }
      continue;
    }
    directory.set({ keyHash: a.keyHash, client: connect(a.address), nickname: a.nickname, availableBytes: a.availableBytes });
  }
  for (const s of directory.list()) if (!current.has(s.keyHash)) directory.remove(s.keyHash);
}

function sameHints(a: ServiceAddress, b: ServiceAddress): boolean {
  return JSON.stringify(a.hints) === JSON.stringify(b.hints);
}

/** A client's subscription: long polls the introducer and keeps `directory` current until close(). */
export class IntroducerSubscription implements Closable {
  readonly #options: SubscriptionOptions;
  readonly #stop = new AbortController();
  readonly #highestSeq = new Map<string, number>();
  #loop: Promise<void> | undefined;
  #first: { promise: Promise<void>; resolve: () => void };
  /** "connected" after a list arrived, else the last error. */
  lastError: string | undefined;
  lastUpdate: number | undefined;

  constructor(options: SubscriptionOptions) {
    this.#options = options;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.#first = { promise, resolve };
  }

  start(): this {
    this.#loop ??= this.#run();
    return this;
  }

  /** Resolves after the first list was applied (or on close). */
  firstList(): Promise<void> {
    return this.#first.promise;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let since: string | undefined;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const list = await this.#options.client.list({ since, wait: since !== undefined, signal });
        since = list.generation;
        failures = 0;
        this.lastError = undefined;
        this.lastUpdate = Date.now();
        applyAnnouncements(this.#options.directory, list.announcements, this.#options.connect, this.#highestSeq);
        log.debug('introducer list:', list.announcements.length, 'server(s)');
        this.#options.onUpdate?.(list.announcements);
        this.#first.resolve();
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        since = undefined;
        this.lastError = isVeilError(err) ? `${err.code}: ${err.message}` : String(err);
        log.debug('introducer subscription failed (retrying):', sensitive(this.lastError));
        try {
          await delay(backoffMs(failures), { signal });
        } catch {
          break;
        }
      }
    }
    this.#first.resolve();
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }
}
