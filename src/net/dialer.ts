/**
 * The `Dialer` interface shared by every way Veil opens a stream to a peer: Tor (socks-dialer.ts), direct TCP
 * (direct-dialer.ts, only when the user allowed revealing the IP address) and, later, I2P. Callers above src/net
 * receive a Dialer and never know which transport it is; every dialer passes the same conformance suite
 * (test/integration/dialer-conformance.ts).
 */
import type { Duplex } from 'node:stream';
import { VeilError, type AbortOptions } from '../core/index.js';

export interface DialOptions extends AbortOptions {
  /**
   * Streams with different tokens never share a Tor circuit (Tor's IsolateSOCKSAuth, on by default). At most
   * 255 bytes. Default: one token per destination `host:port`, so different peers never share a circuit.
   * Dialers without circuits ignore it.
   */
  isolationToken?: string | undefined;
  /** Deadline for the whole dial in milliseconds (default DIALER_DEFAULTS for the dialer); VEIL_TIMEOUT after it. */
  timeoutMs?: number | undefined;
}

export interface Dialer {
  /**
   * Opens a stream to `host:port`. Resolves with a connected stream the caller owns (destroy it to close).
   * Throws VEIL_DIAL_REFUSED, VEIL_DIAL_UNREACHABLE, VEIL_TIMEOUT, VEIL_ABORTED and dialer-specific codes.
   * Honours `signal`: an abort rejects with VEIL_ABORTED and destroys whatever was half-built. The signal only
   * covers the dial: aborting after it resolved does not close the stream.
   */
  dial(host: string, port: number, options?: DialOptions): Promise<Duplex>;
  /** One line for logs and `veil status`, e.g. `Tor via SOCKS tcp:127.0.0.1:9050`; never secret. */
  describe(): string;
}

/** Default deadlines (milliseconds) of the dialers in this folder. */
export const DIALER_DEFAULTS = Object.freeze({
  /** Direct TCP connect. */
  directTimeoutMs: 30_000,
  /** A whole Tor dial: onion service connections can take a minute on a slow network (tor's own limit is 120 s). */
  torTimeoutMs: 120_000,
  /** Connecting to the local Tor SOCKS port. */
  socksConnectTimeoutMs: 10_000,
});

/** Checks a dial target before any socket opens: non-empty host without whitespace, port 1-65535. */
export function checkDialTarget(host: string, port: number): void {
  if (typeof host !== 'string' || host.length === 0 || host.length > 255 || /[\s\x00-\x1f\x7f]/.test(host)) {
    throw new VeilError('VEIL_INPUT_INVALID', `cannot dial: host must be 1-255 printable characters`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new VeilError('VEIL_INPUT_INVALID', `cannot dial: port ${String(port)} is not in 1-65535`);
  }
}
