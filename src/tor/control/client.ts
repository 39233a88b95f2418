/**
 * TorControl: the client that owns one control-port connection (control-spec 2, 3, 4).
 *
 * It is given an already connected Duplex (callers get it from src/net's connectLocal; this file must never
 * open sockets). One command is in flight at a time (FIFO); replies with status 6xx are events, routed to
 * listeners, and a listener that throws is logged without affecting others. When the connection ends every
 * pending command rejects with VEIL_TOR_CONTROL_CLOSED naming the command. close() is idempotent and
 * resolves once the socket has closed.
 */
import type { Duplex } from 'node:stream';
import { VeilError, abortError, isVeilError, logger, quoteUntrusted, throwIfAborted, type AbortOptions } from '../../core/index.js';
import { assertBareWord, formatCommand } from './command-format.js';
import { parseEvent, type RawEvent, type TorEventMap, type TypedEventName } from './events.js';
import { NEED_MORE, ReplyDecoder, type ControlReply, type ReplyLimits } from './reply-codec.js';
import * as commands from './commands.js';

const log = logger('veil:tor:control');

export interface TorControlOptions {
  /** Limits on replies from tor (defaults: DEFAULT_REPLY_LIMITS). */
  limits?: Partial<ReplyLimits>;
}

interface Pending {
  /** The keyword only: arguments may hold secrets (AUTHENTICATE, ADD_ONION keys) and are never logged. */
  readonly keyword: string;
  readonly line: string;
  readonly resolve: (reply: ControlReply) => void;
  readonly reject: (err: unknown) => void;
  isWritten: boolean;
  /** The caller gave up (abort) after the command was written: its reply is read and dropped. */
  isAbandoned: boolean;
}

type Listener = (event: RawEvent) => void;

export interface Subscription {
  /** Removes the listener and, when no one else needs the event, updates SETEVENTS. Idempotent. */
  close(): Promise<void>;
}

export class TorControl {
  readonly #socket: Duplex;
  readonly #decoder: ReplyDecoder;
  readonly #queue: Pending[] = [];
  readonly #listeners = new Map<string, Set<Listener>>();
  /** Events asked for with setEvents(); subscriptions add to these. */
  #baseEvents: readonly string[] = [];
  #closeReason: VeilError | undefined;
  readonly #closed: Promise<void>;

