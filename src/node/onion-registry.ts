/**
 * The saved onion services of a node directory (`veil onion add`): the source of truth that `veil run`
 * publishes from (onion-publisher.ts) and the CLI edits.
 *
 * Layout (directories 0700, files 0600):
 *   NODEDIR/private/onion/.generation          bumped (write + rename) after every change: the running node
 *                                              watches the directory and re-reads the services
 *   NODEDIR/private/onion/NAME/service.json    name, target, virtual port, created time, current key,
 *                                              retiring keys (rotation grace), authorized clients (public keys)
 *   NODEDIR/private/onion/NAME/<service id>.key  `ED25519-V3:<base64>` (the secret identity key)
 *
 * Every write goes to a temporary file, is flushed, then renamed over the old one: a crash leaves the old
 * or the new state, never half of one. A new key file is written before the service.json that names it; an
 * old key is deleted only after the service.json that no longer names it is in place.
 * One operator edits a node directory at a time: concurrent `veil onion` commands are not locked against each other.
 */
import { mkdir, open, readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError, logger, quoteUntrusted, sensitive, writeFileAtomic as writeFileAtomicCore } from '../core/index.js';
import { readOnionKey } from './onion-service.js';
import { assertOnionName, formatOnionTarget, parseOnionTarget, type OnionTarget } from './onion-target.js';
import { isClientAuthKey, type OnionServiceKey } from './onion-keys.js';

const log = logger('veil:node:onion');

export const ONION_REGISTRY_DIR = 'private/onion';
export const ONION_GENERATION_FILE = '.generation';
const SERVICE_FILE = 'service.json';
const FORMAT_VERSION = 1;
/** Limits on what we read back (a corrupt or hostile file must not exhaust memory). */
const MAX_SERVICE_FILE_BYTES = 256 * 1024;
const MAX_CLIENTS = 512;
const MAX_RETIRING = 16;

export interface SavedOnionKey {
  readonly serviceId: string;
  /** File name of the key inside the service directory. */
  readonly keyFile: string;
  readonly createdAt: string;
}

export interface RetiringOnionKey extends SavedOnionKey {
  /** ISO time after which this (rotated-out) key is no longer published. */
  readonly withdrawAt: string;
}

export interface AuthorizedClient {
  readonly name: string;
  /** x25519 public key, 52 base32 characters. */
  readonly publicKey: string;
  readonly addedAt: string;
}

export interface SavedOnionService {
  readonly version: typeof FORMAT_VERSION;
  readonly name: string;
  /** ADD_ONION target: `127.0.0.1:22`, `[::1]:22` or `unix:/path`. */
  readonly target: string;
  readonly virtualPort: number;
  readonly createdAt: string;
  /**
   * Restricted discovery (v3 client authorization): only clients in `clients` can reach the service; with none
   * the service is not published at all (it never silently becomes public).
   */
  readonly clientAuth: boolean;
  readonly current: SavedOnionKey;
  readonly retiring: readonly RetiringOnionKey[];
  readonly clients: readonly AuthorizedClient[];
}

export function registryDir(nodeDir: string): string {
  return join(nodeDir, ONION_REGISTRY_DIR);
}

export function serviceDir(nodeDir: string, name: string): string {
  assertOnionName(name);
  return join(registryDir(nodeDir), name);
}

