/**
 * A node's I2P side (`[i2p]`): one SAM STREAM session per node on the SAM bridge (sam.port, default
 * 127.0.0.1:7656), with the node's saved destination when it listens on I2P (`dest = true`, tub.port listen:i2p)
 * or a transient one when it only dials. Incoming streams are accepted on the session and handed to the peer
 * service; outgoing i2p: hints are dialed with STREAM CONNECT. The session is re-created if the bridge drops it.
 */
import type { Duplex } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { VeilError, anySignal, delay, isVeilError, logger, report, sensitive, throwIfAborted, type AbortOptions, type Closable, type ProgressOptions } from '../core/index.js';
import { formatLocalEndpoint, type LocalEndpoint, type NodeConfig } from '../config/index.js';
import { SamClient, type SamSession } from '../i2p/index.js';
import type { Dialer, DialOptions } from '../net/index.js';
import { samClientFor } from './i2p-access.js';
import type { NodeI2pd } from './i2p-launch.js';

const log = logger('veil:node:i2p');

/** Parallel STREAM ACCEPTs kept waiting, so several peers can connect at once. */
const ACCEPT_SLOTS = 4;
const RETRY_START_MS = 1000;
const RETRY_MAX_MS = 30_000;
/** A SESSION CREATE with a saved key answered faster than this got the previous session's dying destination. */
const STALE_SESSION_MS = 500;

export type I2pState = 'starting' | 'ready' | 'reconnecting' | 'closed';

export interface I2pRuntimeOptions extends AbortOptions, ProgressOptions {
  /** Tunnel options for SESSION CREATE; short tunnels for private test networks (I2P-TESTNET.md, problem 4). */
  readonly tunnelOptions?: Readonly<Record<string, string | number>> | undefined;
  /** The SAM bridge of an i2pd the node launched ([i2p] launch = true), instead of sam.port. */
  readonly samEndpoint?: LocalEndpoint | undefined;
  /** That i2pd (its PID and unexpected exits are shown in status). */
  readonly launched?: Pick<NodeI2pd, 'pid' | 'exits'> | undefined;
}

/** Reads an I2P destination key file (I2P base64). Throws VEIL_NODE_KEY_UNREADABLE. */
async function readDestinationKey(file: string, options: AbortOptions): Promise<string> {
  try {
    const key = (await readFile(file, { encoding: 'latin1', signal: options.signal })).trim();
    if (!/^[A-Za-z0-9~-]+={0,2}$/.test(key) || key.length < 600) throw new Error('not an I2P private key');
    return key;
  } catch (err) {
    throw new VeilError('VEIL_NODE_KEY_UNREADABLE', `cannot read the I2P destination key ${file}: ${(err as Error).message}`, { cause: err });
  }
}

export class I2pRuntime implements Closable {
  readonly #sam: SamClient;
  readonly #config: NodeConfig;
  readonly #options: I2pRuntimeOptions;
  readonly #stop = new AbortController();
  #session: SamSession | undefined;
  #state: I2pState = 'starting';
  #lastError: string | undefined;
  #staleWarning: string | undefined;
  #onStream: ((stream: Duplex, peer: string) => void) | undefined;
  readonly #loops = new Set<Promise<void>>();
  #closing: Promise<void> | undefined;

  readonly #endpoint: LocalEndpoint;

  private constructor(config: NodeConfig, sam: SamClient, endpoint: LocalEndpoint, options: I2pRuntimeOptions) {
    this.#config = config;
    this.#sam = sam;
    this.#endpoint = endpoint;
    this.#options = options;
  }

  /** Creates the node's SAM session (throws if the bridge is unreachable). Honours `signal`. */
  static async start(config: NodeConfig, options: I2pRuntimeOptions = {}): Promise<I2pRuntime> {
    const endpoint = options.samEndpoint ?? config.i2p.samEndpoint;
    if (!endpoint) {
      throw new VeilError('VEIL_NODE_I2P_UNAVAILABLE', 'no SAM bridge is configured', { hint: 'set [i2p] sam.port (e.g. tcp:127.0.0.1:7656)' });
    }
    const rt = new I2pRuntime(config, samClientFor(endpoint), endpoint, options);
    await rt.#createSession(options.signal);
    rt.#watch();
    return rt;
  }

