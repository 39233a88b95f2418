/**
 * Cancellation helpers. Every call that waits on the network, a process or a timer takes
 * `{ signal?: AbortSignal }`; these helpers combine deadlines and turn aborts into VEIL_ABORTED / VEIL_TIMEOUT.
 */
import { setMaxListeners } from 'node:events';
import { VeilError } from './errors.js';

export interface AbortOptions {
  signal?: AbortSignal | undefined;
}

/**
 * A signal that fires when any of `signals` fires, with its reason. Unlike Node 20's AbortSignal.any, the result
 * is held strongly by its sources' listeners: on Node 20 a composite signal (or an AbortSignal.timeout feeding
 * one) can be garbage-collected while an operation still waits on it, and then never fires.
 */
export function anySignal(signals: readonly (AbortSignal | undefined)[]): AbortSignal {
  const controller = new AbortController();
  const sources = signals.filter((s): s is AbortSignal => s !== undefined);
  const fired = sources.find((s) => s.aborted);
  if (fired) {
    controller.abort(fired.reason);
    return controller.signal;
  }
  const listeners: [AbortSignal, () => void][] = [];
  const detach = (): void => {
    for (const [s, l] of listeners) s.removeEventListener('abort', l);
    listeners.length = 0;
  };
  for (const s of sources) {
    const l = (): void => {
      detach();
      controller.abort(s.reason);
    };
    listeners.push([s, l]);
    s.addEventListener('abort', l, { once: true });
  }
  return controller.signal;
}

/**
 * A signal that fires on `signal` or after `timeoutMs`, whichever is first. The timer is unref'd (it never keeps
 * the process alive by itself), holds the result strongly while it runs, and is cleared when `signal` fires.
 */
export function withTimeout(signal: AbortSignal | undefined, timeoutMs: number | undefined): AbortSignal | undefined {
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) return signal;
  const controller = new AbortController();
  if (signal?.aborted) {
    controller.abort(signal.reason);
    return controller.signal;
  }
  const onParent = (): void => {
    clearTimeout(timer);
    controller.abort(signal!.reason);
  };
  const timer = setTimeout(() => {
    signal?.removeEventListener('abort', onParent);
    controller.abort(new DOMException('The operation timed out.', 'TimeoutError'));
  }, Math.max(0, timeoutMs));
  timer.unref();
  // Each pending deadline keeps one listener on the parent until it fires or the parent does: many operations
  // under one long-lived signal (a node's scope) are expected, and bounded by their deadlines.
  if (signal) setMaxListeners(0, signal);
  signal?.addEventListener('abort', onParent, { once: true });
  return controller.signal;
}

/** Converts the reason of an aborted signal into a VeilError (VEIL_TIMEOUT for timeouts, VEIL_ABORTED otherwise). */
export function abortError(signal: AbortSignal, what: string): VeilError {
  const reason: unknown = signal.reason;
  if (reason instanceof VeilError) return reason;
  if (reason instanceof DOMException && reason.name === 'TimeoutError') {
    return new VeilError('VEIL_TIMEOUT', `${what}: timed out`, { cause: reason });
  }
  return new VeilError('VEIL_ABORTED', `${what}: aborted`, { cause: reason });
}

/** Throws VEIL_ABORTED / VEIL_TIMEOUT if the signal has already fired. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(signal, what);
}

/**
 * Races `promise` against `signal`. On abort, rejects with abortError() and calls `onAbort` (to destroy
 * whatever was half-built). The abort listener is removed when either side settles.
 */
export function raceAbort<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  what: string,
  onAbort?: () => void,
): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    onAbort?.();
    promise.catch(() => undefined);
    return Promise.reject(abortError(signal, what));
  }
  return new Promise<T>((resolve, reject) => {
    const listener = (): void => {
      onAbort?.();
      reject(abortError(signal, what));
    };
    signal.addEventListener('abort', listener, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', listener);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', listener);
        reject(e);
      },
    );
  });
}

/** Waits `ms` milliseconds (for retry back-off, never for synchronisation); rejects on abort. */
export function delay(ms: number, options: AbortOptions = {}): Promise<void> {
  const { signal } = options;
  throwIfAborted(signal, 'delay');
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal!, 'delay'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
