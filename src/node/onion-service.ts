/**
 * Publishing an onion service from a saved key (T9): ADD_ONION with the stored ED25519-V3 key, forwarding the
 * virtual port to 127.0.0.1:<local port>; DEL_ONION when closed. The same key always gives the same address.
 * Used for the node's own service ([tor] onion = true) and, later, for `veil onion add` services.
 */
import { readFile } from 'node:fs/promises';
import { VeilError, logger, report, sensitive, withTimeout, isVeilError, type AbortOptions, type Closable, type ProgressOptions } from '../core/index.js';
import { HsDescWatcher, type AddOnionRequest, type TorControl } from '../tor/index.js';

const log = logger('veil:node:onion');

export interface OnionServiceSpec {
  /** Absolute path of the key file (`ED25519-V3:<base64>`). */
  readonly keyFile: string;
  readonly virtualPort: number;
  readonly localPort: number;
  /** Base32 x25519 public keys of authorised clients (v3 client authorization); empty: anyone. */
  readonly clientAuthV3?: readonly string[] | undefined;
}

export type OnionState = 'publishing' | 'published' | 'upload-failed' | 'withdrawn';

export interface PublishedOnion extends Closable {
  readonly serviceId: string;
  /** `<id>.onion`. */
  readonly address: string;
  readonly state: OnionState;
  /** Resolves true once a descriptor was uploaded to an HSDir, false if none was within the deadline. */
  readonly uploaded: Promise<boolean>;
}

const KEY_LINE = /^ED25519-V3:[A-Za-z0-9+/]{86}==$|^ED25519-V3:[A-Za-z0-9+/]{88}$/;

/** Reads and checks an onion service key file. Throws VEIL_NODE_KEY_UNREADABLE. */
export async function readOnionKey(keyFile: string, options: AbortOptions = {}): Promise<string> {
  let text: string;
  try {
    text = await readFile(keyFile, { encoding: 'latin1', signal: options.signal });
  } catch (err) {
    throw new VeilError('VEIL_NODE_KEY_UNREADABLE', `cannot read the onion service key ${keyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const key = text.trim();
  if (!KEY_LINE.test(key)) {
    throw new VeilError('VEIL_NODE_KEY_UNREADABLE', `the onion service key ${keyFile} is not an ED25519-V3 key`, {
      hint: 'restore the key file from a backup; without it the onion address cannot be kept (a new node gets a new address)',
    });
  }
  return key;
}

export const ONION_UPLOAD_DEFAULTS = Object.freeze({
  /** How long one publication waits for its descriptor upload before the service is added again. */
  attemptMs: 30_000,
  /** Publications in all (the first and the re-adds). */
  attempts: 4,
});

/**
 * Waits for the first descriptor upload of `serviceId`. Tor uploads a new service's descriptor once and, after a
 * failed upload, waits for its next scheduled one; so when no upload is confirmed within `attemptMs`, the service
 * is added again (DEL_ONION + ADD_ONION of `request`: same key, same address), which uploads it afresh, up to
 * `attempts` publications in all. Resolves true on an upload, false when none came (the service stays published)
 * or `signal` aborted (then it adds nothing more). Never rejects.
 */
export async function awaitDescriptorUpload(
  control: TorControl,
  watcher: Pick<HsDescWatcher, 'uploaded'>,
  serviceId: string,
  request: AddOnionRequest,
  options: { signal: AbortSignal; attempts?: number | undefined; attemptMs?: number | undefined },
): Promise<boolean> {
  const attempts = options.attempts ?? ONION_UPLOAD_DEFAULTS.attempts;
  const attemptMs = options.attemptMs ?? ONION_UPLOAD_DEFAULTS.attemptMs;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await watcher.uploaded(serviceId, { signal: withTimeout(options.signal, attemptMs) });
        return true;
      } catch (err) {
        if (options.signal.aborted || control.isClosed || attempt >= attempts) {
          if (!options.signal.aborted) log.warn('no descriptor upload seen for an onion service:', isVeilError(err) ? err.code : String(err));
          return false;
        }
        log.debug('no descriptor upload yet; publishing the onion service again');
        await control.delOnion(serviceId).catch((e: unknown) => log.debug('DEL_ONION failed:', e));
        if (options.signal.aborted) return false;
        await control.addOnion(request, { signal: options.signal });
      }
    }
  } catch (err) {
    if (!options.signal.aborted) log.warn('republishing an onion service failed:', isVeilError(err) ? err.code : String(err));
    return false;
  }
}

/**
 * Publishes the service on `control` and watches for its descriptor upload: `uploadTimeoutMs` (default 30 s) per
 * attempt, re-adding the service (same key) after each, `attempts` (default 4) in all; the service stays published
 * after the last, only `uploaded` resolves false. Reports
 * `onion:published` and `onion:descriptor-uploaded`. Throws VEIL_NODE_KEY_UNREADABLE, VEIL_TOR_*; honours `signal`.
 */
export async function publishOnionService(
  control: TorControl,
  spec: OnionServiceSpec,
  options: AbortOptions & ProgressOptions & { uploadTimeoutMs?: number; attempts?: number } = {},
): Promise<PublishedOnion> {
  const privateKey = await readOnionKey(spec.keyFile, options);
  const request = {
    privateKey,
    ports: [{ virtualPort: spec.virtualPort, target: `127.0.0.1:${spec.localPort}` }],
    ...(spec.clientAuthV3 && spec.clientAuthV3.length > 0 ? { clientAuthV3: spec.clientAuthV3 } : {}),
  };
  const watcher = await HsDescWatcher.start(control, options);
  let serviceId: string;
  try {
    serviceId = (await control.addOnion(request, { signal: options.signal })).serviceId;
  } catch (err) {
    await watcher.close();
    throw err;
  }
  const address = `${serviceId}.onion`;
  log.info('onion service published', sensitive(address));
  report(options, 'onion:published', {});
  let state: OnionState = 'publishing';
  const stop = new AbortController();
  const watch = (): Promise<boolean> =>
    awaitDescriptorUpload(control, watcher, serviceId, request, { signal: stop.signal, attempts: options.attempts, attemptMs: options.uploadTimeoutMs });
  const uploaded = watch()
    .then((ok) => {
      if (state === 'publishing') state = ok ? 'published' : 'upload-failed';
      return ok;
    })
    .finally(() => watcher.close());
  let closing: Promise<void> | undefined;
  return {
    serviceId,
    address,
    get state() {
      return state;
    },
    uploaded,
    close: () =>
      (closing ??= (async () => {
        stop.abort();
        state = 'withdrawn';
        await uploaded;
        if (!control.isClosed) {
          await control.delOnion(serviceId).catch((err: unknown) => log.debug('DEL_ONION failed:', err));
        }
      })()),
  };
}