  get state(): I2pState {
    return this.#state;
  }
  get lastError(): string | undefined {
    return this.#lastError;
  }
  /** `<b32>.b32.i2p` of the session's destination. */
  get address(): string | undefined {
    return this.#session?.address;
  }
  get samEndpoint(): string {
    return formatLocalEndpoint(this.#endpoint);
  }
  /** PID of the i2pd this node launched, if it did. */
  get launchedPid(): number | undefined {
    return this.#options.launched?.pid;
  }
  /** Times the launched i2pd exited by itself and was started again. */
  get launchedRestarts(): number {
    return this.#options.launched?.exits.length ?? 0;
  }

  async #createSession(signal: AbortSignal | undefined): Promise<void> {
    const dest = this.#config.i2p.dest;
    const destination = dest ? await readDestinationKey(dest.privateKeyFile, { signal }) : 'TRANSIENT';
    report(this.#options, 'i2p:session-creating', {});
    const combined = anySignal([signal, this.#stop.signal]);
    this.#session = dest ? await this.#createSavedSession(destination, combined) : await this.#newSession(destination, combined);
    this.#state = 'ready';
    this.#lastError = this.#staleWarning;
    this.#staleWarning = undefined;
    log.info('I2P session ready', sensitive(this.#session.address));
    report(this.#options, 'i2p:session-ready', {});
    if (this.#onStream) this.#startAccepting();
  }

  #newSession(destination: string, signal: AbortSignal | undefined): Promise<SamSession> {
    return this.#sam.createSession({ id: `veil-${randomBytes(6).toString('hex')}`, destination, options: this.#options.tunnelOptions ?? {}, signal });
  }

  /**
   * SESSION CREATE with the node's saved key, watching for i2pd 2.45's restart quirk (docs/i2p.md): for a while
   * after a session closes, i2pd keeps its destination, and a SESSION CREATE with the same key gets that dying
   * destination back at once, already "ready", and not reachable. A new destination cannot be ready at once (its
   * tunnels take at least one build round trip and i2pd checks readiness on a timer), so an answer faster than
   * STALE_SESSION_MS is reported (log, status last error). Closing it and asking again was tried: the next
   * SESSION CREATE then hung until its deadline, so the session is kept as it is.
   */
  async #createSavedSession(destination: string, signal: AbortSignal | undefined): Promise<SamSession> {
    const started = Date.now();
    const session = await this.#newSession(destination, signal);
    const ms = Date.now() - started;
    if (ms < STALE_SESSION_MS) {
      this.#staleWarning = `SESSION CREATE answered in ${ms} ms: i2pd probably handed back the previous session's destination, which peers may not reach until i2pd drops it; restart the node in a few minutes if they cannot (docs/i2p.md)`;
      log.warn(this.#staleWarning);
      report(this.#options, 'i2p:stale-destination', { ms });
    }
    return session;
  }

  /** Re-creates the session when the bridge closes it (router restarted). */
  #watch(): void {
    const session = this.#session;
    if (!session) return;
    void session.closed.then(async () => {
      if (this.#stop.signal.aborted || this.#session !== session) return;
      this.#state = 'reconnecting';
      log.warn('the SAM bridge closed the I2P session; re-creating it');
      let wait = RETRY_START_MS;
      while (!this.#stop.signal.aborted) {
        try {
          await delay(wait, { signal: this.#stop.signal });
          await this.#createSession(undefined);
          this.#watch();
          return;
        } catch (err) {
          if (this.#stop.signal.aborted) return;
          this.#lastError = (err as Error).message;
          wait = Math.min(wait * 2, RETRY_MAX_MS);
        }
      }
    });
  }

  /** Hands every incoming stream (with the peer's destination) to `onStream`; needs `dest = true` to be reachable. */
  serve(onStream: (stream: Duplex, peer: string) => void): void {
    this.#onStream = onStream;
    if (this.#state === 'ready') this.#startAccepting();
  }

  #startAccepting(): void {
    const session = this.#session;
    if (!session) return;
    for (let i = 0; i < ACCEPT_SLOTS; i++) {
      const loop = this.#acceptLoop(session).finally(() => this.#loops.delete(loop));
      this.#loops.add(loop);
    }
  }

  async #acceptLoop(session: SamSession): Promise<void> {
    while (!this.#stop.signal.aborted && session.isOpen && this.#session === session) {
      try {
        const { stream, peerDestination } = await this.#sam.accept(session.id, { signal: this.#stop.signal });
        this.#onStream?.(stream, peerDestination);
      } catch (err) {
        if (this.#stop.signal.aborted || !session.isOpen) return;
        log.debug('STREAM ACCEPT failed:', isVeilError(err) ? err.code : err);
        await delay(RETRY_START_MS, { signal: this.#stop.signal }).catch(() => undefined);
      }
    }
  }

  /** A dialer for i2p: hints: STREAM CONNECT through the node's session (the port is not used by SAM 3.1). */
  dialer(): Dialer {
    return {
      dial: async (host: string, _port: number, options?: DialOptions): Promise<Duplex> => {
        throwIfAborted(options?.signal, 'I2P dial');
        const session = this.#session;
        if (!session || this.#state !== 'ready') {
          throw new VeilError('VEIL_NODE_I2P_UNAVAILABLE', `the I2P session is not ready (${this.#state})`);
        }
        return this.#sam.connect(session.id, host, { signal: options?.signal, timeoutMs: options?.timeoutMs, retryUnreachable: true });
      },
      describe: () => `I2P via SAM ${this.samEndpoint}`,
    };
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stop.abort();
      this.#state = 'closed';
      await this.#session?.close();
      await Promise.allSettled([...this.#loops]);
    })();
    return this.#closing;
  }
}
