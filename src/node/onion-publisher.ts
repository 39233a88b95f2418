/**
 * Publishing the saved onion services of a node directory (`veil onion add`) from the running node.
 *
 * Ownership: the services belong to `veil run`. They are added on the node's own control connection without
 * the Detach flag (control-spec 3.27), so tor withdraws them when the node stops or loses tor, exactly like the
 * node's own onion service; after a reconnect the node calls republishSavedOnionServices() again. The CLI
 * never publishes: it edits the registry (onion-registry.ts) and bumps its generation file; the publisher
 * watches the registry directory and reconciles (publish what is saved, withdraw what is not).
 *
 * Rotation: the new key is published before the old one is withdrawn. A retiring key stays published until its
 * `withdrawAt` (the grace period, a timer here), and even with no grace it is withdrawn only once the new
 * descriptor was uploaded (or `uploadTimeoutMs` passed).
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError, isVeilError, logger, report, sensitive, throwIfAborted, type AbortOptions, type Closable, type ProgressOptions } from '../core/index.js';
import { HsDescWatcher, type TorControl } from '../tor/index.js';
import { ONION_UPLOAD_DEFAULTS, awaitDescriptorUpload } from './onion-service.js';
import { ONION_GENERATION_FILE, readSavedKey, readSavedServices, registryDir, type SavedOnionKey, type SavedOnionService } from './onion-registry.js';

const log = logger('veil:node:onion');

export const ONION_PUBLISHER_DEFAULTS = Object.freeze({
  /**
   * How long to wait for a descriptor upload (before `uploaded` resolves false), in all: a service whose upload is
   * not seen within a quarter of it is added again with the same key (awaitDescriptorUpload).
   */
  uploadTimeoutMs: 120_000,
  /** Fallback re-read of the registry, in case the directory watcher misses an event. */
  pollIntervalMs: 10_000,
});

export type SavedOnionState = 'publishing' | 'published' | 'upload-failed';

export interface PublishedSavedOnion {
  readonly name: string;
  readonly serviceId: string;
  /** 'current', or 'retiring' for a rotated-out key inside its grace period. */
  readonly role: 'current' | 'retiring';
  readonly state: SavedOnionState;
}

export interface SavedOnionPublisher extends Closable {
  /** What this publisher has published right now. */
  published(): PublishedSavedOnion[];
  /** Problems of the last reconcile, by service name (a corrupt file, a rejected ADD_ONION). */
  problems(): ReadonlyMap<string, VeilError>;
  /** Re-reads the registry and reconciles now; resolves when done. Also runs on every registry change. */
  sync(): Promise<void>;
}

export interface RepublishOptions extends AbortOptions, ProgressOptions {
  readonly uploadTimeoutMs?: number | undefined;
  readonly pollIntervalMs?: number | undefined;
}

interface Desired {
  readonly service: SavedOnionService;
  readonly key: SavedOnionKey;
  readonly role: 'current' | 'retiring';
  /** Everything that ADD_ONION depends on besides the key: a change means DEL + ADD. */
  readonly fingerprint: string;
}

interface Entry {
  readonly name: string;
  readonly serviceId: string;
  role: 'current' | 'retiring';
  readonly fingerprint: string;
  state: SavedOnionState;
  readonly uploaded: Promise<boolean>;
  /** Aborted when the entry is withdrawn: stops its re-adds. */
  readonly stop: AbortController;
}

/** The services and keys the registry asks to be published at `now` (pure). */
export function desiredKeys(services: readonly SavedOnionService[], now: number): Desired[] {
  const out: Desired[] = [];
  for (const service of services) {
    // Restricted discovery with no client left: publish nothing rather than a public service.
    if (service.clientAuth && service.clients.length === 0) continue;
    const auth = service.clientAuth ? service.clients.map((c) => c.publicKey).sort() : [];
    const fingerprint = `${service.virtualPort} ${service.target} ${auth.join(',')}`;
    out.push({ service, key: service.current, role: 'current', fingerprint });
    for (const r of service.retiring) {
      if (Date.parse(r.withdrawAt) > now && r.serviceId !== service.current.serviceId) out.push({ service, key: r, role: 'retiring', fingerprint });
    }
  }
  return out;
}

/** The earliest future withdrawal time, or undefined (pure). */
export function nextWithdrawal(services: readonly SavedOnionService[], now: number): number | undefined {
  let next: number | undefined;
  for (const s of services) for (const r of s.retiring) {
    const t = Date.parse(r.withdrawAt);
    if (t > now && (next === undefined || t < next)) next = t;
  }
  return next;
}

