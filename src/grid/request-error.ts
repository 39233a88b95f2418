/**
 * What a failed request to a grid peer (storage server, introducer) is reported as: VEIL_ABORTED when the caller's
 * signal (or the request deadline) fired, a VeilError as itself (also one that undici wraps as the `cause`, e.g.
 * VEIL_PEER_KEY_MISMATCH from the pinned TLS opener), anything else as VEIL_HTTP_REQUEST_FAILED naming `what`.
 */
import { VeilError, abortError, isVeilError } from '../core/index.js';

export function requestError(err: unknown, signal: AbortSignal | undefined, what: string): Error {
  if (signal?.aborted) return abortError(signal, what);
  if (isVeilError(err)) return err;
  if (err instanceof Error && isVeilError(err.cause)) return err.cause;
  return new VeilError('VEIL_HTTP_REQUEST_FAILED', `${what} failed: ${(err as Error).message}`, { cause: err });
}