  constructor(socket: Duplex, options: TorControlOptions = {}) {
    this.#socket = socket;
    this.#decoder = new ReplyDecoder(options.limits);
    this.#closed = new Promise<void>((resolve) => {
      if (socket.destroyed && socket.closed) resolve();
      else socket.once('close', () => resolve());
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#fail(this.#closedError('tor closed the control connection')));
    socket.on('error', (err: Error) => this.#fail(this.#closedError(`control connection error: ${err.message}`, err)));
    socket.on('close', () => this.#fail(this.#closedError('control connection closed')));
  }

  /** True once the connection has ended or close() was called. */
  get isClosed(): boolean {
    return this.#closeReason !== undefined;
  }

  /** Resolves when the socket has closed (for whatever reason). */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /**
   * Sends one command and resolves with tor's reply whatever its status. `args` are joined with spaces and
   * checked for CR/LF/NUL (VEIL_TOR_CONTROL_ARGUMENT). Rejects with VEIL_TOR_CONTROL_CLOSED,
   * VEIL_TOR_CONTROL_PROTOCOL or VEIL_ABORTED/VEIL_TIMEOUT. Honours `signal`.
   */
  sendRaw(keyword: string, args: readonly string[] = [], options: AbortOptions = {}): Promise<ControlReply> {
    const what = `Tor control command ${keyword}`;
    throwIfAborted(options.signal, what);
    const line = formatCommand(keyword, args);
    if (this.#closeReason) return Promise.reject(this.#pendingError(keyword, this.#closeReason));
    const { signal } = options;
    return new Promise<ControlReply>((resolve, reject) => {
      const onAbort = (): void => {
        if (!signal) return;
        if (entry.isWritten) entry.isAbandoned = true;
        else this.#queue.splice(this.#queue.indexOf(entry), 1);
        reject(abortError(signal, what));
      };
      const entry: Pending = {
        keyword,
        line,
        isWritten: false,
        isAbandoned: false,
        resolve: (reply) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(reply);
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(entry);
      this.#pump();
    });
  }

  /** Like sendRaw(), but a non-2xx reply rejects with VEIL_TOR_CONTROL_REJECTED (details.status). */
  async send(keyword: string, args: readonly string[] = [], options: AbortOptions = {}): Promise<ControlReply> {
    const reply = await this.sendRaw(keyword, args, options);
    if (reply.status < 200 || reply.status > 299) throw rejected(keyword, reply);
    return reply;
  }

  /** GETINFO (control-spec 3.9): values by key. Throws VEIL_TOR_CONTROL_REJECTED for unknown keys. */
  async getInfo(keys: readonly string[], options: AbortOptions = {}): Promise<Map<string, string>> {
    keys.forEach((k) => assertBareWord(k, 'a GETINFO key'));
    return commands.parseGetInfo(await this.send('GETINFO', keys, options));
  }

  /** GETCONF (control-spec 3.3): all values of each key (empty array when unset/default). */
  async getConf(keys: readonly string[], options: AbortOptions = {}): Promise<Map<string, string[]>> {
    keys.forEach((k) => assertBareWord(k, 'a GETCONF key'));
    return commands.parseGetConf(await this.send('GETCONF', keys, options));
  }

  /** SETCONF (control-spec 3.1): values are quoted; an array sets a key several times. */
  async setConf(values: ReadonlyMap<string, string | readonly string[]> | Record<string, string | readonly string[]>, options: AbortOptions = {}): Promise<void> {
    await this.send('SETCONF', commands.formatConfArgs(values), options);
  }

  /** RESETCONF (control-spec 3.2): back to defaults. */
  async resetConf(keys: readonly string[], options: AbortOptions = {}): Promise<void> {
    keys.forEach((k) => assertBareWord(k, 'a RESETCONF key'));
    await this.send('RESETCONF', keys, options);
  }

  /** SIGNAL (control-spec 3.7), e.g. 'NEWNYM', 'RELOAD', 'SHUTDOWN', 'HALT'. */
  async signal(name: string, options: AbortOptions = {}): Promise<void> {
    assertBareWord(name, 'a SIGNAL name');
    await this.send('SIGNAL', [name], options);
  }

  /** TAKEOWNERSHIP (control-spec 3.23): tor exits when this connection closes. */
  async takeOwnership(options: AbortOptions = {}): Promise<void> {
    await this.send('TAKEOWNERSHIP', [], options);
  }

  /** ADD_ONION (control-spec 3.27). The returned private key is a secret: never log it. */
  async addOnion(request: commands.AddOnionRequest, options: AbortOptions = {}): Promise<commands.AddOnionResult> {
    return commands.parseAddOnion(await this.send('ADD_ONION', commands.formatAddOnion(request), options));
  }

  /** DEL_ONION (control-spec 3.28). */
  async delOnion(serviceId: string, options: AbortOptions = {}): Promise<void> {
    commands.assertServiceId(serviceId);
    await this.send('DEL_ONION', [serviceId], options);
  }

  /**
   * Sets the events this connection asks for directly (SETEVENTS, control-spec 3.4); events needed by
   * subscribe() are always added. Names are e.g. 'STATUS_CLIENT', 'HS_DESC', 'CIRC', 'STREAM'.
   */
  async setEvents(names: readonly string[], options: AbortOptions = {}): Promise<void> {
    names.forEach((n) => assertBareWord(n, 'an event name'));
    this.#baseEvents = [...names];
    await this.#syncEvents(options);
  }

  /** Adds a listener without touching SETEVENTS (see subscribe()). Returns a function that removes it. */
  on<K extends TypedEventName>(name: K, listener: (event: TorEventMap[K]) => void): () => void;
  on(name: string, listener: (event: RawEvent) => void): () => void;
  on(name: string, listener: (event: never) => void): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    const l = listener as Listener;
    set.add(l);
    return () => {
      set.delete(l);
      if (set.size === 0 && this.#listeners.get(name) === set) this.#listeners.delete(name);
    };
  }

  /**
   * Adds a listener and makes sure tor sends the event (SETEVENTS with the union of all needs) before
   * resolving, so a command sent afterwards cannot race the event. Honours `signal`.
   */
  async subscribe<K extends TypedEventName>(name: K, listener: (event: TorEventMap[K]) => void, options?: AbortOptions): Promise<Subscription>;
  async subscribe(name: string, listener: (event: RawEvent) => void, options?: AbortOptions): Promise<Subscription>;
  async subscribe(name: string, listener: (event: never) => void, options: AbortOptions = {}): Promise<Subscription> {
    assertBareWord(name, 'an event name');
    const off = this.on(name, listener as Listener);
    let closing: Promise<void> | undefined;
    const subscription: Subscription = {
      close: () => (closing ??= (async () => {
        off();
        if (this.isClosed) return;
        try {
          await this.#syncEvents({});
        } catch (err) {
          // A connection that closed meanwhile has no subscriptions left to update.
          if (!isVeilError(err, 'VEIL_TOR_CONTROL_CLOSED')) throw err;
        }
      })()),
    };
    try {
      await this.#syncEvents(options);
    } catch (err) {
      off();
      throw err;
    }
    return subscription;
  }

  /** Closes the connection (a tor that we own via TAKEOWNERSHIP then exits). Idempotent; resolves on 'close'. */
  close(): Promise<void> {
    this.#fail(new VeilError('VEIL_TOR_CONTROL_CLOSED', 'the Tor control connection was closed by Veil'));
    this.#socket.destroy();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #syncEvents(options: AbortOptions): Promise<void> {
    const names = new Set([...this.#baseEvents, ...this.#listeners.keys()]);
    await this.send('SETEVENTS', [...names].sort(), options);
  }

  #pump(): void {
    const head = this.#queue[0];
    if (!head || head.isWritten || this.#closeReason) return;
    head.isWritten = true;
    log.debug('sending', head.keyword);
    this.#socket.write(head.line);
  }

  #onData(chunk: Buffer): void {
    if (this.#closeReason) return;
    try {
      this.#decoder.push(chunk);
      for (let reply = this.#decoder.next(); reply !== NEED_MORE; reply = this.#decoder.next()) {
        if (reply.isAsync) this.#dispatch(reply);
        else this.#complete(reply);
      }
    } catch (err) {
      const e = err instanceof VeilError ? err : new VeilError('VEIL_TOR_CONTROL_PROTOCOL', 'Tor control port sent undecodable data', { cause: err });
      log.warn('closing control connection:', e.message);
      this.#fail(e);
      this.#socket.destroy();
    }
  }

  #complete(reply: ControlReply): void {
    const head = this.#queue[0];
    if (!head?.isWritten) {
      throw new VeilError('VEIL_TOR_CONTROL_PROTOCOL', `Tor control port sent a reply to no command: ${quoteUntrusted(reply.lines[0]?.text ?? '')}`);
    }
    this.#queue.shift();
    if (!head.isAbandoned) head.resolve(reply);
    this.#pump();
  }

  #dispatch(reply: ControlReply): void {
    let event: RawEvent;
    try {
      event = parseEvent(reply);
    } catch (err) {
      // A malformed event must not take the connection down: it is dropped and logged.
      log.warn('ignoring malformed event:', err);
      return;
    }
    const set = this.#listeners.get(event.name);
    if (!set) {
      log.debug('event without listener:', event.name);
      return;
    }
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (err) {
        log.error(`a listener for ${event.name} events threw (a bug in Veil):`, err);
      }
    }
  }

  #closedError(message: string, cause?: unknown): VeilError {
    const truncated = this.#decoder.hasPartialReply ? ' in the middle of a reply' : '';
    return new VeilError('VEIL_TOR_CONTROL_CLOSED', `${message}${truncated}`, { cause });
  }

  #pendingError(keyword: string, reason: VeilError): VeilError {
    const verb = reason.code === 'VEIL_TOR_CONTROL_CLOSED' ? 'no reply to' : 'failed';
    return new VeilError(reason.code, `Tor control command ${keyword}: ${verb}: ${reason.message}`, {
      cause: reason,
      details: { command: keyword },
    });
  }

  #fail(reason: VeilError): void {
    if (this.#closeReason) return;
    this.#closeReason = reason;
    const pending = this.#queue.splice(0);
    for (const entry of pending) {
      if (!entry.isAbandoned) entry.reject(this.#pendingError(entry.keyword, reason));
    }
    if (!this.#socket.destroyed) this.#socket.destroy();
  }
}

/** VEIL_TOR_CONTROL_REJECTED for a non-2xx reply, quoting tor's text. */
export function rejected(keyword: string, reply: ControlReply): VeilError {
  const text = reply.lines.map((l) => l.text).join(' / ');
  return new VeilError('VEIL_TOR_CONTROL_REJECTED', `Tor rejected ${keyword}: ${reply.status} ${quoteUntrusted(text, 160)}`, {
    details: { command: keyword, status: reply.status },
  });
}
