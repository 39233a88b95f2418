/**
 * The operations behind `veil onion add|list|remove|rotate|auth`: they edit the saved services
 * (onion-registry.ts) and, when a node is running in the directory, wait until the node has published the
 * change (the node publishes, see onion-publisher.ts: the CLI never owns a service).
 *
 * Waiting without a race: the CLI subscribes to HS_DESC on the node's tor BEFORE it writes the change, then
 * waits for the UPLOADED event of the new service id (HsDescWatcher, control-spec 4.1.25), with a deadline.
 */
import { VeilError, isVeilError, logger, withTimeout, type AbortOptions, type ProgressOptions } from '../core/index.js';
import { loadNodeConfig } from '../config/index.js';
import { HsDescWatcher, type TorControl } from '../tor/index.js';
import { generateClientAuthKeyPair, generateOnionServiceKey, formatAuthPrivateLine } from './onion-keys.js';
import { openNodeTorControl, runningNodePid } from './onion-node-tor.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock } from './file-lock.js';
import {
  deleteSavedService,
  registryDir,
  pruneRetired,
  readSavedService,
  readSavedServices,
  writeKeyFile,
  writeSavedService,
  type AuthorizedClient,
  type SavedOnionService,
} from './onion-registry.js';
import { assertOnionName, formatOnionTarget, parseOnionTarget, parseServicePort } from './onion-target.js';

const log = logger('veil:node:onion');
/** In the registry directory: held by a `veil onion` command while it changes the saved services. */
export const ONION_LOCK_FILE = '.lock';

export const ONION_MANAGER_DEFAULTS = Object.freeze({
  /** How long `veil onion add/rotate` waits for the running node to publish (descriptor uploaded). */
  publishWaitMs: 120_000,
  /** Most retiring keys a service keeps (rotations inside one grace period). */
  maxRetiring: 15,
});

/** What happened to the change on the running node. */
export type Publication =
  | { readonly kind: 'node-not-running' }
  | { readonly kind: 'published' }
  | { readonly kind: 'not-published'; readonly reason: string }
  | { readonly kind: 'tor-unreachable'; readonly reason: string }
  | { readonly kind: 'no-wait' };

export interface OnionManagerOptions extends AbortOptions, ProgressOptions {
  /** Deadline for the running node to publish, in ms (ONION_MANAGER_DEFAULTS.publishWaitMs). */
  readonly waitTimeoutMs?: number | undefined;
}

export function addressOf(serviceId: string): string {
  return `${serviceId}.onion`;
}

/**
 * Runs `change` and, when a node runs in `nodeDir`, waits for the node to publish `serviceId` (undefined:
 * nothing to wait for). Never throws for the waiting part: the change is saved either way.
 */
async function applyAndWait(nodeDir: string, change0: () => Promise<string | undefined>, options: OnionManagerOptions): Promise<Publication> {
  // The read-modify-write of the saved services runs under the registry lock: two `veil onion` commands never
  // interleave (the second reads what the first wrote).
  const change = async (): Promise<string | undefined> => {
    await mkdir(registryDir(nodeDir), { recursive: true, mode: 0o700 });
    return withFileLock(join(registryDir(nodeDir), ONION_LOCK_FILE), 'the onion service registry', change0, options);
  };
  if ((await runningNodePid(nodeDir)) === undefined) {
    await change();
    return { kind: 'node-not-running' };
  }
  let tor: { control: TorControl; close(): Promise<void> } | undefined;
  let watcher: HsDescWatcher | undefined;
  try {
    const config = await loadNodeConfig(nodeDir, options);
    tor = await openNodeTorControl(config, options);
    watcher = await HsDescWatcher.start(tor.control, options);
  } catch (err) {
    await watcher?.close().catch(() => undefined);
    await tor?.close();
    if (!isVeilError(err) || err.category === 'aborted') throw err;
    await change();
    return { kind: 'tor-unreachable', reason: err.message };
  }
  try {
    const serviceId = await change();
    if (serviceId === undefined) return { kind: 'no-wait' };
    try {
      await watcher.uploaded(serviceId, { signal: withTimeout(options.signal, options.waitTimeoutMs ?? ONION_MANAGER_DEFAULTS.publishWaitMs) });
      return { kind: 'published' };
    } catch (err) {
      if (isVeilError(err, 'VEIL_TIMEOUT')) {
        return { kind: 'not-published', reason: 'the running node did not publish it in time (an older `veil run`? restart the node)' };
      }
      throw err;
    }
  } finally {
    await watcher.close().catch((err: unknown) => log.debug('closing the HS_DESC watcher:', err));
    await tor.close();
  }
}

