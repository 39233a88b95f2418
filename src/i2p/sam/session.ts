/**
 * A SAM STREAM session (SAM v3 "SESSION CREATE"). It owns the control socket: the bridge keeps the
 * session (and its destination's tunnels) only while that socket is open, so close() ends the session.
 * Commands on the control socket (NAMING LOOKUP) run one at a time, in order.
 */
import { VeilError, withTimeout, type Closable } from '../../core/index.js';
import { I2P_DEFAULTS } from '../defaults.js';
import type { SamConnection } from './connection.js';
import type { SamCallOptions } from './client.js';
import { encodeCommand } from './codec.js';
import { expectOk, requireArg } from './results.js';
import { parseDestination } from '../destination.js';

export interface SamSessionInit {
  id: string;
  privateKey: string;
  destination: string;
  address: string;
  conn: SamConnection;
  /** Runs before the control socket is closed (the client ends the session's streams). */
  beforeClose?: () => Promise<void>;
}

export class SamSession implements Closable, AsyncDisposable {
  /** The session nickname (SAM "ID"), used by STREAM CONNECT/ACCEPT/FORWARD. */
  readonly id: string;
  /** Public destination, I2P base64. */
  readonly destination: string;
  /** `<base32>.b32.i2p` address of the destination. */
  readonly address: string;
  readonly #privateKey: string;
  readonly #conn: SamConnection;
  readonly #beforeClose: (() => Promise<void>) | undefined;
  #closing: Promise<void> | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(init: SamSessionInit) {
    this.id = init.id;
    this.destination = init.destination;
    this.address = init.address;
    this.#privateKey = init.privateKey;
    this.#conn = init.conn;
    this.#beforeClose = init.beforeClose;
  }

  /** Private key blob (I2P base64) to recreate this destination later. Secret: never log it. */
  get privateKey(): string {
    return this.#privateKey;
  }

  /** Resolves when the control socket has closed (closed by us, or the router went away). */
  get closed(): Promise<void> {
    return this.#conn.closed;
  }

  get isOpen(): boolean {
    return this.#conn.isOpen;
  }

  /**
   * NAMING LOOKUP through this session's tunnels (`ME` gives our own destination). A .b32.i2p name is
   * looked up in the network database. Returns the destination (I2P base64).
   * Throws VEIL_SAM_KEY_NOT_FOUND, VEIL_SAM_INVALID_KEY, protocol errors, VEIL_TIMEOUT, VEIL_ABORTED (a
   * timeout or abort destroys the control socket, which ends the session: a late reply would desync it).
   */
  lookup(name: string, options: SamCallOptions = {}): Promise<string> {
    const run = async (): Promise<string> => {
      if (!this.#conn.isOpen) throw new VeilError('VEIL_SAM_INVALID_ID', `SAM session ${this.id} is closed`);
      const signal = withTimeout(options.signal, options.timeoutMs ?? I2P_DEFAULTS.lookupTimeoutMs);
      return namingLookup(this.#conn, name, signal);
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Ends the session: ends its stream sockets, then destroys the control socket, and resolves once it has
   * closed. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        if (this.#conn.isOpen) await this.#beforeClose?.();
      } finally {
        await this.#conn.close();
      }
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** NAMING LOOKUP on an open, HELLO'd connection. Returns VALUE (I2P base64 destination). */
export async function namingLookup(conn: SamConnection, name: string, signal: AbortSignal | undefined): Promise<string> {
  const what = 'SAM NAMING LOOKUP';
  conn.write(encodeCommand('NAMING', 'LOOKUP', [['NAME', name]]));
  const reply = expectOk(await conn.readReply(what, signal), 'NAMING', 'REPLY', what);
  const value = requireArg(reply, 'VALUE', what);
  parseDestination(value);
  return value;
}
