/**
 * The introducer (issue #4 §2), served over the introducer node's peer HTTPS listeners under
 * `/veil/v1/introducer/<SWISSNUM>/` (a wrong swissnum gets 403 and touches nothing):
 *
 *   POST announce              body: a signed announcement (announcement.ts). Verified before anything is kept:
 *                              a bad signature or a fURL that is not the signer's is refused (422) with its code
 *                              and nothing is stored. A newer seq replaces the server's older announcement;
 *                              an older one is refused (409, VEIL_GRID_ANNOUNCEMENT_STALE).
 *   GET  announcements[?since=G&wait=1]
 *                              { generation, ttlSeconds, announcements: [signed…] }: every current announcement.
 *                              With wait=1 and `since` equal to the current generation, the answer waits (long
 *                              poll, up to longPollMs) until something changes. A generation names this run of
 *                              the introducer, so a client that saw another run gets the list at once.
 *
 * Announcements expire ttlMs after they were received unless renewed. Clients verify every announcement
 * themselves: the introducer is trusted to pass announcements on, never to vouch for them. With `stateFile`, the
 * current announcements (signed, so safe to keep anywhere) survive a restart of the introducer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { isVeilError, logger, sensitive, type Closable } from '../core/index.js';
import { handleSwissnumRequest, sendError } from './swissnum-route.js';
import { ANNOUNCEMENT_LIMITS, parseAnnouncement, verifyAnnouncement, type SignedAnnouncement, type VerifiedAnnouncement } from './announcement.js';

const log = logger('veil:grid:introducer');
export const INTRODUCER_PATH_PREFIX = '/veil/v1/introducer/';

export const INTRODUCER_SERVER_DEFAULTS = Object.freeze({
  /** An announcement not renewed for this long is dropped (3 × the servers' announce interval). */
  ttlMs: 3 * 5 * 60_000,
  /** A long poll answers after this long even if nothing changed. */
  longPollMs: 25_000,
  /** Servers kept at most (bounds memory: each announcement is at most ANNOUNCEMENT_LIMITS.maxBytes). */
  maxAnnouncements: 1000,
  /** Long polls waiting at once. */
  maxWaiters: 2000,
});

export interface IntroducerServerOptions {
  readonly swissnum: string;
  readonly ttlMs?: number | undefined;
  readonly longPollMs?: number | undefined;
  readonly maxAnnouncements?: number | undefined;
  /** Where the current announcements are kept across restarts (JSON, rewritten atomically on change). */
  readonly stateFile?: string | undefined;
  /** The clock (tests replace it). */
  readonly now?: (() => number) | undefined;
}

interface Entry {
  readonly announcement: VerifiedAnnouncement;
  readonly receivedAt: number;
}

