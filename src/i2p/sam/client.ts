/**
 * SAM v3 client (geti2p.net/en/docs/api/samv3). It never opens sockets itself: it receives a `Dial`
 * function from src/net and opens one SAM socket per command, as SAM v3 requires (the session's control
 * socket, then one socket per STREAM CONNECT / ACCEPT / FORWARD).
 *
 * Every method takes `{ signal, timeoutMs }` and never waits past the deadline: on abort or timeout it
 * destroys the socket it was using and rejects with VEIL_ABORTED / VEIL_TIMEOUT.
 */
import type { Duplex } from 'node:stream';
import { VeilError, delay, isVeilError, raceAbort, sensitive, throwIfAborted, withTimeout, logger, type AbortOptions } from '../../core/index.js';
import { isLoopbackHost } from '../../config/endpoint.js';
import { I2P_DEFAULTS } from '../defaults.js';
import { b32Address, parseB32Address, parseDestination, publicDestinationOf } from '../destination.js';
import { encodeCommand } from './codec.js';
import { SamConnection } from './connection.js';
import { expectOk, requireArg } from './results.js';
import { SamSession, namingLookup } from './session.js';

const log = logger('veil:i2p:sam');

/** Opens a connected stream to the SAM bridge. Provided by src/net (connectLocal). */
export type Dial = (options?: AbortOptions) => Promise<Duplex>;

export interface SamCallOptions extends AbortOptions {
  /** Deadline for the whole call in milliseconds (defaults in src/i2p/defaults.ts). */
  timeoutMs?: number;
}

export interface SamClientOptions {
  maxLineBytes?: number;
}

export interface CreateSessionOptions extends SamCallOptions {
  /** Session nickname: 1–64 characters from A-Z a-z 0-9 _ . - */
  id: string;
  /** 'TRANSIENT' for a new throw-away destination, or a private key blob in I2P base64. */
  destination: 'TRANSIENT' | string;
  /** Signature type for TRANSIENT destinations (default 7, Ed25519). */
  signatureType?: number;
  /** I2CP/tunnel options, e.g. { 'inbound.length': 0, 'outbound.length': 0 }. */
  options?: Readonly<Record<string, string | number | boolean>>;
}

export interface GeneratedDestination {
  /** Public destination, I2P base64. */
  readonly destination: string;
  /** Private key blob, I2P base64. Secret: never log it. */
  readonly privateKey: string;
  readonly address: string;
}

export interface ConnectOptions extends SamCallOptions {
  /** Retry after CANT_REACH_PEER every connectRetryIntervalMs until the deadline (a new LeaseSet may be slow to appear). */
  retryUnreachable?: boolean;
}

export interface AcceptOptions extends SamCallOptions {
  /**
   * Deadline for a peer to arrive after the bridge accepted the ACCEPT command. Default: none besides
   * `signal` (an accept normally waits for as long as the caller listens).
   */
  peerTimeoutMs?: number;
}

export interface AcceptedStream {
  /** The peer's destination (I2P base64). */
  readonly peerDestination: string;
  /** Raw stream; the caller owns it. */
  readonly stream: Duplex;
}

export interface ForwardOptions extends SamCallOptions {
  port: number;
  /** Loopback host i2pd connects to (default 127.0.0.1). */
  host?: string;
}

/** A STREAM FORWARD registration; it lasts while its socket is open. */
export interface SamForward {
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

const SESSION_ID = /^[A-Za-z0-9_.\-]{1,64}$/;
const VERSION = /^(\d+)\.(\d+)$/;

export class SamClient {
  readonly #dial: Dial;
  readonly #limits: { maxLineBytes: number };
  /** Open STREAM CONNECT/ACCEPT sockets by session id, so that closing a session can end them first. */
  readonly #streams = new Map<string, Set<Duplex>>();

  constructor(dial: Dial, options: SamClientOptions = {}) {
    this.#dial = dial;
    this.#limits = { maxLineBytes: options.maxLineBytes ?? I2P_DEFAULTS.maxLineBytes };
  }

