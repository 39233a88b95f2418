/**
 * The router: the one place that decides how a connection to a peer is made. For each connection hint it picks,
 * under the node's policy, a direct TCP dial (only when the node reveals its IP), Tor's SOCKS port (with a
 * per-peer isolation token, host names unresolved), or I2P's SAM bridge. A hint type with no enabled handler is
 * skipped with a reason (shown in status); it is never dialed another way.
 */
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { VeilError, delay, isVeilError, logger, sensitive, throwIfAborted, type AbortOptions } from '../core/index.js';
import type { ConnectionHandlers, ConnectionHint, HandlerKind } from '../config/index.js';
import { formatConnectionHint, torExitRefusal } from '../config/index.js';
import type { Dialer, DialOptions } from './dialer.js';

const log = logger('veil:net:router');

/** Tor's transient onion service failures (socks-extensions.txt 0xF0, 0xF2, 0xF3, 0xF7), retried by dial(). */
const RETRYABLE_ONION_CODES: ReadonlySet<string> = new Set(['VEIL_TOR_ONION_NOT_FOUND', 'VEIL_TOR_ONION_INTRO_FAILED', 'VEIL_TOR_ONION_REND_FAILED', 'VEIL_TOR_ONION_INTRO_TIMEOUT']);
const ONION_RETRY_ATTEMPTS = 4;
const ONION_RETRY_DELAY_MS = 1000;

export interface RouterPolicy {
  readonly revealIpAddress: boolean;
  /** The handler for each hint type, as validated by the config layer (C1–C3, C9). */
  readonly handlers: ConnectionHandlers;
  /** `[testnet] allow-loopback-exit`: private test networks only (C8). */
  readonly allowLoopbackExit: boolean;
}

/** The dialers a node built; `direct` is absent when the node hides its IP. */
export interface RouterDialers {
  readonly direct?: Dialer | undefined;
  readonly tor?: Dialer | undefined;
  readonly i2p?: Dialer | undefined;
  /** Clears Tor's memory of failed onion service lookups before a retry (see dialRetryingOnions). */
  readonly beforeOnionRetry?: (() => Promise<void>) | undefined;
}

export type Transport = Exclude<HandlerKind, 'none'>;

export type RouteDecision =
  | { readonly ok: true; readonly transport: Transport; readonly host: string; readonly port: number }
  | { readonly ok: false; readonly reason: string };

/** Pure decision for one hint (no sockets): which transport, or why the hint is skipped. */
export function decideRoute(hint: ConnectionHint, policy: RouterPolicy): RouteDecision {
  if (hint.kind === 'other') return { ok: false, reason: `no handler for hint type '${hint.type}'` };
  const choice = policy.handlers[hint.kind];
  if (choice.handler === 'none') return { ok: false, reason: `${hint.kind}: hints are not dialed (${choice.reason})` };
  if (choice.handler === 'direct' && !policy.revealIpAddress) {
    // The config check forbids this combination; reaching it means a bug, and dialing would leak the IP.
    return { ok: false, reason: 'a direct connection would reveal the IP address (reveal-IP-address = false)' };
  }
  if (hint.kind === 'i2p') {
    if (choice.handler !== 'i2p') return { ok: false, reason: 'i2p: hints are only reachable through I2P' };
    return { ok: true, transport: 'i2p', host: hint.address, port: hint.port ?? 0 };
  }
  if (choice.handler === 'tor') {
    const refusal = torExitRefusal(hint.host, { allowLoopbackExit: policy.allowLoopbackExit });
    if (refusal !== undefined) return { ok: false, reason: refusal };
  }
  if (choice.handler === 'i2p') return { ok: false, reason: 'I2P cannot reach TCP servers' };
  return { ok: true, transport: choice.handler, host: hint.host, port: hint.port };
}

export interface RouterDialOptions extends AbortOptions {
  /** Who we are connecting to (e.g. the server's key hash): streams to different peers never share a circuit. */
  readonly peerId: string;
  readonly timeoutMs?: number | undefined;
}

export interface RoutedStream {
  readonly stream: Duplex;
  readonly transport: Transport;
  readonly hint: ConnectionHint;
}

export interface HintAttempt {
  readonly hint: string;
  readonly transport: Transport | undefined;
  /** "connected", "skipped: <reason>" or "failed: <message>". */
  readonly outcome: string;
}

/**
 * Dials through `dialer`, retrying Tor's transient onion service failures: a freshly published service is not on
 * every HSDir at once (clients and services may briefly disagree on the hash ring), and Tor then answers
 * "descriptor not found" at once. Other errors are thrown as they come. Honours `signal`.
 */
