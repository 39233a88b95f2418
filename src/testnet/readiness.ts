/**
 * When is a testnet client ready? When, seen through its control port:
 * 1. it has bootstrapped (`GETINFO status/bootstrap-phase` says PROGRESS=100; control-spec 3.9 and 4.1.10), and
 * 2. its consensus lists every relay of the network as Running, every exit with the Exit flag, and it holds
 *    the server descriptor of every exit (`GETINFO ns/all`, `desc/id/<fp>`; control-spec 3.9). Without 2 the
 *    first onion service or exit test can fail while the client still waits for the next consensus.
 *
 * Nothing is polled on a timer: the state is read again whenever tor sends STATUS_CLIENT, NEWCONSENSUS or
 * NEWDESC (subscribed before the first read, so that no change is missed).
 */
import { VeilError, abortError, isVeilError, logger, report, throwIfAborted, type AbortOptions, type ProgressOptions } from '../core/index.js';
import { connectLocal } from '../net/local-daemon.js';
import { TorControl } from '../tor/control/client.js';
import { authenticate } from '../tor/control/auth.js';

const log = logger('veil:testnet:readiness');

export interface ClientReadyTarget {
  readonly name: string;
  /**
   * 'client': bootstrapped, every relay Running, every exit's descriptor held.
   * 'authority': its consensus lists every relay Running and every exit flagged Exit (clients started after
   * this fetch a complete consensus at once instead of backing off while there is none).
   */
  readonly kind: 'client' | 'authority';
  readonly controlPort: number;
  readonly cookiePath: string;
  /** Fingerprints (40 upper-case hex) of every relay, authorities included. */
  readonly relayFingerprints: readonly string[];
  readonly exitFingerprints: readonly string[];
}

/** What the client knows, for progress events and the error message when it never gets ready. */
export interface ClientView {
  bootstrapProgress: number;
  bootstrapTag: string;
  runningRelays: number;
  exitsWithDescriptor: number;
}

export function newClientView(): ClientView {
  return { bootstrapProgress: 0, bootstrapTag: 'starting', runningRelays: 0, exitsWithDescriptor: 0 };
}

/**
 * Waits until the client is ready (see the file comment). Rejects with VEIL_ABORTED / VEIL_TIMEOUT from
 * `signal` (the caller's deadline), or with the control client's errors. Honours `signal`.
 */
export async function waitClientReady(
  target: ClientReadyTarget,
  view: ClientView = newClientView(),
  options: AbortOptions & ProgressOptions = {},
): Promise<ClientView> {
  const what = `wait for testnet client ${target.name}`;
  const { signal } = options;
  throwIfAborted(signal, what);
  const socket = await connectLocal({ kind: 'tcp', host: '127.0.0.1', port: target.controlPort }, { signal });
  const control = new TorControl(socket);
  try {
    await authenticate(control, { cookiePath: target.cookiePath, signal });
    return await new Promise<ClientView>((resolve, reject) => {
      let isEvaluating = false;
      let isDirty = false;
      let isDone = false;
      const finish = (err: unknown): void => {
        if (isDone) return;
        isDone = true;
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve(view);
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
            report(options, 'testnet:client-progress', { name: target.name, ...view });
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
      Promise.all(['STATUS_CLIENT', 'NEWCONSENSUS', 'NEWDESC'].map((name) => control.subscribe(name, listener, { signal }))).then(
        () => evaluate(),
        (err: unknown) => finish(err),
      );
    });
  } finally {
    await control.close();
  }
}

/** Reads bootstrap state and the consensus; updates `view`; true when ready. */
async function readView(control: TorControl, target: ClientReadyTarget, view: ClientView, options: AbortOptions): Promise<boolean> {
  const phase = (await control.getInfo(['status/bootstrap-phase'], options)).get('status/bootstrap-phase') ?? '';
  view.bootstrapProgress = Number(/\bPROGRESS=(\d+)/.exec(phase)?.[1] ?? '0');
  view.bootstrapTag = /\bTAG=(\S+)/.exec(phase)?.[1] ?? 'unknown';
  if (target.kind === 'client' && view.bootstrapProgress < 100) return false;

  let ns: string;
  try {
    ns = (await control.getInfo(['ns/all'], options)).get('ns/all') ?? '';
  } catch (err) {
    // 551/552 while the tor has no consensus yet: the next NEWCONSENSUS event brings us back here.
    if (isVeilError(err, 'VEIL_TOR_CONTROL_REJECTED')) return false;
    throw err;
  }
  const flags = parseRouterStatuses(ns);
  view.runningRelays = target.relayFingerprints.filter((fp) => flags.get(fp)?.has('Running')).length;
  const exitsFlagged = target.exitFingerprints.filter((fp) => flags.get(fp)?.has('Exit'));
  if (target.kind === 'authority') {
    view.exitsWithDescriptor = exitsFlagged.length;
    return view.runningRelays === target.relayFingerprints.length && exitsFlagged.length === target.exitFingerprints.length;
  }
  let withDescriptor = 0;
  for (const fp of exitsFlagged) {
    // 552 "Unrecognized key" or "not found" until the descriptor has been fetched: not an error here.
    const reply = await control.sendRaw('GETINFO', [`desc/id/${fp}`], options);
    if (reply.status === 250) withDescriptor++;
  }
  view.exitsWithDescriptor = withDescriptor;
  log.debug(`client ${target.name}: ${view.runningRelays}/${target.relayFingerprints.length} relays running, ${withDescriptor}/${target.exitFingerprints.length} exits usable`);
  return view.runningRelays === target.relayFingerprints.length && withDescriptor === target.exitFingerprints.length;
}

/**
 * Parses the router status entries of `GETINFO ns/all` (dir-spec 3.4.1: "r" line with the base64 identity,
 * then an "s" line with flags) into flags by upper-case hex fingerprint. Unknown lines are ignored.
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

/** The message of VEIL_TESTNET_NOT_READY for one client. */
export function describeView(name: string, view: ClientView, target: ClientReadyTarget): string {
  return `${name}: bootstrap ${view.bootstrapProgress}% (${view.bootstrapTag}), ${view.runningRelays}/${target.relayFingerprints.length} relays running, ${view.exitsWithDescriptor}/${target.exitFingerprints.length} exits usable`;
}

export function notReadyError(details: readonly string[], cause: unknown): VeilError {
  return new VeilError('VEIL_TESTNET_NOT_READY', `the private Tor network did not become ready: ${details.join('; ')}`, { cause });
}