export interface AddOnionServiceRequest {
  readonly name: string;
  /** `PORT`, `IP:PORT`, `[::1]:PORT` or `unix:/path` (loopback only). */
  readonly target: string;
  /** Virtual port (default: the target port; required for unix targets). */
  readonly virtualPort?: string | number | undefined;
  /** Restricted discovery: make a first client key (named `clientName`, default "default"). */
  readonly clientAuth?: boolean | undefined;
  readonly clientName?: string | undefined;
}

export interface AddedOnionService {
  readonly service: SavedOnionService;
  readonly address: string;
  /** With clientAuth: the first client's line for its ClientOnionAuthDir (a secret). */
  readonly clientAuthLine: string | undefined;
  readonly publication: Publication;
}

/**
 * `veil onion add`. Throws VEIL_ONION_NAME_INVALID, VEIL_ONION_TARGET_*, VEIL_ONION_SERVICE_EXISTS; honours `signal`.
 */
export async function addOnionService(nodeDir: string, req: AddOnionServiceRequest, options: OnionManagerOptions = {}): Promise<AddedOnionService> {
  assertOnionName(req.name);
  const target = parseOnionTarget(req.target);
  const virtualPort =
    req.virtualPort !== undefined ? parseServicePort(String(req.virtualPort), 'virtual port') : target.kind === 'tcp' ? target.port : undefined;
  if (virtualPort === undefined) {
    throw new VeilError('VEIL_ONION_TARGET_INVALID', 'a unix socket target needs --port (the port clients connect to)');
  }
  const clientName = req.clientName ?? 'default';
  if (req.clientAuth) assertOnionName(clientName, 'client name');
  const assertNew = async (): Promise<void> => {
    try {
      await readSavedService(nodeDir, req.name);
      throw new VeilError('VEIL_ONION_SERVICE_EXISTS', `an onion service named ${req.name} already exists`);
    } catch (err) {
      if (!isVeilError(err, 'VEIL_ONION_SERVICE_UNKNOWN')) throw err;
    }
  };
  await assertNew(); // before anything slow; checked again under the lock
  const key = generateOnionServiceKey();
  const pair = req.clientAuth ? generateClientAuthKeyPair() : undefined;
  let service: SavedOnionService | undefined;
  const publication = await applyAndWait(
    nodeDir,
    async () => {
      await assertNew();
      const record = await writeKeyFile(nodeDir, req.name, key);
      const clients: AuthorizedClient[] = pair ? [{ name: clientName, publicKey: pair.publicKey, addedAt: record.createdAt }] : [];
      service = {
        version: 1,
        name: req.name,
        target: formatOnionTarget(target),
        virtualPort,
        createdAt: record.createdAt,
        clientAuth: req.clientAuth === true,
        current: record,
        retiring: [],
        clients,
      };
      await writeSavedService(nodeDir, service);
      return key.serviceId;
    },
    options,
  );
  return {
    service: service!,
    address: addressOf(key.serviceId),
    clientAuthLine: pair ? formatAuthPrivateLine(key.serviceId, pair.privateKey) : undefined,
    publication,
  };
}

export type PublishedStatus = 'published' | 'not published' | 'unknown';

export interface OnionServiceInfo {
  readonly name: string;
  readonly address: string | undefined;
  readonly target: string | undefined;
  readonly virtualPort: number | undefined;
  readonly createdAt: string | undefined;
  readonly clientAuth: boolean;
  readonly clients: number;
  readonly retiring: readonly { readonly address: string; readonly withdrawAt: string }[];
  /** From tor (`GETINFO hs/service/desc/id/<id>`): is a descriptor for the current key being published? */
  readonly published: PublishedStatus;
  /** Why `published` is unknown, or what is wrong with the saved service. */
  readonly note: string | undefined;
}

