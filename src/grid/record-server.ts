/**
 * IPNS records on a storage server (issue #5 §4), so that a name published on one node resolves on another. Served
 * by the storage handler (storage-server.ts) under the same swissnum:
 *
 *   PUT      names/<name>   store a record: it must verify for <name> (signature V2, validity, size) and win the
 *                           IPNS selection against the record held (higher sequence, then later EOL); otherwise
 *                           nothing is written (422 invalid, 409 not newer)
 *   GET|HEAD names/<name>   the record, application/vnd.ipfs.ipns-record (404 when none)
 *   GET|HEAD ipns/<name>    the same as the trustless gateway's IPNS record response (?format=ipns-record or
 *                           Accept: application/vnd.ipfs.ipns-record; Trustless Gateway spec §IPNS Record Responses)
 *
 * The IPNS rules themselves (record format, signatures, selection) live in src/names; the node passes them in as a
 * RecordPolicy, so this layer does not import a sibling. Writes for one name are serialized.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VeilError, isVeilError, type AbortOptions } from '../core/index.js';

export const IPNS_RECORD_CONTENT_TYPE = 'application/vnd.ipfs.ipns-record';
/** Largest record accepted (bytes): the IPNS record spec's 10 KiB limit. */
export const MAX_RECORD_BYTES = 10 * 1024;

/** The IPNS rules, from src/names. */
export interface RecordPolicy {
  /** The canonical form (k51…) of a name from a URL; throws a VeilError of category input when it is not a name. */
  canonicalName(text: string): string;
  /** Verifies `record` for `name`; throws a VeilError (VEIL_IPNS_RECORD_INVALID, VEIL_IPNS_RECORD_EXPIRED, …). */
  validate(name: string, record: Uint8Array): Promise<void>;
  /** Index of the record to keep among valid `records` (IPNS spec §Record Selection). */
  select(name: string, records: readonly Uint8Array[]): number;
}

/** Where the server keeps records (src/names FsRecordStore fits). */
export interface ServerRecordStore {
  get(name: string, options?: AbortOptions): Promise<Uint8Array | undefined>;
  put(name: string, record: Uint8Array, options?: AbortOptions): Promise<void>;
}

export interface RecordServerOptions {
  readonly policy: RecordPolicy;
  readonly store: ServerRecordStore;
}

type SendError = (res: ServerResponse, status: number, code: string, message: string) => void;

/** Handles one request for `names/<nameText>` or `ipns/<nameText>`; the caller checked the swissnum. */
export type RecordRequestHandler = (req: IncomingMessage, res: ServerResponse, kind: 'names' | 'ipns', nameText: string) => Promise<void>;

export function createRecordHandler(options: RecordServerOptions, sendError: SendError): RecordRequestHandler {
  const { policy, store } = options;
  /** One write at a time per name: the compare-then-store below must not interleave. */
  const writing = new Map<string, Promise<unknown>>();

  async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_RECORD_BYTES) return undefined;
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size);
  }

  /** 201 stored, 200 the same record was held, 409 the held record wins. */
  async function store_(name: string, record: Uint8Array): Promise<200 | 201 | 409> {
    const held = await store.get(name);
    if (held) {
      if (Buffer.from(held).equals(record)) return 200;
      let isHeldValid = true;
      try {
        await policy.validate(name, held);
      } catch (err) {
        if (!isVeilError(err)) throw err;
        isHeldValid = false; // expired or unreadable: any valid record replaces it
      }
      if (isHeldValid && policy.select(name, [held, record]) === 0) return 409;
    }
    await store.put(name, record);
    return 201;
  }

  async function put(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const body = await readBody(req);
    if (!body) return sendError(res, 413, 'VEIL_IPNS_RECORD_INVALID', `IPNS records are limited to ${MAX_RECORD_BYTES} bytes`);
    try {
      await policy.validate(name, body);
    } catch (err) {
      if (!isVeilError(err)) throw err;
      return sendError(res, 422, err.code, err.message);
    }
    const previous = writing.get(name) ?? Promise.resolve();
    const mine = previous.catch(() => undefined).then(() => store_(name, body));
    writing.set(name, mine);
    let status: 200 | 201 | 409;
    try {
      status = await mine;
    } finally {
      if (writing.get(name) === mine) writing.delete(name);
    }
    if (status === 409) return sendError(res, 409, 'VEIL_GRID_SERVER_REFUSED', 'the server holds a newer record for this name (higher sequence or later validity)');
    res.writeHead(status, { 'content-length': 0 });
    res.end();
  }

  async function get(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const record = await store.get(name);
    if (!record) return sendError(res, 404, 'VEIL_IPNS_RECORD_NOT_FOUND', 'no record for this name');
    res.writeHead(200, { 'content-type': IPNS_RECORD_CONTENT_TYPE, 'content-length': record.length, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : record);
  }

  return async (req, res, kind, nameText) => {
    let name: string;
    try {
      name = policy.canonicalName(nameText);
    } catch (err) {
      if (!(err instanceof VeilError)) throw err;
      req.resume();
      return sendError(res, 400, err.code, 'not an IPNS name');
    }
    if (kind === 'names' && req.method === 'PUT') return put(req, res, name);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'VEIL_GRID_SERVER_REFUSED', 'method not allowed');
    if (kind === 'ipns') {
      const url = new URL(req.url ?? '/', 'https://veil-peer');
      const format = url.searchParams.get('format') ?? (String(req.headers.accept ?? '').includes(IPNS_RECORD_CONTENT_TYPE) ? 'ipns-record' : '');
      if (format !== 'ipns-record') return sendError(res, 406, 'VEIL_GRID_SERVER_REFUSED', 'this is a trustless gateway: ask for ?format=ipns-record');
    }
    return get(req, res, name);
  };
}
