/**
 * Keeps a node's Tor access alive. When the control connection drops (the Tor daemon restarted, or a tor we
 * launched died), it reconnects (relaunching if we own tor) with back-off, and runs the on-ready hooks again
 * (republishing onion services). The Tor dialer it hands out always uses the current SOCKS endpoint.
 */
import type { Duplex } from 'node:stream';
import { VeilError, anySignal, delay, isVeilError, logger, report, type Closable, type ProgressOptions } from '../core/index.js';
import { formatLocalEndpoint, type NodeConfig } from '../config/index.js';
import { waitForBootstrap } from '../tor/index.js';
import { createTorDialer, type Dialer, type DialOptions } from '../net/index.js';
import { openTorAccess, type OpenTorAccessOptions, type TorAccess } from './tor-access.js';

const log = logger('veil:node:tor');

export type TorState = 'starting' | 'bootstrapping' | 'ready' | 'reconnecting' | 'closed';
export type OnTorReady = (access: TorAccess, signal: AbortSignal) => Promise<void>;

const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 10_000;

export class TorSupervisor implements Closable {
  readonly #config: NodeConfig;
  readonly #options: OpenTorAccessOptions & ProgressOptions;
  readonly #stop = new AbortController();
  readonly #hooks: OnTorReady[] = [];
  #access: TorAccess | undefined;
  #state: TorState = 'starting';
  #bootstrap = 0;
  #lastError: string | undefined;
  #loop: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  private constructor(config: NodeConfig, options: OpenTorAccessOptions & ProgressOptions) {
    this.#config = config;
    this.#options = options;
  }

  /** Opens Tor access (throws if the first attempt fails) and starts supervising it. Honours `signal`. */
  static async start(config: NodeConfig, options: OpenTorAccessOptions & ProgressOptions = {}): Promise<TorSupervisor> {
    const sup = new TorSupervisor(config, options);
    await sup.#connect(options.signal);
    return sup;
  }

  get state(): TorState {
    return this.#state;
  }
  get access(): TorAccess | undefined {
    return this.#access;
  }
  get bootstrapPercent(): number {
    return this.#bootstrap;
  }
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Runs `hook` now (if ready) and after every reconnect. Errors are logged, not fatal. */
  async onReady(hook: OnTorReady): Promise<void> {
    this.#hooks.push(hook);
    if (this.#access && this.#state === 'ready') await hook(this.#access, this.#stop.signal);
  }

  async #connect(signal: AbortSignal | undefined): Promise<void> {
    const combined = anySignal([signal, this.#stop.signal]);
    const access = await openTorAccess(this.#config.tor, { ...this.#options, signal: combined });
    this.#access = access;
    if (access.control) {
      this.#state = 'bootstrapping';
      const status = await waitForBootstrap(access.control, {
        signal: combined,
        onProgress: (e) => {
          this.#bootstrap = Number(e.detail['progress'] ?? this.#bootstrap);
          this.#options.onProgress?.(e);
        },
      });
      this.#bootstrap = status.progress;
      // Watch for the control connection dropping: the daemon restarted or died.
      void access.control.closed.then(() => this.#onLost());
    } else {
      this.#bootstrap = 100;
    }
    this.#state = 'ready';
    this.#lastError = undefined;
    log.info('tor ready, SOCKS at', formatLocalEndpoint(access.socks));
    for (const hook of this.#hooks) {
      await hook(access, this.#stop.signal).catch((err: unknown) => log.error('after tor (re)connect:', err));
    }
  }

  #onLost(): void {
    if (this.#stop.signal.aborted || this.#loop) return;
    this.#state = 'reconnecting';
    log.warn('lost the Tor control connection; reconnecting');
    report(this.#options, 'tor:reconnecting', {});
    const previous = this.#access;
    this.#access = undefined;
    this.#loop = (async () => {
      await previous?.close().catch((err: unknown) => log.debug('closing the old tor access:', err));
      let wait = BACKOFF_START_MS;
      while (!this.#stop.signal.aborted) {
        try {
          await delay(wait, { signal: this.#stop.signal });
          await this.#connect(undefined);
          report(this.#options, 'tor:reconnected', {});
          return;
        } catch (err) {
          if (this.#stop.signal.aborted) return;
          this.#lastError = (err as Error).message;
          log.debug('tor reconnect failed:', isVeilError(err) ? err.code : err);
          wait = Math.min(wait * 2, BACKOFF_MAX_MS);
        }
      }
    })().finally(() => {
      this.#loop = undefined;
    });
  }

  /** A dialer that always uses the current SOCKS endpoint; fails with VEIL_TOR_NOT_READY while reconnecting. */
  dialer(): Dialer {
    const cache = new Map<string, Dialer>();
    return {
      dial: (host: string, port: number, options?: DialOptions): Promise<Duplex> => {
        const access = this.#access;
        if (!access) {
          return Promise.reject(new VeilError('VEIL_TOR_NOT_READY', `Tor is not ready (${this.#state})`, { details: { state: this.#state } }));
        }
        const key = formatLocalEndpoint(access.socks);
        let d = cache.get(key);
        if (!d) cache.set(key, (d = createTorDialer({ socks: access.socks })));
        return d.dial(host, port, options);
      },
      describe: () => (this.#access ? `Tor via SOCKS ${formatLocalEndpoint(this.#access.socks)}` : `Tor (${this.#state})`),
    };
  }

  /**
   * Makes tor forget failed onion service lookups (SIGNAL NEWNYM also clears its client-side onion service cache;
   * new streams get new circuits). Does nothing without a control connection. Errors are logged, not thrown.
   */
  async forgetOnionFailures(): Promise<void> {
    const control = this.#access?.control;
    if (!control) return;
    await control.signal('NEWNYM').catch((err: unknown) => log.debug('SIGNAL NEWNYM failed:', err));
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stop.abort();
      this.#state = 'closed';
      await this.#loop;
      await this.#access?.close();
      this.#access = undefined;
    })();
    return this.#closing;
  }
}
