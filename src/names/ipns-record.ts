/**
 * IPNS records (IPNS record spec, https://specs.ipfs.tech/ipns/ipns-record/), through the `ipns` package:
 * creation of V1+V2 records as Kubo makes them (the signed DAG-CBOR `data` field with Value, Validity,
 * ValidityType, Sequence, TTL; `signatureV2` over "ipns-signature:" + data; the V1 compatibility fields and
 * signatureV1 for old resolvers), and verification (§Record Verification): size limit, V2 signature by the key
 * the name commits to, consistency of V1 fields with `data`, validity (EOL) in the future.
 */
import { createIPNSRecord, marshalIPNSRecord, unmarshalIPNSRecord } from 'ipns';
import { ipnsValidator } from 'ipns/validator';
import { ipnsSelector } from 'ipns/selector';
import { VeilError, type AbortOptions } from '../core/index.js';
import { NAMES_DEFAULTS } from './defaults.js';
import type { IpnsName } from './ipns-name.js';
import type { PrivateKey } from './keystore.js';

export interface CreateRecordOptions {
  /** `/ipfs/<cid>[/path]` or `/ipns/<name>[/path]`. */
  readonly value: string;
  readonly sequence: bigint;
  /** Validity from now (ms): the record's EOL. */
  readonly lifetimeMs: number;
  /** How long resolvers may cache the record (ms). */
  readonly ttlMs: number;
}

export interface ValidRecord {
  readonly value: string;
  readonly sequence: bigint;
  /** End of validity (EOL). */
  readonly validUntil: Date;
  /** TTL in whole seconds. */
  readonly ttlSeconds: number;
}

/** Creates and marshals (protobuf, as stored and served as application/vnd.ipfs.ipns-record) a signed record. */
export async function createRecord(key: PrivateKey, options: CreateRecordOptions): Promise<Uint8Array> {
  const record = await createIPNSRecord(key, options.value, options.sequence, options.lifetimeMs, {
    v1Compatible: true,
    ttlNs: BigInt(Math.round(options.ttlMs)) * 1_000_000n,
  });
  return marshalIPNSRecord(record);
}

/** RFC 3339 with up to nanoseconds → Date (ms precision; JS Date parses at most 3 fraction digits reliably). */
function parseValidity(text: string): Date {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  const date = m ? new Date(`${m[1]}.${(m[2] ?? '0').slice(0, 3).padEnd(3, '0')}${m[3]}`) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new VeilError('VEIL_IPNS_RECORD_INVALID', 'IPNS record validity is not an RFC 3339 time');
  return date;
}

function mapIpnsError(err: unknown): VeilError {
  const name = err instanceof Error ? err.name : '';
  if (name === 'RecordExpiredError') return new VeilError('VEIL_IPNS_RECORD_EXPIRED', 'the IPNS record has expired (its validity is in the past)', { cause: err });
  const what = name === 'SignatureVerificationError' ? 'its signature does not verify' : name === 'RecordTooLargeError' ? 'it is larger than 10 KiB' : name === 'InvalidEmbeddedPublicKeyError' ? 'it was not signed by the key of this name' : 'it is malformed';
  return new VeilError('VEIL_IPNS_RECORD_INVALID', `refusing the IPNS record: ${what}`, { cause: err });
}

/**
 * Reads a record without checking signature or validity (for the next sequence number of our own records).
 * Throws VEIL_IPNS_RECORD_INVALID.
 */
export function readRecordUnchecked(bytes: Uint8Array): { value: string; sequence: bigint } {
  try {
    const r = unmarshalIPNSRecord(bytes);
    return { value: r.value, sequence: r.sequence };
  } catch (err) {
    throw mapIpnsError(err);
  }
}

/**
 * Verifies `bytes` as a record for `name` (§Record Verification) and returns its fields. Throws
 * VEIL_IPNS_RECORD_INVALID or VEIL_IPNS_RECORD_EXPIRED. `signal` is checked before the work.
 */
export async function validateRecord(name: IpnsName, bytes: Uint8Array, options: AbortOptions = {}): Promise<ValidRecord> {
  options.signal?.throwIfAborted();
  if (bytes.length > NAMES_DEFAULTS.maxRecordBytes) throw new VeilError('VEIL_IPNS_RECORD_INVALID', `refusing the IPNS record: ${bytes.length} bytes is over the 10 KiB limit`);
  try {
    await ipnsValidator(name.routingKey, bytes);
  } catch (err) {
    throw mapIpnsError(err);
  }
  const record = unmarshalIPNSRecord(bytes);
  const ttlNs = record.ttl ?? 0n;
  return {
    value: record.value,
    sequence: record.sequence,
    validUntil: parseValidity(record.validity),
    ttlSeconds: Number(ttlNs / 1_000_000_000n),
  };
}

/** Index of the better of several valid records for one name (IPNS spec §Record Selection: sequence, then EOL). */
export function selectRecord(name: IpnsName, records: readonly Uint8Array[]): number {
  return ipnsSelector(name.routingKey, [...records]);
}
