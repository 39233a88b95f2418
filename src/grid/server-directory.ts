/**
 * The storage servers a client knows right now (issue #4 §2, §4). One directory per client: the introducer
 * subscription (or `--server` addresses given on the command line) adds and removes servers; uploads, downloads,
 * the gateway's missing-block fetches and IPNS lookups read it. Each entry owns its StorageClient (and so its
 * connections and isolation token): removing or replacing a server closes the old client.
 */
import { logger, type Closable } from '../core/index.js';
import type { StorageClient } from './storage-client.js';

const log = logger('veil:grid:directory');

export interface KnownServer {
  /** KEYHASH of the server's key: the directory's key. */
  readonly keyHash: string;
  readonly client: StorageClient;
  /** Announced nickname (untrusted text, for display only). */
  readonly nickname?: string | undefined;
  /** Free bytes the server announced, when known. */
  readonly availableBytes?: number | undefined;
  /** When the entry was added or last replaced (ms since the epoch). */
  readonly since: number;
}

export type DirectoryListener = (servers: readonly KnownServer[]) => void;

export class ServerDirectory implements Closable {
  readonly #servers = new Map<string, KnownServer>();
  readonly #listeners = new Set<DirectoryListener>();
  #closed = false;

  /** The servers known now, in the order they were first learnt. */
  list(): readonly KnownServer[] {
    return [...this.#servers.values()];
  }

  /** Their storage clients, in the same order. */
  clients(): readonly StorageClient[] {
    return this.list().map((s) => s.client);
  }

  get size(): number {
    return this.#servers.size;
  }

  get(keyHash: string): KnownServer | undefined {
    return this.#servers.get(keyHash);
  }

  /** Adds or replaces a server (the replaced client is closed). Ignored, closing `server.client`, after close(). */
  set(server: Omit<KnownServer, 'since'>): void {
    if (this.#closed) {
      void server.client.close();
      return;
    }
    const old = this.#servers.get(server.keyHash);
    this.#servers.set(server.keyHash, { ...server, since: Date.now() });
    if (old && old.client !== server.client) void old.client.close().catch((err: unknown) => log.debug('closing a replaced server client:', err));
    this.#emit();
  }

  /** Forgets a server and closes its client. */
  remove(keyHash: string): void {
    const old = this.#servers.get(keyHash);
    if (!old) return;
    this.#servers.delete(keyHash);
    void old.client.close().catch((err: unknown) => log.debug('closing a removed server client:', err));
    this.#emit();
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  onChange(listener: DirectoryListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    const servers = this.list();
    for (const l of this.#listeners) {
      try {
        l(servers);
      } catch (err) {
        log.warn('a directory listener failed:', err);
      }
    }
  }

  /** Closes every client; later set() calls are refused. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    const clients = [...this.#servers.values()].map((s) => s.client);
    this.#servers.clear();
    await Promise.allSettled(clients.map((c) => c.close()));
  }
}