function corrupt(file: string, why: string, cause?: unknown): VeilError {
  return new VeilError('VEIL_ONION_STATE_CORRUPT', `the saved onion service ${file} is unusable: ${why}`, { cause, details: { file } });
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const SERVICE_ID = /^[a-z2-7]{56}$/;

function checkKey(v: unknown, file: string, what: string): SavedOnionKey {
  const k = v as Partial<RetiringOnionKey> | null;
  if (typeof k !== 'object' || k === null) throw corrupt(file, `${what} is missing`);
  if (typeof k.serviceId !== 'string' || !SERVICE_ID.test(k.serviceId)) throw corrupt(file, `${what}.serviceId is not a v3 service id`);
  if (k.keyFile !== `${k.serviceId}.key`) throw corrupt(file, `${what}.keyFile must be <serviceId>.key`);
  if (typeof k.createdAt !== 'string' || !ISO.test(k.createdAt)) throw corrupt(file, `${what}.createdAt is not an ISO time`);
  return { serviceId: k.serviceId, keyFile: k.keyFile, createdAt: k.createdAt };
}

/** Validates parsed service.json content (untrusted: a file anyone with access could have edited). Pure. */
export function validateSavedService(value: unknown, file: string, expectedName?: string): SavedOnionService {
  const v = value as Record<string, unknown> | null;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw corrupt(file, 'not a JSON object');
  if (v['version'] !== FORMAT_VERSION) throw corrupt(file, `unsupported version ${quoteUntrusted(String(v['version']), 20)}`);
  const name = v['name'];
  if (typeof name !== 'string') throw corrupt(file, 'name is missing');
  assertOnionName(name);
  if (expectedName !== undefined && name !== expectedName) throw corrupt(file, `name ${quoteUntrusted(name, 40)} does not match its directory`);
  if (typeof v['target'] !== 'string') throw corrupt(file, 'target is missing');
  let target: OnionTarget;
  try {
    target = parseOnionTarget(v['target']);
  } catch (err) {
    throw corrupt(file, (err as Error).message, err);
  }
  const virtualPort = v['virtualPort'];
  if (typeof virtualPort !== 'number' || !Number.isInteger(virtualPort) || virtualPort < 1 || virtualPort > 65535) throw corrupt(file, 'virtualPort is not 1-65535');
  if (typeof v['createdAt'] !== 'string' || !ISO.test(v['createdAt'])) throw corrupt(file, 'createdAt is not an ISO time');
  if (typeof v['clientAuth'] !== 'boolean') throw corrupt(file, 'clientAuth is not true/false');
  const current = checkKey(v['current'], file, 'current');
  const retiringRaw = v['retiring'];
  if (!Array.isArray(retiringRaw) || retiringRaw.length > MAX_RETIRING) throw corrupt(file, `retiring is not a list of at most ${MAX_RETIRING}`);
  const retiring = retiringRaw.map((r: unknown, i) => {
    const k = checkKey(r, file, `retiring[${i}]`);
    const at = (r as { withdrawAt?: unknown }).withdrawAt;
    if (typeof at !== 'string' || !ISO.test(at)) throw corrupt(file, `retiring[${i}].withdrawAt is not an ISO time`);
    return { ...k, withdrawAt: at };
  });
  const clientsRaw = v['clients'];
  if (!Array.isArray(clientsRaw) || clientsRaw.length > MAX_CLIENTS) throw corrupt(file, `clients is not a list of at most ${MAX_CLIENTS}`);
  const seen = new Set<string>();
  const clients = clientsRaw.map((c: unknown, i) => {
    const o = c as Partial<AuthorizedClient> | null;
    if (typeof o !== 'object' || o === null || typeof o.name !== 'string') throw corrupt(file, `clients[${i}] has no name`);
    assertOnionName(o.name, 'client name');
    if (seen.has(o.name)) throw corrupt(file, `client ${o.name} appears twice`);
    seen.add(o.name);
    if (typeof o.publicKey !== 'string' || !isClientAuthKey(o.publicKey)) throw corrupt(file, `clients[${i}].publicKey is not a base32 x25519 key`);
    if (typeof o.addedAt !== 'string' || !ISO.test(o.addedAt)) throw corrupt(file, `clients[${i}].addedAt is not an ISO time`);
    return { name: o.name, publicKey: o.publicKey, addedAt: o.addedAt };
  });
  return { version: FORMAT_VERSION, name, target: formatOnionTarget(target), virtualPort, createdAt: v['createdAt'], clientAuth: v['clientAuth'], current, retiring, clients };
}

/** Writes `data` to `path` atomically (temp file `<path>.tmp-<pid>-<time>`, fsync, rename), mode 0600. */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  await writeFileAtomicCore(path, data, { tempPath: `${path}.tmp-${process.pid}-${Date.now().toString(36)}`, mode: 0o600 });
}

/** Reads one saved service. Throws VEIL_ONION_SERVICE_UNKNOWN, VEIL_ONION_STATE_CORRUPT, VEIL_ONION_NAME_INVALID. */
export async function readSavedService(nodeDir: string, name: string): Promise<SavedOnionService> {
  const file = join(serviceDir(nodeDir, name), SERVICE_FILE);
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_SERVICE_FILE_BYTES) throw corrupt(file, `larger than ${MAX_SERVICE_FILE_BYTES} bytes`);
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof VeilError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new VeilError('VEIL_ONION_SERVICE_UNKNOWN', `no onion service named ${name} in ${nodeDir}`, { details: { name } });
    }
    throw corrupt(file, (err as NodeJS.ErrnoException).code ?? String(err), err);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw corrupt(file, 'not valid JSON', err);
  }
  return validateSavedService(parsed, file, name);
}