export interface IntroducerServer extends Closable {
  /** Handles requests under INTRODUCER_PATH_PREFIX; returns false for other paths (the caller answers 404). */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** The current (unexpired) announcements, verified. */
  list(): readonly VerifiedAnnouncement[];
  /** Drops expired announcements now (also done by a timer and before every answer). */
  sweep(): void;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** Reads a request body of at most `max` bytes; undefined when it is larger (the rest is discarded). */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Opens an introducer (reading `stateFile` when given). Throws only for an unreadable state file (not a missing one). */
export async function openIntroducerServer(options: IntroducerServerOptions): Promise<IntroducerServer> {
  const ttlMs = options.ttlMs ?? INTRODUCER_SERVER_DEFAULTS.ttlMs;
  const longPollMs = options.longPollMs ?? INTRODUCER_SERVER_DEFAULTS.longPollMs;
  const maxAnnouncements = options.maxAnnouncements ?? INTRODUCER_SERVER_DEFAULTS.maxAnnouncements;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  /** This run of the introducer: generations of other runs are never "current". */
  const run = randomBytes(6).toString('hex');
  let counter = 0;
  const generation = (): string => `${run}.${counter}`;
  const waiters = new Set<() => void>();
  let sweepTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let saving: Promise<void> = Promise.resolve();

  if (options.stateFile) {
    let text: string | undefined;
    try {
      text = await readFile(options.stateFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text !== undefined) {
      let kept: unknown;
      try {
        kept = JSON.parse(text);
      } catch {
        kept = undefined;
        log.warn('the introducer state file is not JSON; starting with no announcements');
      }
      const items = Array.isArray((kept as { announcements?: unknown })?.announcements) ? (kept as { announcements: unknown[] }).announcements : [];
      for (const item of items.slice(0, maxAnnouncements)) {
        try {
          const i = item as { signed: unknown; receivedAt: unknown };
          const a = verifyAnnouncement(i.signed);
          const receivedAt = typeof i.receivedAt === 'number' ? i.receivedAt : 0;
          if (receivedAt + ttlMs > now()) entries.set(a.keyHash, { announcement: a, receivedAt });
        } catch (err) {
          log.debug('dropping a kept announcement:', isVeilError(err) ? err.code : err);
        }
      }
    }
  }

  function save(): void {
    const file = options.stateFile;
    if (!file) return;
    const body = JSON.stringify({ announcements: [...entries.values()].map((e) => ({ signed: e.announcement.signed, receivedAt: e.receivedAt })) });
    saving = saving
      .then(async () => {
        const temp = `${file}.tmp`;
        await writeFile(temp, body, { mode: 0o600 });
        await rename(temp, file);
      })
      .catch((err: unknown) => log.warn('cannot keep the introducer state:', sensitive(err)));
  }

  function changed(): void {
    counter++;
    save();
    const ws = [...waiters];
    waiters.clear();
    for (const w of ws) w();
    schedule();
  }

  function sweep(): void {
    const t = now();
    let dropped = 0;
    for (const [k, e] of entries) {
      if (e.receivedAt + ttlMs <= t) {
        entries.delete(k);
        dropped++;
      }
    }
    if (dropped > 0) {
      log.info('dropped', dropped, 'expired announcement(s)');
      changed();
    }
  }

  /** One timer, for the next expiry. */
  function schedule(): void {
    if (sweepTimer) clearTimeout(sweepTimer);
    sweepTimer = undefined;
    if (closed || entries.size === 0) return;
    const next = Math.min(...[...entries.values()].map((e) => e.receivedAt + ttlMs));
    sweepTimer = setTimeout(sweep, Math.max(0, next - now()) + 10);
    sweepTimer.unref();
  }
  schedule();

  function currentAnswer(): { generation: string; ttlSeconds: number; announcements: SignedAnnouncement[] } {
    return { generation: generation(), ttlSeconds: Math.round(ttlMs / 1000), announcements: [...entries.values()].map((e) => e.announcement.signed) };
  }

  async function announce(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, ANNOUNCEMENT_LIMITS.maxBytes);
    if (!body) return sendError(res, 413, 'VEIL_GRID_ANNOUNCEMENT_INVALID', `announcements are limited to ${ANNOUNCEMENT_LIMITS.maxBytes} bytes`);
    let a: VerifiedAnnouncement;
    try {
      a = parseAnnouncement(body);
    } catch (err) {
      if (!isVeilError(err)) throw err;
      log.info('refused an announcement:', err.code);
      return sendError(res, err.code === 'VEIL_GRID_ANNOUNCEMENT_INVALID' ? 400 : 422, err.code, err.message);
    }
    sweep();
    const old = entries.get(a.keyHash);
    if (old && old.announcement.seq > a.seq) {
      return sendError(res, 409, 'VEIL_GRID_ANNOUNCEMENT_STALE', `this server's announcement seq ${old.announcement.seq} is newer than ${a.seq}`);
    }
    if (!old && entries.size >= maxAnnouncements) {
      return sendError(res, 507, 'VEIL_GRID_INTRODUCER_REFUSED', `the introducer keeps at most ${maxAnnouncements} servers`);
    }
    // A renewal with the same seq only extends the lifetime; the list changes only when the content does.
    const isChange = !old || old.announcement.signed.payload !== a.signed.payload;
    entries.set(a.keyHash, { announcement: a, receivedAt: now() });
    if (isChange) {
      log.info(old ? 'server announced a change:' : 'server announced:', sensitive(a.nickname), a.keyHash.slice(0, 8));
      changed();
    } else schedule();
    sendJson(res, 200, { accepted: true, ttlSeconds: Math.round(ttlMs / 1000), generation: generation() });
  }

  function announcements(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    sweep();
    const since = query.get('since');
    if (query.get('wait') !== '1' || since !== generation() || closed) return sendJson(res, 200, currentAnswer());
    if (waiters.size >= INTRODUCER_SERVER_DEFAULTS.maxWaiters) return sendJson(res, 200, currentAnswer());
    let timer: NodeJS.Timeout | undefined;
    const answer = (): void => {
      if (timer) clearTimeout(timer);
      waiters.delete(answer);
      res.off('close', answer);
      if (!res.writableEnded && !res.destroyed) sendJson(res, 200, currentAnswer());
    };
    timer = setTimeout(answer, longPollMs);
    waiters.add(answer);
    // The client went away: stop waiting for it.
    res.once('close', answer);
  }

  async function route(req: IncomingMessage, res: ServerResponse, rest: string, query: URLSearchParams): Promise<void> {
    if (rest === 'announce') {
      if (req.method !== 'POST') return sendError(res, 405, 'VEIL_GRID_INTRODUCER_REFUSED', 'announce takes POST');
      return announce(req, res);
    }
    if (rest === 'announcements') {
      if (req.method !== 'GET') return sendError(res, 405, 'VEIL_GRID_INTRODUCER_REFUSED', 'announcements takes GET');
      req.resume();
      return announcements(req, res, query);
    }
    req.resume();
    return sendError(res, 404, 'VEIL_GRID_INTRODUCER_REFUSED', 'not found');
  }

  return {
    handle(req, res) {
      return handleSwissnumRequest(req, res, { prefix: INTRODUCER_PATH_PREFIX, swissnum: options.swissnum, failureCode: 'VEIL_GRID_INTRODUCER_REFUSED', what: 'introducer', log, route });
    },
    list: () => {
      sweep();
      return [...entries.values()].map((e) => e.announcement);
    },
    sweep,
    async close() {
      if (closed) return saving;
      closed = true;
      if (sweepTimer) clearTimeout(sweepTimer);
      // Waiting long polls are answered now (their connections are closed by the peer server right after).
      for (const w of [...waiters]) w();
      waiters.clear();
      await saving;
    },
  };
}
