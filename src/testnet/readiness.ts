/**
 * When is a tor of the testnet ready? When, seen through its control port (control-spec 3.9 GETINFO):
 * 1. its consensus (`ns/all`) lists every relay of the network as Running and every exit with the Exit flag;
 * 2. it holds the server descriptor of every relay (`desc/id/<fp>`): relays are the directory caches clients
 *    ask, and a cache that lacks a descriptor answers 404 and sends the client into a ~10 s back-off;
 * 3. for clients, first of all: it has bootstrapped (src/tor's waitForBootstrap: STATUS_CLIENT events and
 *    `status/bootstrap-phase` PROGRESS=100, control-spec 4.1.10).
 *
 * Nothing is polled on a timer: the state is read again whenever tor sends NEWCONSENSUS or NEWDESC
 * (subscribed before the first read, so that no change is missed).
 */
import { VeilError, abortError, isVeilError, logger, report, throwIfAborted, type AbortOptions, type ProgressOptions } from '../core/index.js';
import { connectLocal } from '../net/index.js';
import { openTorControl, waitForBootstrap, type OpenedTorControl, type TorControl } from '../tor/index.js';

const log = logger('veil:testnet:readiness');

export interface ReadyTarget {
  readonly name: string;
  readonly controlPort: number;
  readonly cookiePath: string;
  /** Clients must also have bootstrapped; relays and authorities need not build circuits. */
  readonly isClient: boolean;
  /** Fingerprints (40 upper-case hex) of every relay, authorities included. */
  readonly relayFingerprints: readonly string[];
  readonly exitFingerprints: readonly string[];
}

/** What one tor knows, for progress events and for the message when it never gets ready. */
export interface TorView {
  bootstrapProgress: number;
  bootstrapTag: string;
  runningRelays: number;
  flaggedExits: number;
  descriptors: number;
}

export function newTorView(): TorView {
  return { bootstrapProgress: 0, bootstrapTag: 'starting', runningRelays: 0, flaggedExits: 0, descriptors: 0 };
}

/**
 * Waits until the tor behind `target.controlPort` is ready (see the file comment), updating `view` as it
 * learns. Rejects with abortError(signal) (the caller's deadline or failure reason), or with the control
 * client's errors. Honours `signal`.
 */