/** Names of the saved services (directories with a service.json), sorted. */
export async function listSavedServiceNames(nodeDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(registryDir(nodeDir), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries.filter((e) => e.isDirectory() && /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/.test(e.name)).map((e) => e.name).sort();
}

export interface SavedServices {
  readonly services: readonly SavedOnionService[];
  /** Services that exist but cannot be used, by name (VEIL_ONION_STATE_CORRUPT). */
  readonly problems: ReadonlyMap<string, VeilError>;
}

/** Reads every saved service; a corrupt one is reported by name so that the others stay usable. */
export async function readSavedServices(nodeDir: string): Promise<SavedServices> {
  const services: SavedOnionService[] = [];
  const problems = new Map<string, VeilError>();
  for (const name of await listSavedServiceNames(nodeDir)) {
    try {
      services.push(await readSavedService(nodeDir, name));
    } catch (err) {
      if (!(err instanceof VeilError)) throw err;
      // A directory without service.json (e.g. a key written by an interrupted `onion add`) is not a service.
      if (err.code !== 'VEIL_ONION_SERVICE_UNKNOWN') problems.set(name, err);
    }
  }
  return { services, problems };
}

/** The secret key of a saved key record. Throws VEIL_ONION_STATE_CORRUPT. */
export async function readSavedKey(nodeDir: string, service: SavedOnionService, key: SavedOnionKey): Promise<string> {
  try {
    return await readOnionKey(join(serviceDir(nodeDir, service.name), key.keyFile));
  } catch (err) {
    throw corrupt(join(serviceDir(nodeDir, service.name), key.keyFile), (err as Error).message, err);
  }
}

async function ensureDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
}

/** Writes a new key file (never overwrites). */
export async function writeKeyFile(nodeDir: string, name: string, key: OnionServiceKey): Promise<SavedOnionKey> {
  const dir = serviceDir(nodeDir, name);
  await ensureDir(dir);
  const keyFile = `${key.serviceId}.key`;
  const handle = await open(join(dir, keyFile), 'wx', 0o600);
  try {
    await handle.writeFile(`${key.privateKey}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { serviceId: key.serviceId, keyFile, createdAt: new Date().toISOString() };
}

/** Tells a running node to re-read the services (it watches the registry directory). */
export async function bumpGeneration(nodeDir: string): Promise<void> {
  await ensureDir(registryDir(nodeDir));
  await writeFileAtomic(join(registryDir(nodeDir), ONION_GENERATION_FILE), `${Date.now()}\n`);
}

/**
 * Saves `service` (atomically), deletes key files it no longer names, and bumps the generation. Keys named by
 * `service.current` or `service.retiring` are kept.
 */
export async function writeSavedService(nodeDir: string, service: SavedOnionService): Promise<void> {
  const dir = serviceDir(nodeDir, service.name);
  await ensureDir(dir);
  validateSavedService(JSON.parse(JSON.stringify(service)), join(dir, SERVICE_FILE), service.name);
  await writeFileAtomic(join(dir, SERVICE_FILE), `${JSON.stringify(service, null, 2)}\n`);
  const keep = new Set([service.current.keyFile, ...service.retiring.map((r) => r.keyFile)]);
  for (const entry of await readdir(dir)) {
    if (entry.endsWith('.key') && !keep.has(entry)) {
      log.debug('deleting a withdrawn onion service key', sensitive(entry));
      await unlink(join(dir, entry));
    }
  }
  await bumpGeneration(nodeDir);
}

/** Deletes the service directory (keys included) and bumps the generation. */
export async function deleteSavedService(nodeDir: string, name: string): Promise<void> {
  await rm(serviceDir(nodeDir, name), { recursive: true, force: true });
  await bumpGeneration(nodeDir);
}

/** Retiring keys whose grace period is over are dropped (pure). */
export function pruneRetired(service: SavedOnionService, now: Date): SavedOnionService {
  const retiring = service.retiring.filter((r) => Date.parse(r.withdrawAt) > now.getTime());
  return retiring.length === service.retiring.length ? service : { ...service, retiring };
}
