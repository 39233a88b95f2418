/**
 * The node's IPNS keys: one file per key under NODEDIR/private/keys/<name> holding the libp2p PrivateKey
 * protobuf (the format Kubo's keystore uses), directory mode 0700, file mode 0600. Keys are Ed25519. A key is
 * never overwritten: creation writes a temp file and hard-links it to the final name, which fails if the name
 * exists, so two processes creating `self` at once end up with the same key. Private keys are never logged.
 */
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { VeilError, logger, quoteUntrusted, throwIfAborted, type AbortOptions } from '../core/index.js';
import { NAMES_DEFAULTS } from './defaults.js';
import { ipnsNameOf } from './ipns-name.js';

const log = logger('veil:names:keys');

export type PrivateKey = Awaited<ReturnType<typeof privateKeyFromProtobuf>>;
export type PublicKey = PrivateKey['publicKey'];

export interface KeyInfo {
  readonly name: string;
  /** The IPNS name of the key (k51…). */
  readonly id: string;
}

const KEY_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;
/** Largest key file read (an Ed25519 protobuf is 68 bytes; RSA 4096 about 2.4 KB). */
const MAX_KEY_FILE_BYTES = 16 * 1024;

function errno(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** Throws VEIL_KEY_NAME_INVALID unless `name` is 1-64 of [A-Za-z0-9._-], not starting with a dot. */
export function checkKeyName(name: string): void {
  if (!KEY_NAME.test(name)) {
    throw new VeilError('VEIL_KEY_NAME_INVALID', `invalid key name ${quoteUntrusted(name, 70)}: use 1-64 letters, digits, '.', '_' or '-', not starting with '.'`);
  }
}

export class Keystore {
  readonly #dir: string;

  constructor(nodeDir: string) {
    this.#dir = join(nodeDir, NAMES_DEFAULTS.keysDir);
  }

  get directory(): string {
    return this.#dir;
  }

  /** Creates a new Ed25519 key. Throws VEIL_KEY_NAME_INVALID, VEIL_KEY_EXISTS, VEIL_KEY_STORE_IO. */
  async generate(name: string, options: AbortOptions = {}): Promise<KeyInfo> {
    checkKeyName(name);
    throwIfAborted(options.signal, 'generate key');
    const key = await generateKeyPair('Ed25519');
    await this.#writeNew(name, privateKeyToProtobuf(key));
    log.info('created key', name);
    return { name, id: ipnsNameOf(key.publicKey).name };
  }

  /** Loads a key. Throws VEIL_KEY_NAME_INVALID, VEIL_KEY_NOT_FOUND, VEIL_KEY_STORE_IO (unreadable or corrupt). */
  async load(name: string, options: AbortOptions = {}): Promise<PrivateKey> {
    checkKeyName(name);
    throwIfAborted(options.signal, 'load key');
    let bytes: Buffer;
    try {
      const handle = await open(join(this.#dir, name), 'r');
      try {
        const { size } = await handle.stat();
        if (size > MAX_KEY_FILE_BYTES) throw new VeilError('VEIL_KEY_STORE_IO', `key file ${quoteUntrusted(name)} is larger than ${MAX_KEY_FILE_BYTES} bytes: not a key`);
        bytes = await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch (err) {
      if (err instanceof VeilError) throw err;
      if (errno(err) === 'ENOENT') throw new VeilError('VEIL_KEY_NOT_FOUND', `no key named ${quoteUntrusted(name)}`, { cause: err });
      throw new VeilError('VEIL_KEY_STORE_IO', `cannot read key ${quoteUntrusted(name)}: ${errno(err) ?? 'I/O error'}`, { cause: err });
    }
    try {
      return privateKeyFromProtobuf(bytes);
    } catch (err) {
      throw new VeilError('VEIL_KEY_STORE_IO', `key file ${quoteUntrusted(name)} is corrupt (not a libp2p private key)`, { cause: err });
    }
  }

  /** Loads `name`, creating it first if it does not exist (used for `self`). Same errors as load/generate. */
  async loadOrCreate(name: string, options: AbortOptions = {}): Promise<PrivateKey> {
    try {
      return await this.load(name, options);
    } catch (err) {
      if (!(err instanceof VeilError) || err.code !== 'VEIL_KEY_NOT_FOUND') throw err;
    }
    try {
      await this.generate(name, options);
    } catch (err) {
      // Another process created it between our load and generate: theirs wins, load it below.
      if (!(err instanceof VeilError) || err.code !== 'VEIL_KEY_EXISTS') throw err;
    }
    return this.load(name, options);
  }

  /** Every key, sorted by name. Throws VEIL_KEY_STORE_IO. Files that are not valid keys are skipped (logged). */
  async list(options: AbortOptions = {}): Promise<KeyInfo[]> {
    let names: string[];
    try {
      names = (await readdir(this.#dir, { withFileTypes: true })).filter((d) => d.isFile() && KEY_NAME.test(d.name)).map((d) => d.name);
    } catch (err) {
      if (errno(err) === 'ENOENT') return [];
      throw new VeilError('VEIL_KEY_STORE_IO', `cannot list the keys: ${errno(err) ?? 'I/O error'}`, { cause: err });
    }
    const out: KeyInfo[] = [];
    for (const name of names.sort()) {
      try {
        out.push({ name, id: ipnsNameOf((await this.load(name, options)).publicKey).name });
      } catch (err) {
        if (!(err instanceof VeilError) || err.code !== 'VEIL_KEY_STORE_IO') throw err;
        log.warn('skipping a key file that is not a key:', err.message);
      }
    }
    return out;
  }

  async #writeNew(name: string, bytes: Uint8Array): Promise<void> {
    const final = join(this.#dir, name);
    const temp = join(this.#dir, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      await chmod(this.#dir, 0o700);
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await link(temp, final); // fails with EEXIST rather than replacing a key
    } catch (err) {
      if (errno(err) === 'EEXIST') throw new VeilError('VEIL_KEY_EXISTS', `a key named ${quoteUntrusted(name)} already exists`, { cause: err });
      throw new VeilError('VEIL_KEY_STORE_IO', `cannot write key ${quoteUntrusted(name)}: ${errno(err) ?? 'I/O error'}`, { cause: err });
    } finally {
      await rm(temp, { force: true });
    }
  }
}
