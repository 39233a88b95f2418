/**
 * What a failed request to a grid peer (storage server, introducer) is reported as: VEIL_ABORTED when the caller's
 * signal (or the request deadline) fired, a VeilError as itself (also one that undici wraps as the `cause`, e.g.
 * VEIL_PEER_KEY_MISMATCH from the pinned TLS opener), a connection silent past the agent's stall timeout as
 * VEIL_HTTP_STALLED, anything else as VEIL_HTTP_REQUEST_FAILED naming `what`.
 */
import { VeilError, abortError, isVeilError } from '../core/index.js';

export function requestError(err: unknown, signal: AbortSignal | undefined, what: string): Error {
  if (signal?.aborted) return abortError(signal, what);
  if (isVeilError(err)) return err;
  if (err instanceof Error && isVeilError(err.cause)) return err.cause;
  const undiciCode = (err as { code?: unknown } | undefined)?.code;
  if (undiciCode === 'UND_ERR_HEADERS_TIMEOUT' || undiciCode === 'UND_ERR_BODY_TIMEOUT') {
    const part = undiciCode === 'UND_ERR_HEADERS_TIMEOUT' ? 'no response' : 'the response stopped';
    return new VeilError('VEIL_HTTP_STALLED', `${what}: ${part} on an open connection for too long; dropped that connection`, { cause: err });
  }
  return new VeilError('VEIL_HTTP_REQUEST_FAILED', `${what} failed: ${(err as Error).message}`, { cause: err });
}
