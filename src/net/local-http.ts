/**
 * HTTP requests to this machine's own services (a running node's web port, for `veil status`). Refuses any URL
 * whose host is not loopback: peers are only ever reached through the router.
 */
import { request } from 'undici';
import { VeilError, withTimeout, type AbortOptions } from '../core/index.js';
import { isLoopbackHost } from '../config/index.js';

export interface LocalJsonOptions extends AbortOptions {
  /** Deadline in ms (default 10 000). */
  readonly timeoutMs?: number;
}

/** GETs `url` (loopback only) and parses the JSON body. Throws VEIL_LOCAL_HTTP_FAILED or VEIL_INPUT_INVALID. */
export async function getLocalJson(url: string, options: LocalJsonOptions = {}): Promise<unknown> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' || !isLoopbackHost(parsed.hostname)) {
    throw new VeilError('VEIL_INPUT_INVALID', `refusing to contact ${parsed.host}: only loopback URLs are allowed here`);
  }
  const signal = withTimeout(options.signal, options.timeoutMs ?? 10_000);
  try {
    const res = await request(parsed, { method: 'GET', signal });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`HTTP status ${res.statusCode}`);
    }
    return await res.body.json();
  } catch (err) {
    throw new VeilError('VEIL_LOCAL_HTTP_FAILED', `no answer from ${url}: ${(err as Error).message}`, { cause: err });
  }
}
