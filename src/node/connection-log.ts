/**
 * What `veil status` shows under "connections": for each peer, how it was reached or how it reached us, in
 * Tahoe's status words ("Connected to HINT via tor"). Outbound entries come from the router (one per hint dialed
 * by the running node); inbound ones from the peer listeners (a stream accepted on the I2P session carries the
 * peer's destination; an onion service connection carries nothing about its client, so those share one entry).
 * Kept in memory for this run only, at most MAX_ENTRIES peers (the least recently seen is dropped).
 */
import type { Duplex } from 'node:stream';
import type { Transport } from '../net/index.js';

const MAX_ENTRIES = 64;

export type ConnectionDirection = 'inbound' | 'outbound';

interface Entry {
  readonly peer: string;
  readonly direction: ConnectionDirection;
  transport: Transport;
  /** Streams open now (inbound only; outbound streams are owned by their HTTP agent). */
  open: number;
  total: number;
  lastAtMs: number;
  /** "connected" or "failed: <message>" (outbound). */
  outcome: string;
}

export interface ConnectionStatus {
  readonly peer: string;
  readonly direction: ConnectionDirection;
  readonly transport: Transport;
  readonly status: string;
}

export class ConnectionLog {
  readonly #entries = new Map<string, Entry>();

  #touch(key: string, make: () => Entry): Entry {
    let e = this.#entries.get(key);
    if (e) this.#entries.delete(key); // re-inserted last: Map order is recency
    else e = make();
    this.#entries.set(key, e);
    while (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    return e;
  }

  /** A peer connected to us over `transport`; `peer` names it as well as the transport allows. */
  inbound(peer: string, transport: Transport, stream: Duplex): void {
    const e = this.#touch(`in ${transport} ${peer}`, () => ({ peer, direction: 'inbound', transport, open: 0, total: 0, lastAtMs: 0, outcome: 'connected' }));
    e.open++;
    e.total++;
    e.lastAtMs = Date.now();
    let counted = true;
    const done = (): void => {
      if (!counted) return;
      counted = false;
      e.open--;
      e.lastAtMs = Date.now();
    };
    if (stream.destroyed) done();
    else stream.once('close', done);
  }

  /** The router dialed `hint` over `transport`: "connected" or "failed: …". */
  outbound(hint: string, transport: Transport, outcome: string): void {
    const e = this.#touch(`out ${hint}`, () => ({ peer: hint, direction: 'outbound', transport, open: 0, total: 0, lastAtMs: 0, outcome }));
    e.transport = transport;
    e.outcome = outcome;
    e.total++;
    e.lastAtMs = Date.now();
  }

  /** Most recent first. */
  list(nowMs = Date.now()): ConnectionStatus[] {
    return [...this.#entries.values()].reverse().map((e) => ({ peer: e.peer, direction: e.direction, transport: e.transport, status: describe(e, nowMs) }));
  }
}

function describe(e: Entry, nowMs: number): string {
  const ago = `${Math.max(0, Math.round((nowMs - e.lastAtMs) / 1000))} s ago`;
  const via = `via ${e.transport}`;
  if (e.direction === 'outbound') {
    return e.outcome === 'connected' ? `Connected to ${e.peer} ${via} (${ago})` : `Could not connect to ${e.peer} ${via}: ${e.outcome.replace(/^failed: /, '')} (${ago})`;
  }
  const counts = `${e.total} connection${e.total === 1 ? '' : 's'} in all`;
  return e.open > 0 ? `Connected from ${e.peer} ${via} (${e.open} open, ${counts})` : `Was connected from ${e.peer} ${via} (${counts}, last ${ago})`;
}
