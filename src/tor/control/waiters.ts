/**
 * Waits built on control-port events: bootstrap completion (STATUS_CLIENT BOOTSTRAP, control-spec 4.1.10
 * and GETINFO status/bootstrap-phase) and onion service descriptor uploads (HS_DESC, control-spec 4.1.25).
 * Each subscribes before reading state or triggering work, so no event can slip between, and unsubscribes
 * in `finally`.
 */
import { VeilError, abortError, report, sensitive, logger, throwIfAborted, type AbortOptions, type ProgressOptions } from '../../core/index.js';
import { parseReplyArguments } from './command-format.js';
import type { TorControl, Subscription } from './client.js';
import type { HsDescEvent } from './events.js';
import { assertServiceId } from './commands.js';

const log = logger('veil:tor:control');

export interface BootstrapStatus {
  /** 0–100. */
  readonly progress: number;
  readonly tag: string | undefined;
  readonly summary: string | undefined;
  /** Set when tor reports a bootstrap problem (WARNING= of the BOOTSTRAP status). */
  readonly warning: string | undefined;
}

/** Parses the arguments of a BOOTSTRAP status (`PROGRESS=… TAG=… SUMMARY="…"`); undefined when not one. */
export function parseBootstrapStatus(args: ReadonlyMap<string, string>): BootstrapStatus | undefined {
  const progress = Number(args.get('PROGRESS'));
  if (!Number.isInteger(progress) || progress < 0 || progress > 100) return undefined;
  return { progress, tag: args.get('TAG'), summary: args.get('SUMMARY'), warning: args.get('WARNING') };
}

/** Rejects when the signal aborts; `remove` must be called when done to drop the listener. */
function abortPromise(signal: AbortSignal | undefined, what: string): { promise: Promise<never>; remove: () => void } {
  if (!signal) return { promise: new Promise<never>(() => undefined), remove: () => undefined };
  let listener: () => void = () => undefined;
  const promise = new Promise<never>((_resolve, reject) => {
    listener = () => reject(abortError(signal, what));
    signal.addEventListener('abort', listener, { once: true });
  });
  // Marked handled here: the rejection is observed through Promise.race, which may be attached later.
  promise.catch(() => undefined);
  return { promise, remove: () => signal.removeEventListener('abort', listener) };
}

/**
 * Resolves when tor reports bootstrap PROGRESS=100. Reports `tor:bootstrap` progress events
 * ({ progress, tag, summary, warning }) each time progress grows or a warning appears. Honours `signal`
 * (pass a deadline: a tor without network never finishes). Throws VEIL_TOR_CONTROL_*, VEIL_ABORTED/VEIL_TIMEOUT.
 */
export async function waitForBootstrap(ctl: TorControl, options: AbortOptions & ProgressOptions = {}): Promise<BootstrapStatus> {
  const what = 'waiting for tor to bootstrap';
  throwIfAborted(options.signal, what);
  let lastProgress = -1;
  let resolveDone: (status: BootstrapStatus) => void = () => undefined;
  const done = new Promise<BootstrapStatus>((resolve) => (resolveDone = resolve));
  const onStatus = (status: BootstrapStatus): void => {
    if (status.progress > lastProgress || status.warning !== undefined) {
      lastProgress = Math.max(lastProgress, status.progress);
      report(options, 'tor:bootstrap', { ...status });
    }
    if (status.progress === 100) resolveDone(status);
  };
  const aborted = abortPromise(options.signal, what);
  let subscription: Subscription | undefined;
  try {
    subscription = await ctl.subscribe('STATUS_CLIENT', (event) => {
      if (event.action !== 'BOOTSTRAP') return;
      const status = parseBootstrapStatus(event.args);
      if (status) onStatus(status);
      else log.debug('ignoring BOOTSTRAP status without valid PROGRESS');
    }, options);
    const info = await ctl.getInfo(['status/bootstrap-phase'], options);
    const phase = info.get('status/bootstrap-phase') ?? '';
    const status = parseBootstrapStatus(parseReplyArguments(phase).keywords);
    if (!status) {
      throw new VeilError('VEIL_TOR_CONTROL_PROTOCOL', `Tor control port sent a bootstrap phase without PROGRESS: ${JSON.stringify(phase.slice(0, 80))}`);
    }
    onStatus(status);
    return await Promise.race([done, aborted.promise]);
  } finally {
    aborted.remove();
    await subscription?.close();
  }
}

