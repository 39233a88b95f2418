/**
 * IPNS on the grid (issue #5 §4), composed here from src/names (the record rules) and src/grid (storage servers):
 * the RecordPolicy a storage server applies to records it is sent, and a RecordStore over the storage servers a
 * node knows. `put` sends the record to every server (each keeps it only if it is newer than what it holds); `get`
 * asks every server and returns the best valid record (IPNS spec §Record Selection), so one stale or lying server
 * cannot hide a newer record another one holds.
 */
import { VeilError, isVeilError, logger, type AbortOptions } from '../core/index.js';
import type { RecordPolicy, StorageClient } from '../grid/index.js';
import { parseIpnsName, selectRecord, validateRecord, type RecordStore } from '../names/index.js';

const log = logger('veil:node:names');

/** The records a storage server accepts: valid for their name, selected by sequence then validity. */
export function ipnsRecordPolicy(): RecordPolicy {
  return {
    canonicalName: (text) => parseIpnsName(text).name,
    validate: async (name, record) => {
      await validateRecord(parseIpnsName(name), record);
    },
    select: (name, records) => selectRecord(parseIpnsName(name), records),
  };
}

export interface GridPutResult {
  /** Servers that hold the record (or a copy of it) now. */
  readonly stored: number;
  /** Servers that hold a newer record for the name. */
  readonly newer: number;
  /** Per-server failures (server name → code). */
  readonly failures: Readonly<Record<string, string>>;
}

/** A RecordStore over storage servers; `clients` is read at every call (the directory changes). */
export class GridRecordStore implements RecordStore {
  readonly #clients: () => readonly StorageClient[];

  constructor(clients: () => readonly StorageClient[]) {
    this.#clients = clients;
  }

  /** The best valid record the servers hold, or undefined. Servers that fail or send invalid records are skipped. */
  async get(name: string, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    const parsed = parseIpnsName(name);
    const answers = await Promise.allSettled(this.#clients().map((c) => c.getRecord(parsed.name, options)));
    options.signal?.throwIfAborted();
    const valid: Uint8Array[] = [];
    for (const a of answers) {
      if (a.status === 'rejected') {
        log.debug('a server did not answer an IPNS lookup:', isVeilError(a.reason) ? a.reason.code : String(a.reason));
        continue;
      }
      if (!a.value) continue;
      try {
        await validateRecord(parsed, a.value, options);
        valid.push(a.value);
      } catch (err) {
        if (!isVeilError(err) || err.category === 'aborted') throw err;
        log.debug('a server sent an unusable IPNS record:', err.code);
      }
    }
    if (valid.length === 0) return undefined;
    return valid[selectRecord(parsed, valid)];
  }

  /** RecordStore.put: throws VEIL_GRID_NO_SERVERS (none known) or VEIL_GRID_NOT_HAPPY (no server took it). */
  async put(name: string, record: Uint8Array, options: AbortOptions = {}): Promise<void> {
    const r = await this.putAll(name, record, options);
    if (r.stored === 0) {
      const list = Object.entries(r.failures).map(([n, m]) => `${n}: ${m}`).join('; ');
      throw new VeilError('VEIL_GRID_NOT_HAPPY', `no storage server took the IPNS record${r.newer > 0 ? ` (${r.newer} hold a newer one)` : ''}${list ? ` (${list})` : ''}`, { details: { failures: r.failures } });
    }
  }

  /** Sends the record to every server. Throws VEIL_GRID_NO_SERVERS when none is known. Honours `signal`. */
  async putAll(name: string, record: Uint8Array, options: AbortOptions = {}): Promise<GridPutResult> {
    const clients = this.#clients();
    if (clients.length === 0) throw new VeilError('VEIL_GRID_NO_SERVERS', 'no storage servers are known to store the IPNS record on');
    const results = await Promise.allSettled(clients.map((c) => c.putRecord(name, record, options)));
    options.signal?.throwIfAborted();
    let stored = 0;
    let newer = 0;
    const failures: Record<string, string> = Object.create(null) as Record<string, string>;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') {
        if (r.value) stored++;
        else newer++;
      } else failures[clients[i]!.name] = isVeilError(r.reason) ? r.reason.code : String(r.reason);
    });
    return { stored, newer, failures };
  }
}