  /**
   * Opens a SAM socket and says HELLO. The caller owns the returned connection. A socket opened for a
   * session's STREAM command is remembered until it closes (see #endStreams).
   */
  async #open(what: string, signal: AbortSignal | undefined, sessionId?: string): Promise<{ conn: SamConnection; version: string }> {
    throwIfAborted(signal, what);
    let late: Duplex | undefined;
    let aborted = false;
    const dialing = this.#dial({ signal }).then((s) => {
      if (aborted) s.destroy();
      late = s;
      return s;
    });
    const socket = await raceAbort(dialing, signal, what, () => {
      aborted = true;
      late?.destroy();
    });
    if (sessionId !== undefined) this.#track(sessionId, socket);
    const conn = new SamConnection(socket, this.#limits);
    try {
      conn.write(encodeCommand('HELLO', 'VERSION', [['MIN', '3.1'], ['MAX', '3.3']]));
      const reply = expectOk(await conn.readReply(`${what} (HELLO)`, signal), 'HELLO', 'REPLY', `${what} (HELLO)`);
      const version = requireArg(reply, 'VERSION', `${what} (HELLO)`);
      const m = VERSION.exec(version);
      if (!m || Number(m[1]) !== 3 || Number(m[2]) < 1) {
        throw new VeilError('VEIL_SAM_NOVERSION', `${what}: SAM bridge offers version ${JSON.stringify(version)}, need 3.1+`);
      }
      return { conn, version };
    } catch (err) {
      conn.destroy();
      throw err;
    }
  }

  #track(sessionId: string, socket: Duplex): void {
    let open = this.#streams.get(sessionId);
    if (!open) this.#streams.set(sessionId, (open = new Set()));
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      if (open.size === 0 && this.#streams.get(sessionId) === open) this.#streams.delete(sessionId);
    });
  }

  /**
   * Ends every stream socket of a session before the session itself. i2pd (2.45, Debian bookworm's) frees a
   * session's destination when its control socket closes; streams still open on it at that moment are torn
   * down afterwards, on freed memory, and the router can abort ("free(): corrupted unsorted chunks"; upstream
   * i2pd issue 2183). Closing the streams first, and giving the router a moment to finish them, avoids that.
   */
  async #endStreams(sessionId: string): Promise<void> {
    const open = [...(this.#streams.get(sessionId) ?? [])];
    if (open.length === 0) return;
    await Promise.all(
      open.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.closed) return resolve();
            s.once('close', () => resolve());
            s.destroy();
          }),
      ),
    );
    await delay(I2P_DEFAULTS.streamsDrainMs);
  }

  /** Checks that the bridge speaks SAM 3.1+. Returns the negotiated version. Honours signal. */
  async hello(options: SamCallOptions = {}): Promise<{ version: string }> {
    const signal = withTimeout(options.signal, options.timeoutMs ?? I2P_DEFAULTS.helloTimeoutMs);
    const { conn, version } = await this.#open('SAM HELLO', signal);
    await conn.close();
    return { version };
  }

  /**
   * SESSION CREATE STYLE=STREAM. Resolves once the tunnels are ready (20 s+ on i2pd 2.45). The returned
   * session owns the control socket; closing it ends the session on the bridge.
   * Throws VEIL_SAM_DUPLICATED_ID / _DUPLICATED_DEST / _INVALID_KEY / _I2P_ERROR, VEIL_SAM_COMMAND_INVALID,
   * protocol errors, VEIL_TIMEOUT, VEIL_ABORTED.
   */
  async createSession(options: CreateSessionOptions): Promise<SamSession> {
    const what = 'SAM SESSION CREATE';
    if (!SESSION_ID.test(options.id)) {
      throw new VeilError('VEIL_SAM_COMMAND_INVALID', `${what}: session id must be 1-64 characters of A-Z a-z 0-9 _ . -`);
    }
    const args: [string, string][] = [
      ['STYLE', 'STREAM'],
      ['ID', options.id],
      ['DESTINATION', options.destination],
    ];
    if (options.destination === 'TRANSIENT') {
      args.push(['SIGNATURE_TYPE', String(options.signatureType ?? I2P_DEFAULTS.signatureType)]);
    } else {
      publicDestinationOf(options.destination); // validate before sending a secret anywhere
    }
    for (const [k, v] of Object.entries(options.options ?? {})) args.push([k, String(v)]);
    const line = encodeCommand('SESSION', 'CREATE', args);
    const signal = withTimeout(options.signal, options.timeoutMs ?? I2P_DEFAULTS.sessionCreateTimeoutMs);
    const { conn } = await this.#open(what, signal);
    try {
      conn.write(line);
      const reply = expectOk(await conn.readReply(what, signal), 'SESSION', 'STATUS', what);
      const privateKey = requireArg(reply, 'DESTINATION', what);
      const destination = publicDestinationOf(privateKey);
      const session = new SamSession({ id: options.id, privateKey, destination, address: b32Address(destination), conn, beforeClose: () => this.#endStreams(options.id) });
      log.info('SAM session created', sensitive(session.address));
      return session;
    } catch (err) {
      conn.destroy();
      throw err;
    }
  }

  /**
   * NAMING LOOKUP on a fresh socket (the router's shared destination answers). Prefer SamSession.lookup
   * for .b32.i2p names: it uses the session's own tunnels. Returns the destination (I2P base64).
   * Throws VEIL_SAM_KEY_NOT_FOUND, VEIL_SAM_INVALID_KEY, protocol errors, VEIL_TIMEOUT, VEIL_ABORTED.
   */
  async lookup(name: string, options: SamCallOptions = {}): Promise<string> {
    const signal = withTimeout(options.signal, options.timeoutMs ?? I2P_DEFAULTS.lookupTimeoutMs);
    const { conn } = await this.#open('SAM NAMING LOOKUP', signal);
    try {
      return await namingLookup(conn, name, signal);
    } finally {
      await conn.close();
    }
  }

  /** DEST GENERATE: a new destination and its private key (secret). Honours signal. */
  async generateDestination(options: SamCallOptions & { signatureType?: number } = {}): Promise<GeneratedDestination> {
    const what = 'SAM DEST GENERATE';
    const signal = withTimeout(options.signal, options.timeoutMs ?? I2P_DEFAULTS.commandTimeoutMs);
    const { conn } = await this.#open(what, signal);
    try {
      conn.write(encodeCommand('DEST', 'GENERATE', [['SIGNATURE_TYPE', String(options.signatureType ?? I2P_DEFAULTS.signatureType)]]));
      const reply = expectOk(await conn.readReply(what, signal), 'DEST', 'REPLY', what, false);
      const pub = requireArg(reply, 'PUB', what);
      const privateKey = requireArg(reply, 'PRIV', what);
      const destination = publicDestinationOf(privateKey);
      if (destination.replace(/=+$/, '') !== pub.replace(/=+$/, '')) {
        throw new VeilError('VEIL_SAM_PROTOCOL', `${what}: PUB does not match the destination inside PRIV`);
      }
      return { destination, privateKey, address: b32Address(destination) };
    } finally {
      await conn.close();
    }
  }

  /**
   * STREAM CONNECT to a .b32.i2p address or a base64 destination. Returns the raw stream after
   * RESULT=OK (i2pd sends OK once the SYN is sent, before the peer accepts). The caller owns the stream.
   * Throws VEIL_SAM_CANT_REACH_PEER, VEIL_SAM_INVALID_ID, VEIL_SAM_INVALID_KEY, VEIL_I2P_*_INVALID, …
   */
  async connect(sessionId: string, destination: string, options: ConnectOptions = {}): Promise<Duplex> {
    const target = destination.endsWith('.i2p') ? parseB32Address(destination) : (parseDestination(destination), destination);
    const line = encodeCommand('STREAM', 'CONNECT', [['ID', sessionId], ['DESTINATION', target], ['SILENT', 'false']]);
    const signal = withTimeout(options.signal, options.timeoutMs ?? I2P_DEFAULTS.connectTimeoutMs);
    for (;;) {
      try {
        return await this.#connectOnce(line, sessionId, signal);
      } catch (err) {
        if (!options.retryUnreachable || !isVeilError(err, 'VEIL_SAM_CANT_REACH_PEER')) throw err;
        log.debug('STREAM CONNECT: peer not reachable yet, retrying');
        try {
          await delay(I2P_DEFAULTS.connectRetryIntervalMs, { signal });
        } catch (delayErr) {
          // At the deadline, the last CANT_REACH_PEER says more than a bare timeout; a cancel stays a cancel.
          throw isVeilError(delayErr, 'VEIL_TIMEOUT') ? err : delayErr;
        }
      }
    }
  }

  async #connectOnce(line: string, sessionId: string, signal: AbortSignal | undefined): Promise<Duplex> {
    const what = 'SAM STREAM CONNECT';
    const { conn } = await this.#open(what, signal, sessionId);
    try {
      conn.write(line);
      expectOk(await conn.readReply(what, signal), 'STREAM', 'STATUS', what);
      return conn.detach();
    } catch (err) {
      conn.destroy();
      throw err;
    }
  }

  /**
   * STREAM ACCEPT: waits for one incoming stream on the session. Resolves with the peer's destination and
   * the raw stream (the caller owns it). Several accepts may wait at once. Honours signal while waiting.
   */
  async accept(sessionId: string, options: AcceptOptions = {}): Promise<AcceptedStream> {
    const what = 'SAM STREAM ACCEPT';
    const line = encodeCommand('STREAM', 'ACCEPT', [['ID', sessionId], ['SILENT', 'false']]);
    const statusSignal = withTimeout(options.signal, options.timeoutMs ?? I2P_DEFAULTS.commandTimeoutMs);
    const { conn } = await this.#open(what, statusSignal, sessionId);
    try {
      conn.write(line);
      expectOk(await conn.readReply(what, statusSignal), 'STREAM', 'STATUS', what);
      const peerSignal = withTimeout(options.signal, options.peerTimeoutMs);
      const peer = await conn.readPeerLine(`${what} (waiting for a peer)`, peerSignal);
      parseDestination(peer.destination);
      return { peerDestination: peer.destination, stream: conn.detach() };
    } catch (err) {
      conn.destroy();
      throw err;
    }
  }

  /**
   * STREAM FORWARD: i2pd connects to host:port for each incoming stream and sends the peer's destination
   * as the first line. Lasts until the returned handle is closed.
   */
  async forward(sessionId: string, options: ForwardOptions): Promise<SamForward> {
    const what = 'SAM STREAM FORWARD';
    const host = options.host ?? '127.0.0.1';
    if (!isLoopbackHost(host) || !Number.isInteger(options.port) || options.port < 1 || options.port > 65_535) {
      throw new VeilError('VEIL_SAM_COMMAND_INVALID', `${what}: forward target must be a loopback host and a port 1-65535`);
    }
    const line = encodeCommand('STREAM', 'FORWARD', [['ID', sessionId], ['PORT', String(options.port)], ['HOST', host], ['SILENT', 'false']]);
    const signal = withTimeout(options.signal, options.timeoutMs ?? I2P_DEFAULTS.commandTimeoutMs);
    const { conn } = await this.#open(what, signal);
    try {
      conn.write(line);
      expectOk(await conn.readReply(what, signal), 'STREAM', 'STATUS', what);
    } catch (err) {
      conn.destroy();
      throw err;
    }
    return { closed: conn.closed, close: () => conn.close() };
  }
}
