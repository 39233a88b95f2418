/**
 * `veil name publish`: signs an IPNS record pointing at a content path with one of the node's keys and stores
 * it locally. The sequence number is one more than the stored record's (IPNS spec §Record Selection: a higher
 * sequence wins), so republishing always replaces the previous value.
 *
 * `veil name publish` then puts the stored record on the grid's storage servers (src/node grid-client.ts).
 */
import { VeilError, logger, quoteUntrusted, sensitive, type AbortOptions } from '../core/index.js';
import { parseCid } from '../content/index.js';
import { NAMES_DEFAULTS } from './defaults.js';
import { isDomainName } from './dnslink.js';
import { ipnsNameOf, parseIpnsName } from './ipns-name.js';
import { createRecord, readRecordUnchecked, validateRecord } from './ipns-record.js';
import type { Keystore } from './keystore.js';
import type { RecordStore } from './record-store.js';

const log = logger('veil:names:publish');

export interface PublishOptions extends AbortOptions {
  /** Key name (default `self`, created on first use). */
  readonly keyName?: string | undefined;
  /** Record validity from now (ms; NAMES_DEFAULTS.lifetimeMs). */
  readonly lifetimeMs?: number | undefined;
  /** Record TTL (ms; NAMES_DEFAULTS.ttlMs). */
  readonly ttlMs?: number | undefined;
}

export interface Published {
  /** The IPNS name (k51…). */
  readonly name: string;
  /** The value the record points at, e.g. `/ipfs/Qm…`. */
  readonly value: string;
  readonly sequence: bigint;
  readonly validUntil: Date;
}

/**
 * Turns what the user typed into a record value: a bare CID becomes `/ipfs/<cid>`; `/ipfs/<cid>[/path]` and
 * `/ipns/<name>[/path]` are checked and kept as typed (Kubo keeps the CID's version). Throws VEIL_INPUT_INVALID,
 * VEIL_CONTENT_CID_INVALID, VEIL_IPNS_NAME_INVALID.
 */
export function normalizeValue(text: string): string {
  if (text.length > 4096) throw new VeilError('VEIL_INPUT_INVALID', 'the value to publish is longer than 4096 characters');
  if (!text.startsWith('/')) {
    parseCid(text);
    return `/ipfs/${text}`;
  }
  const parts = text.split('/');
  const [, namespace, root] = parts;
  if (root === undefined || root === '' || parts.slice(3).some((s) => s === '.' || s === '..')) {
    throw new VeilError('VEIL_INPUT_INVALID', `cannot publish ${quoteUntrusted(text, 80)}: expected /ipfs/<cid>[/path] or /ipns/<name>[/path]`);
  }
  if (namespace === 'ipfs') parseCid(root);
  else if (namespace === 'ipns') {
    if (!isDomainName(root)) parseIpnsName(root);
  } else throw new VeilError('VEIL_INPUT_INVALID', `cannot publish ${quoteUntrusted(text, 80)}: expected /ipfs/<cid>[/path] or /ipns/<name>[/path]`);
  return text.replace(/\/+$/, '');
}

/**
 * Creates, verifies and stores a record. Throws the keystore's codes (VEIL_KEY_*), normalizeValue's codes,
 * VEIL_IPNS_RECORD_STORE_IO, VEIL_INPUT_INVALID (bad lifetime/ttl), VEIL_ABORTED.
 */
export async function publishName(keystore: Keystore, records: RecordStore, value: string, options: PublishOptions = {}): Promise<Published> {
  const lifetimeMs = options.lifetimeMs ?? NAMES_DEFAULTS.lifetimeMs;
  const ttlMs = options.ttlMs ?? NAMES_DEFAULTS.ttlMs;
  if (!(lifetimeMs > 0)) throw new VeilError('VEIL_INPUT_INVALID', 'the record lifetime must be longer than 0');
  if (!(ttlMs >= 0)) throw new VeilError('VEIL_INPUT_INVALID', 'the record TTL must not be negative');
  const normalized = normalizeValue(value);
  const keyName = options.keyName ?? NAMES_DEFAULTS.selfKeyName;
  const key = keyName === NAMES_DEFAULTS.selfKeyName ? await keystore.loadOrCreate(keyName, options) : await keystore.load(keyName, options);
  const name = ipnsNameOf(key.publicKey);
  let sequence = 0n;
  const previous = await records.get(name.name, options);
  if (previous) {
    try {
      sequence = readRecordUnchecked(previous).sequence + 1n;
    } catch (err) {
      log.warn('the stored record of a name is unreadable; publishing with sequence 0:', (err as Error).message);
    }
  }
  const bytes = await createRecord(key, { value: normalized, sequence, lifetimeMs, ttlMs });
  const valid = await validateRecord(name, bytes, options); // our own record must pass the checks others will run
  await records.put(name.name, bytes, options);
  log.debug('published', sensitive(name.name), 'sequence', String(sequence));
  return { name: name.name, value: normalized, sequence, validUntil: valid.validUntil };
}