class Publisher implements SavedOnionPublisher {
  readonly #control: TorControl;
  readonly #nodeDir: string;
  readonly #options: RepublishOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #problems = new Map<string, VeilError>();
  readonly #stop = new AbortController();
  #hsDesc: HsDescWatcher | undefined;
  #fsWatcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #isDirty = false;
  #closing: Promise<void> | undefined;
  #generation = '';

  constructor(control: TorControl, nodeDir: string, options: RepublishOptions) {
    this.#control = control;
    this.#nodeDir = nodeDir;
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#hsDesc = await HsDescWatcher.start(this.#control, this.#options);
    const dir = registryDir(this.#nodeDir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Only the generation file counts: reading the registry changes access times, which the watcher also reports.
    this.#fsWatcher = watch(dir, (_event, file) => {
      if (file === null || file === ONION_GENERATION_FILE) void this.#checkGeneration();
    });
    this.#fsWatcher.on('error', (err) => log.debug('onion registry watcher error:', err));
    this.#poll = setInterval(() => void this.#checkGeneration(), this.#options.pollIntervalMs ?? ONION_PUBLISHER_DEFAULTS.pollIntervalMs);
    this.#poll.unref();
    this.#generation = await this.#readGeneration();
    void this.#control.closed.then(() => this.close());
    await this.sync();
  }

  published(): PublishedSavedOnion[] {
    return [...this.#entries.values()].map((e) => ({ name: e.name, serviceId: e.serviceId, role: e.role, state: e.state }));
  }

  problems(): ReadonlyMap<string, VeilError> {
    return this.#problems;
  }

  async #readGeneration(): Promise<string> {
    try {
      return await readFile(join(registryDir(this.#nodeDir), ONION_GENERATION_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
  }

  /** Reconciles when the generation file changed since the last pass. */
  async #checkGeneration(): Promise<void> {
    try {
      const now = await this.#readGeneration();
      if (now === this.#generation) return;
      this.#generation = now;
    } catch (err) {
      log.debug('cannot read the onion registry generation:', err);
      return;
    }
    this.#kick();
  }

  #kick(): void {
    if (this.#stop.signal.aborted) return;
    void this.sync().catch((err: unknown) => log.warn('republishing saved onion services failed:', err));
  }

  /** Runs reconcile passes one at a time; a request during a pass runs one more pass after it. */
  sync(): Promise<void> {
    if (this.#running) {
      this.#isDirty = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#isDirty = false;
          await this.#reconcile();
        } while (this.#isDirty && !this.#stop.signal.aborted);
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  async #reconcile(): Promise<void> {
    if (this.#stop.signal.aborted || this.#control.isClosed) return;
    const { services, problems } = await readSavedServices(this.#nodeDir);
    this.#problems.clear();
    for (const [name, err] of problems) {
      this.#problems.set(name, err);
      log.warn('a saved onion service is unusable:', err.message);
    }
    const now = Date.now();
    const desired = desiredKeys(services, now);
    const wanted = new Map(desired.map((d) => [d.key.serviceId, d]));
    const fresh = new Map<string, Promise<boolean>>();
    // 1. Publish (new keys first: rotation never leaves a gap).
    for (const d of desired) {
      const have = this.#entries.get(d.key.serviceId);
      if (have && have.fingerprint === d.fingerprint) {
        have.role = d.role;
        continue;
      }
      try {
        if (have) await this.#withdraw(have);
        const entry = await this.#publish(d);
        if (d.role === 'current') fresh.set(d.service.name, entry.uploaded);
      } catch (err) {
        if (this.#stop.signal.aborted) return;
        const e = isVeilError(err) ? err : new VeilError('VEIL_BUG', `internal error (a bug in Veil): ${String(err)}`, { cause: err });
        this.#problems.set(d.service.name, e);
        log.warn(`cannot publish the saved onion service ${d.service.name}:`, e.message);
        report(this.#options, 'onion:saved-failed', { name: d.service.name, code: e.code });
      }
    }
    // 2. Withdraw what is no longer wanted (services of unreadable files keep what they had).
    for (const entry of [...this.#entries.values()]) {
      if (wanted.has(entry.serviceId) || problems.has(entry.name)) continue;
      const newer = fresh.get(entry.name);
      if (newer) await newer; // bounded by uploadTimeoutMs
      if (this.#stop.signal.aborted) return;
      await this.#withdraw(entry);
    }
    this.#schedule(services, now);
  }

  #schedule(services: readonly SavedOnionService[], now: number): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const next = nextWithdrawal(services, now);
    if (next === undefined || this.#stop.signal.aborted) return;
    // setTimeout takes at most 2^31-1 ms; a longer grace is re-armed by the poll.
    this.#timer = setTimeout(() => this.#kick(), Math.min(next - now + 50, 2 ** 31 - 1));
  }

  async #publish(d: Desired): Promise<Entry> {
    const privateKey = await readSavedKey(this.#nodeDir, d.service, d.key);
    const clientAuthV3 = d.service.clientAuth ? d.service.clients.map((c) => c.publicKey) : [];
    const request = {
      privateKey,
      ports: [{ virtualPort: d.service.virtualPort, target: d.service.target }],
      ...(clientAuthV3.length > 0 ? { clientAuthV3 } : {}),
    };
    let serviceId: string;
    try {
      serviceId = (await this.#control.addOnion(request, { signal: this.#stop.signal })).serviceId;
    } catch (err) {
      if (!isVeilError(err, 'VEIL_TOR_CONTROL_REJECTED') || !/collision/i.test(err.message)) throw err;
      // A detached copy (left by another program) may be taken over; one owned by another connection may not.
      const detached = (await this.#control.getInfo(['onions/detached'])).get('onions/detached') ?? '';
      if (!detached.split(/\s+/).includes(d.key.serviceId)) {
        throw new VeilError('VEIL_ONION_ADDRESS_COLLISION', `tor already publishes the onion service ${d.service.name} for another control connection`, { cause: err });
      }
      await this.#control.delOnion(d.key.serviceId);
      serviceId = (await this.#control.addOnion(request, { signal: this.#stop.signal })).serviceId;
    }
    if (serviceId !== d.key.serviceId) {
      await this.#control.delOnion(serviceId).catch((e: unknown) => log.debug('DEL_ONION failed:', e));
      throw new VeilError('VEIL_ONION_STATE_CORRUPT', `the key of the onion service ${d.service.name} does not match its saved address`);
    }
    const stop = new AbortController();
    const onClose = (): void => stop.abort();
    this.#stop.signal.addEventListener('abort', onClose, { once: true });
    const attempts = ONION_UPLOAD_DEFAULTS.attempts;
    const total = this.#options.uploadTimeoutMs ?? ONION_PUBLISHER_DEFAULTS.uploadTimeoutMs;
    const entry: Entry = {
      name: d.service.name,
      serviceId,
      role: d.role,
      fingerprint: d.fingerprint,
      state: 'publishing',
      stop,
      uploaded: awaitDescriptorUpload(this.#control, this.#hsDesc!, serviceId, request, { signal: stop.signal, attempts, attemptMs: Math.ceil(total / attempts) }).then((ok) => {
        this.#stop.signal.removeEventListener('abort', onClose);
        if (entry.state === 'publishing') entry.state = ok ? 'published' : 'upload-failed';
        return ok;
      }),
    };
    this.#entries.set(serviceId, entry);
    log.info(`saved onion service ${d.service.name} published`, sensitive(`${serviceId}.onion`));
    report(this.#options, 'onion:saved-published', { name: d.service.name, role: d.role });
    return entry;
  }

  async #withdraw(entry: Entry): Promise<void> {
    this.#entries.delete(entry.serviceId);
    entry.stop.abort();
    if (this.#control.isClosed) return;
    try {
      await this.#control.delOnion(entry.serviceId);
    } catch (err) {
      // Already gone (tor restarted, or DEL_ONION from elsewhere): nothing left to withdraw.
      log.debug('DEL_ONION failed:', isVeilError(err) ? err.message : err);
    }
    log.info(`onion service ${entry.name} withdrawn`, sensitive(`${entry.serviceId}.onion`));
    report(this.#options, 'onion:saved-withdrawn', { name: entry.name, role: entry.role });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stop.abort();
      this.#fsWatcher?.close();
      clearInterval(this.#poll);
      clearTimeout(this.#timer);
      await this.#running?.catch(() => undefined);
      for (const entry of [...this.#entries.values()]) await this.#withdraw(entry);
      await this.#hsDesc?.close().catch((err: unknown) => log.debug('closing the HS_DESC watcher:', err));
    })();
    return this.#closing;
  }
}

/**
 * Publishes every saved onion service of `nodeDir` on `control` and keeps them in line with the registry
 * until close() (which withdraws them). Call it again after every reconnect to tor (closing the previous
 * one first). A service that cannot be published is logged and reported (`onion:saved-failed`), never fatal.
 * Reports `onion:saved-published` / `onion:saved-withdrawn`. Throws VEIL_TOR_CONTROL_* when tor cannot be
 * subscribed to; honours `signal` for the initial pass.
 */
export async function republishSavedOnionServices(control: TorControl, nodeDir: string, options: RepublishOptions = {}): Promise<SavedOnionPublisher> {
  throwIfAborted(options.signal, 'republishing saved onion services');
  const publisher = new Publisher(control, nodeDir, options);
  const onAbort = (): void => void publisher.close();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await publisher.start();
    throwIfAborted(options.signal, 'republishing saved onion services');
    return publisher;
  } catch (err) {
    await publisher.close();
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