/**
 * Collects HS_DESC events from the moment it is created, so the caller can create an onion service
 * (ADD_ONION) afterwards and then wait for that service's upload without a race. close() unsubscribes.
 */
export class HsDescWatcher {
  readonly #uploaded = new Map<string, HsDescEvent>();
  readonly #waiters = new Map<string, Set<(event: HsDescEvent) => void>>();
  #subscription: Subscription | undefined;
  readonly #progress: ProgressOptions;

  private constructor(progress: ProgressOptions) {
    this.#progress = progress;
  }

  /** Subscribes to HS_DESC and resolves once tor has confirmed the subscription. Honours `signal`. */
  static async start(ctl: TorControl, options: AbortOptions & ProgressOptions = {}): Promise<HsDescWatcher> {
    const watcher = new HsDescWatcher(options);
    watcher.#subscription = await ctl.subscribe('HS_DESC', (event) => watcher.#onEvent(event), options);
    return watcher;
  }

  #onEvent(event: HsDescEvent): void {
    if (event.action === 'FAILED') {
      log.debug('descriptor upload failed for', sensitive(event.address), 'reason', event.reason);
      report(this.#progress, 'onion:descriptor-upload-failed', { hsDir: event.hsDir, reason: event.reason });
      return;
    }
    if (event.action !== 'UPLOADED') return;
    if (!this.#uploaded.has(event.address)) {
      report(this.#progress, 'onion:descriptor-uploaded', { hsDir: event.hsDir });
      this.#uploaded.set(event.address, event);
    }
    for (const waiter of this.#waiters.get(event.address) ?? []) waiter(event);
  }

  /**
   * Resolves with the first UPLOADED event for `serviceId` (seen since start()). Honours `signal`; the
   * upload needs a working network, so pass a deadline. Throws VEIL_TOR_CONTROL_ARGUMENT, VEIL_ABORTED/VEIL_TIMEOUT.
   */
  async uploaded(serviceId: string, options: AbortOptions = {}): Promise<HsDescEvent> {
    assertServiceId(serviceId);
    const what = 'waiting for the onion service descriptor upload';
    throwIfAborted(options.signal, what);
    const seen = this.#uploaded.get(serviceId);
    if (seen) return seen;
    let set = this.#waiters.get(serviceId);
    if (!set) this.#waiters.set(serviceId, (set = new Set()));
    let waiter: (event: HsDescEvent) => void = () => undefined;
    const arrived = new Promise<HsDescEvent>((resolve) => (waiter = resolve));
    set.add(waiter);
    const aborted = abortPromise(options.signal, what);
    try {
      return await Promise.race([arrived, aborted.promise]);
    } finally {
      aborted.remove();
      set.delete(waiter);
      if (set.size === 0) this.#waiters.delete(serviceId);
    }
  }

  /** Unsubscribes (SETEVENTS without HS_DESC unless others need it). Idempotent. */
  async close(): Promise<void> {
    await this.#subscription?.close();
  }
}

/**
 * Waits for the descriptor of `serviceId` to be uploaded (HS_DESC UPLOADED). Subscribes first, then runs
 * `trigger` if given (e.g. the ADD_ONION with a saved key), then waits. Reports `onion:descriptor-uploaded`.
 * Honours `signal`.
 */
export async function waitForHsDescUploaded(
  ctl: TorControl,
  serviceId: string,
  options: AbortOptions & ProgressOptions & { trigger?: () => Promise<unknown> } = {},
): Promise<HsDescEvent> {
  assertServiceId(serviceId);
  const watcher = await HsDescWatcher.start(ctl, options);
  try {
    await options.trigger?.();
    return await watcher.uploaded(serviceId, options);
  } finally {
    await watcher.close();
  }
}