export async function dialRetryingOnions(
  dialer: Dialer,
  host: string,
  port: number,
  options: DialOptions & { beforeRetry?: (() => Promise<void>) | undefined } = {},
): Promise<Duplex> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dialer.dial(host, port, options);
    } catch (err) {
      if (attempt >= ONION_RETRY_ATTEMPTS || !isVeilError(err) || !RETRYABLE_ONION_CODES.has(err.code)) throw err;
      log.debug('onion service not reachable yet, retrying:', err.code);
      await delay(ONION_RETRY_DELAY_MS * attempt, { signal: options.signal });
      // Tor remembers a failed descriptor fetch and answers from that memory for a while; beforeRetry lets the
      // owner of the control connection clear it (SIGNAL NEWNYM) so that the retry really asks the HSDirs again.
      await options.beforeRetry?.();
    }
  }
}

/** Told about every dial the router makes (the running node's connection list in `veil status`). */
export interface RouterObserver {
  onDial(hint: string, transport: Transport, outcome: 'connected' | `failed: ${string}`): void;
}

export class Router {
  readonly #policy: RouterPolicy;
  readonly #dialers: RouterDialers;
  readonly #observer: RouterObserver | undefined;
  /** One random isolation token per peer for this run: never persisted, never shared between peers. */
  readonly #tokens = new Map<string, string>();

  constructor(policy: RouterPolicy, dialers: RouterDialers, observer?: RouterObserver) {
    if (!policy.revealIpAddress && dialers.direct) {
      throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): a direct dialer was given to a node that hides its IP');
    }
    this.#policy = policy;
    this.#dialers = dialers;
    this.#observer = observer;
  }

  get policy(): RouterPolicy {
    return this.#policy;
  }

  decide(hint: ConnectionHint): RouteDecision {
    const d = decideRoute(hint, this.#policy);
    if (d.ok && !this.#dialers[d.transport]) return { ok: false, reason: `${d.transport} is not available on this node` };
    return d;
  }

  /** The isolation token for `peerId`, created on first use (random, per run). */
  isolationToken(peerId: string): string {
    let token = this.#tokens.get(peerId);
    if (token === undefined) {
      token = randomBytes(16).toString('hex');
      this.#tokens.set(peerId, token);
    }
    return token;
  }

  /**
   * Dials one hint. Throws VEIL_ROUTE_NO_HANDLER when the hint is skipped by policy, or the dialer's errors.
   * Honours `signal`.
   */
  async dial(hint: ConnectionHint, options: RouterDialOptions): Promise<RoutedStream> {
    throwIfAborted(options.signal, 'dial');
    const d = this.decide(hint);
    if (!d.ok) {
      throw new VeilError('VEIL_ROUTE_NO_HANDLER', `not dialing ${formatConnectionHint(hint)}: ${d.reason}`, { details: { reason: d.reason } });
    }
    const dialer = this.#dialers[d.transport]!;
    log.debug('dialing', sensitive(formatConnectionHint(hint)), 'via', d.transport);
    let stream: Duplex;
    try {
      stream = await dialRetryingOnions(dialer, d.host, d.port, {
        beforeRetry: d.transport === 'tor' ? this.#dialers.beforeOnionRetry : undefined,
        isolationToken: this.isolationToken(options.peerId),
        signal: options.signal,
        timeoutMs: options.timeoutMs,
      });
    } catch (err) {
      this.#observer?.onDial(formatConnectionHint(hint), d.transport, `failed: ${(err as Error).message}`);
      throw err;
    }
    this.#observer?.onDial(formatConnectionHint(hint), d.transport, 'connected');
    return { stream, transport: d.transport, hint };
  }

  /**
   * Tries the hints in order and returns the first connection, with what happened to each hint (for status).
   * Throws VEIL_ROUTE_ALL_FAILED (details.attempts) when none connects.
   */
  async dialFirst(hints: readonly ConnectionHint[], options: RouterDialOptions): Promise<RoutedStream & { attempts: HintAttempt[] }> {
    const attempts: HintAttempt[] = [];
    for (const hint of hints) {
      throwIfAborted(options.signal, 'dial');
      const text = formatConnectionHint(hint);
      const d = this.decide(hint);
      if (!d.ok) {
        attempts.push({ hint: text, transport: undefined, outcome: `skipped: ${d.reason}` });
        continue;
      }
      try {
        const routed = await this.dial(hint, options);
        attempts.push({ hint: text, transport: d.transport, outcome: 'connected' });
        return { ...routed, attempts };
      } catch (err) {
        if (isVeilError(err) && (err.code === 'VEIL_ABORTED' || (err.code === 'VEIL_TIMEOUT' && options.signal?.aborted))) throw err;
        attempts.push({ hint: text, transport: d.transport, outcome: `failed: ${(err as Error).message}` });
      }
    }
    throw new VeilError('VEIL_ROUTE_ALL_FAILED', `could not connect through any of ${hints.length} connection hint(s)`, {
      details: { attempts },
    });
  }
}