/** True when tor publishes a descriptor for `serviceId` (any control connection's service). Honours `signal`. */
export async function isDescriptorPublished(control: TorControl, serviceId: string, options: AbortOptions = {}): Promise<boolean> {
  const reply = await control.sendRaw('GETINFO', [`hs/service/desc/id/${serviceId}`], options);
  // control-spec 3.9: 552 for a service this tor does not run (or whose descriptor is not built yet).
  return reply.status === 250;
}

/** `veil onion list`: every saved service, with tor's view when the node's tor is reachable. Honours `signal`. */
export async function listOnionServices(nodeDir: string, options: AbortOptions = {}): Promise<OnionServiceInfo[]> {
  const { services, problems } = await readSavedServices(nodeDir);
  let tor: { control: TorControl; close(): Promise<void> } | undefined;
  let torNote: string | undefined;
  if (services.length > 0) {
    if ((await runningNodePid(nodeDir)) === undefined) torNote = 'the node is not running';
    else {
      try {
        tor = await openNodeTorControl(await loadNodeConfig(nodeDir, options), options);
      } catch (err) {
        if (!isVeilError(err) || err.category === 'aborted') throw err;
        torNote = `cannot ask tor: ${err.message}`;
      }
    }
  }
  try {
    const out: OnionServiceInfo[] = [];
    const now = new Date();
    for (const s of services) {
      const live = pruneRetired(s, now);
      let published: PublishedStatus = 'unknown';
      let note = torNote;
      if (tor) published = (await isDescriptorPublished(tor.control, s.current.serviceId, options)) ? 'published' : 'not published';
      else if (torNote === 'the node is not running') published = 'not published';
      if (s.clientAuth && s.clients.length === 0) note = 'client authorization with no client: not published (add one with `veil onion auth add`)';
      out.push({
        name: s.name,
        address: addressOf(s.current.serviceId),
        target: s.target,
        virtualPort: s.virtualPort,
        createdAt: s.createdAt,
        clientAuth: s.clientAuth,
        clients: s.clients.length,
        retiring: live.retiring.map((r) => ({ address: addressOf(r.serviceId), withdrawAt: r.withdrawAt })),
        published,
        note,
      });
    }
    for (const [name, err] of problems) {
      out.push({ name, address: undefined, target: undefined, virtualPort: undefined, createdAt: undefined, clientAuth: false, clients: 0, retiring: [], published: 'unknown', note: err.message });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  } finally {
    await tor?.close();
  }
}

/** `veil onion remove` (confirmation is the CLI's job): withdraws (via the running node) and deletes the keys. */
export async function removeOnionService(nodeDir: string, name: string, options: OnionManagerOptions = {}): Promise<{ address: string; publication: Publication }> {
  let service = await readSavedService(nodeDir, name);
  const publication = await applyAndWait(
    nodeDir,
    async () => {
      service = await readSavedService(nodeDir, name);
      await deleteSavedService(nodeDir, name);
      return undefined;
    },
    options,
  );
  return { address: addressOf(service.current.serviceId), publication };
}

export interface RotatedOnionService {
  readonly oldAddress: string;
  readonly newAddress: string;
  /** When the old address stops being published (now + grace). */
  readonly withdrawAt: string;
  /** With client auth: the new lines for every client (the service id changed, the client keys did not). */
  readonly clientAuthNote: string | undefined;
  readonly publication: Publication;
}

/**
 * `veil onion rotate`: a new key and address for the same target. The new key is saved next to the old one;
 * the old one is kept (and published by a running node) until `graceMs` has passed. Throws
 * VEIL_ONION_SERVICE_UNKNOWN, VEIL_ONION_STATE_CORRUPT, VEIL_INPUT_INVALID; honours `signal`.
 */
export async function rotateOnionService(nodeDir: string, name: string, graceMs: number, options: OnionManagerOptions = {}): Promise<RotatedOnionService> {
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new VeilError('VEIL_INPUT_INVALID', 'the grace period must be 0 or more');
  const now = new Date();
  const readChecked = async (): Promise<SavedOnionService> => {
    const s = pruneRetired(await readSavedService(nodeDir, name), now);
    if (s.retiring.length >= ONION_MANAGER_DEFAULTS.maxRetiring) {
      throw new VeilError('VEIL_INPUT_INVALID', `${name} already has ${s.retiring.length} old addresses in their grace period`, {
        hint: 'wait until they are withdrawn (see `veil onion list`), or rotate with a shorter --grace',
      });
    }
    return s;
  };
  let service = await readChecked();
  const key = generateOnionServiceKey();
  const withdrawAt = new Date(now.getTime() + graceMs).toISOString();
  const publication = await applyAndWait(
    nodeDir,
    async () => {
      service = await readChecked();
      const record = await writeKeyFile(nodeDir, name, key);
      await writeSavedService(nodeDir, { ...service, current: record, retiring: [...service.retiring, { ...service.current, withdrawAt }] });
      return key.serviceId;
    },
    options,
  );
  return {
    oldAddress: addressOf(service.current.serviceId),
    newAddress: addressOf(key.serviceId),
    withdrawAt,
    clientAuthNote: service.clientAuth
      ? 'clients keep their keys, but their ClientOnionAuthDir lines name the address: replace the old address with the new one in each line'
      : undefined,
    publication,
  };
}

/** `veil onion auth add`: a new x25519 key pair; the service keeps the public key. Returns the client's line (a secret). */
export async function addOnionClient(nodeDir: string, name: string, client: string, options: OnionManagerOptions = {}): Promise<{ authLine: string; publication: Publication }> {
  assertOnionName(client, 'client name');
  const readChecked = async (): Promise<SavedOnionService> => {
    const s = pruneRetired(await readSavedService(nodeDir, name), new Date());
    if (s.clients.some((c) => c.name === client)) throw new VeilError('VEIL_ONION_CLIENT_EXISTS', `${name} already has a client named ${client}`);
    return s;
  };
  let service = await readChecked();
  const pair = generateClientAuthKeyPair();
  const publication = await applyAndWait(
    nodeDir,
    async () => {
      service = await readChecked();
      const clients = [...service.clients, { name: client, publicKey: pair.publicKey, addedAt: new Date().toISOString() }];
      await writeSavedService(nodeDir, { ...service, clientAuth: true, clients });
      return service.current.serviceId;
    },
    options,
  );
  return { authLine: formatAuthPrivateLine(service.current.serviceId, pair.privateKey), publication };
}

/** `veil onion auth list`: the authorized clients (names and public keys only). */
export async function listOnionClients(nodeDir: string, name: string): Promise<{ clientAuth: boolean; clients: readonly AuthorizedClient[] }> {
  const service = await readSavedService(nodeDir, name);
  return { clientAuth: service.clientAuth, clients: service.clients };
}

/**
 * `veil onion auth remove`: the service is republished with the remaining keys. Removing the last client does
 * not make the service public: it is withdrawn until a client is added (or it is removed and added again).
 */
export async function removeOnionClient(nodeDir: string, name: string, client: string, options: OnionManagerOptions = {}): Promise<{ remaining: number; publication: Publication }> {
  assertOnionName(client, 'client name');
  const readChecked = async (): Promise<SavedOnionService> => {
    const s = pruneRetired(await readSavedService(nodeDir, name), new Date());
    if (!s.clients.some((c) => c.name === client)) throw new VeilError('VEIL_ONION_CLIENT_UNKNOWN', `${name} has no client named ${client}`);
    return s;
  };
  await readChecked();
  let remaining = 0;
  const publication = await applyAndWait(
    nodeDir,
    async () => {
      const service = await readChecked();
      const clients = service.clients.filter((c) => c.name !== client);
      remaining = clients.length;
      await writeSavedService(nodeDir, { ...service, clients });
      return clients.length > 0 ? service.current.serviceId : undefined;
    },
    options,
  );
  return { remaining, publication };
}
