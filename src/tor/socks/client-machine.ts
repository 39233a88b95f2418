/**
 * Sans-I/O SOCKS5 client handshake (RFC 1928 §3-6, RFC 1929 §2): bytes in, bytes to send and a result out.
 * No sockets, no timers: handshake.ts drives it over a stream, and tests drive it directly.
 *
 * With credentials the machine offers ONLY username/password (0x02), so that a SOCKS server can never drop
 * our isolation token by picking "no authentication": with Tor, the password is the stream isolation
 * parameter (socks-extensions "Interpreting usernames and passwords", "Stream isolation").
 */
import { VeilError } from '../../core/index.js';
import {
  decodeMethodSelection,
  decodeReply,
  decodeUserPassReply,
  encodeGreeting,
  encodeRequest,
  encodeUserPassRequest,
  type SocksReply,
  type SocksRequest,
} from './codec.js';
import { COMMAND, METHOD, REPLY, SOCKS_VERSION } from './constants.js';
import { replyError } from './reply-errors.js';

export interface SocksCredentials {
  readonly username: string | Uint8Array;
  readonly password: string | Uint8Array;
}

export interface SocksClientOptions {
  readonly request: SocksRequest;
  /** RFC 1929 username/password; without it only "no authentication" is offered. */
  readonly credentials?: SocksCredentials | undefined;
}

/** What the caller must do after feeding bytes: send `send` (may be empty); when `result` is set, stop. */
export interface SocksStep {
  readonly send: Buffer;
  /** The success reply and any bytes after it (they belong to the proxied stream). */
  readonly result?: { readonly reply: SocksReply; readonly rest: Buffer } | undefined;
}

type State = 'start' | 'method' | 'auth' | 'reply' | 'done' | 'failed';

export class SocksClientMachine {
  readonly #options: SocksClientOptions;
  #state: State = 'start';
  #buf: Buffer = Buffer.alloc(0);
  // Encoded up front so that a request we cannot encode fails before any byte is sent.
  readonly #request: Buffer;
  readonly #auth: Buffer | undefined;

  constructor(options: SocksClientOptions) {
    this.#options = options;
    this.#request = encodeRequest(options.request);
    this.#auth = options.credentials ? encodeUserPassRequest(options.credentials.username, options.credentials.password) : undefined;
  }

  get isDone(): boolean {
    return this.#state === 'done';
  }

  /** The greeting to send first. */
  start(): Buffer {
    if (this.#state !== 'start') throw new Error('SocksClientMachine.start() called twice (a bug in Veil)');
    this.#state = 'method';
    return encodeGreeting({ methods: [this.#auth ? METHOD.USERNAME_PASSWORD : METHOD.NO_AUTH] });
  }

  /** Feeds received bytes. Throws VEIL_SOCKS_* / VEIL_TOR_* / VEIL_DIAL_* errors; after a throw the machine is dead. */
  receive(chunk: Uint8Array): SocksStep {
    if (this.#state === 'done' || this.#state === 'failed' || this.#state === 'start') {
      throw new VeilError('VEIL_SOCKS_PROTOCOL', `SOCKS server sent ${chunk.length} bytes outside the handshake`);
    }
    this.#buf = this.#buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buf, chunk]);
    try {
      return this.#advance();
    } catch (err) {
      this.#state = 'failed';
      throw err;
    }
  }

  #advance(): SocksStep {
    const out: Buffer[] = [];
    for (;;) {
      if (this.#state === 'method') {
        const d = decodeMethodSelection(this.#buf);
        if (!d.done) break;
        this.#buf = this.#buf.subarray(d.consumed);
        const offered = this.#auth ? METHOD.USERNAME_PASSWORD : METHOD.NO_AUTH;
        if (d.value.method === METHOD.NO_ACCEPTABLE) {
          throw new VeilError('VEIL_SOCKS_AUTH_REJECTED', `SOCKS server accepted none of our methods (we offered 0x0${offered})`);
        }
        if (d.value.method !== offered) {
          throw new VeilError('VEIL_SOCKS_PROTOCOL', `SOCKS server chose method 0x${d.value.method.toString(16)}, which we did not offer`);
        }
        if (this.#auth) {
          out.push(this.#auth);
          this.#state = 'auth';
        } else {
          out.push(this.#request);
          this.#state = 'reply';
        }
      } else if (this.#state === 'auth') {
        const d = decodeUserPassReply(this.#buf);
        if (!d.done) break;
        this.#buf = this.#buf.subarray(d.consumed);
        if (d.value.status !== 0) {
          throw new VeilError('VEIL_SOCKS_AUTH_REJECTED', `SOCKS server rejected our username/password (status ${d.value.status})`);
        }
        out.push(this.#request);
        this.#state = 'reply';
      } else if (this.#state === 'reply') {
        // A failure is final as soon as VER and REP are known. Tor's failure replies for RESOLVE carry ATYP 0
        // (not an RFC 1928 type), so decoding the rest would turn "host unreachable" into a protocol error.
        if (this.#buf.length >= 2 && this.#buf[0] === SOCKS_VERSION && this.#buf[1] !== REPLY.SUCCEEDED) {
          const { command, address, port } = this.#options.request;
          throw replyError(this.#buf[1]!, { command, target: address.host, port: command === COMMAND.CONNECT ? port : undefined });
        }
        const d = decodeReply(this.#buf);
        if (!d.done) break;
        const rest = Buffer.from(this.#buf.subarray(d.consumed));
        this.#buf = Buffer.alloc(0);
        this.#state = 'done';
        return { send: Buffer.concat(out), result: { reply: d.value, rest } };
      } else {
        break;
      }
    }
    return { send: Buffer.concat(out) };
  }
}