export async function waitTorReady(target: ReadyTarget, view: TorView, options: AbortOptions & ProgressOptions = {}): Promise<void> {
  const what = `wait for testnet tor ${target.name}`;
  const { signal } = options;
  throwIfAborted(signal, what);
  const { control } = await openControl(target, { signal });
  try {
    if (target.isClient) {
      const status = await waitForBootstrap(control, {
        signal,
        onProgress: (event) => {
          view.bootstrapProgress = Number(event.detail['progress'] ?? view.bootstrapProgress);
          view.bootstrapTag = String(event.detail['tag'] ?? view.bootstrapTag);
          report(options, 'testnet:tor-progress', { name: target.name, ...view });
        },
      });
      view.bootstrapProgress = status.progress;
    }
    await new Promise<void>((resolve, reject) => {
      let isEvaluating = false;
      let isDirty = false;
      let isDone = false;
      const finish = (err: unknown): void => {
        if (isDone) return;
        isDone = true;
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onAbort = (): void => finish(abortError(signal!, what));
      signal?.addEventListener('abort', onAbort, { once: true });
      const evaluate = (): void => {
        if (isDone) return;
        if (isEvaluating) {
          isDirty = true;
          return;
        }
        isEvaluating = true;
        isDirty = false;
        readView(control, target, view, { signal }).then(
          (isReady) => {
            isEvaluating = false;
            report(options, 'testnet:tor-progress', { name: target.name, ...view });
            if (isReady) finish(undefined);
            else if (isDirty) evaluate();
          },
          (err: unknown) => {
            isEvaluating = false;
            finish(err);
          },
        );
      };
      const listener = (): void => evaluate();
      Promise.all(['NEWCONSENSUS', 'NEWDESC'].map((name) => control.subscribe(name, listener, { signal }))).then(
        () => evaluate(),
        (err: unknown) => finish(err),
      );
    });
  } finally {
    await control.close();
  }
}

/**
 * Sends SIGNAL RELOAD (= SIGHUP, control-spec 3.7). Besides re-reading the (unchanged) torrc, tor then resets
 * its directory download back-off and fetches the consensus at once (tor's do_hup(): "retry appropriate
 * downloads"): relays that met 404s before the first consensus existed need not wait out their back-off.
 * Honours `signal`.
 */
export async function reloadTor(target: ReadyTarget, options: AbortOptions = {}): Promise<void> {
  const { control } = await openControl(target, options);
  try {
    await control.signal('RELOAD', options);
  } finally {
    await control.close();
  }
}

/** An authenticated control connection to a testnet tor (cookie authentication, src/tor's openTorControl). */
function openControl(target: ReadyTarget, options: AbortOptions): Promise<OpenedTorControl> {
  return openTorControl(connectLocal, { kind: 'tcp', host: '127.0.0.1', port: target.controlPort }, { cookiePath: target.cookiePath, signal: options.signal });
}

/** Reads the consensus and the descriptors; updates `view`; true when ready. */
async function readView(control: TorControl, target: ReadyTarget, view: TorView, options: AbortOptions): Promise<boolean> {
  const ns = await getInfoIfKnown(control, 'ns/all', options);
  if (ns === undefined) return false;
  const flags = parseRouterStatuses(ns);
  view.runningRelays = target.relayFingerprints.filter((fp) => flags.get(fp)?.has('Running')).length;
  view.flaggedExits = target.exitFingerprints.filter((fp) => flags.get(fp)?.has('Exit')).length;
  if (view.runningRelays < target.relayFingerprints.length || view.flaggedExits < target.exitFingerprints.length) return false;

  let descriptors = 0;
  for (const fp of target.relayFingerprints) {
    if ((await getInfoIfKnown(control, `desc/id/${fp}`, options)) !== undefined) descriptors++;
  }
  view.descriptors = descriptors;
  log.debug(`${target.name}: ${view.runningRelays} relays running, ${descriptors} descriptors`);
  return descriptors === target.relayFingerprints.length;
}

/** GETINFO of one key, or undefined when tor does not have it yet (551/552: no consensus, descriptor not fetched). */
async function getInfoIfKnown(control: TorControl, key: string, options: AbortOptions): Promise<string | undefined> {
  try {
    return (await control.getInfo([key], options)).get(key);
  } catch (err) {
    if (isVeilError(err, 'VEIL_TOR_CONTROL_REJECTED')) return undefined;
    throw err;
  }
}

/**
 * Parses the router status entries of `GETINFO ns/all` (dir-spec 3.4.1: an "r" line with the base64 identity,
 * then an "s" line with flags) into flags by upper-case hex fingerprint. Other lines are ignored.
 */
export function parseRouterStatuses(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const words = line.trim().split(' ');
    if (words[0] === 'r' && words[2] !== undefined) {
      const id = Buffer.from(words[2], 'base64');
      current = id.length === 20 ? id.toString('hex').toUpperCase() : undefined;
    } else if (words[0] === 's' && current !== undefined) {
      out.set(current, new Set(words.slice(1)));
      current = undefined;
    }
  }
  return out;
}

/** One clause of the VEIL_TESTNET_NOT_READY message. */
export function describeView(target: ReadyTarget, view: TorView): string {
  const n = target.relayFingerprints.length;
  const boot = target.isClient ? `bootstrap ${view.bootstrapProgress}% (${view.bootstrapTag}), ` : '';
  return `${target.name}: ${boot}${view.runningRelays}/${n} relays running, ${view.flaggedExits}/${target.exitFingerprints.length} exits flagged, ${view.descriptors}/${n} descriptors`;
}

export function notReadyError(details: readonly string[], cause: unknown): VeilError {
  return new VeilError('VEIL_TESTNET_NOT_READY', `the private Tor network did not become ready: ${details.join('; ')}`, { cause });
}
