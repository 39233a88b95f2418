/**
 * A running node's place in the grid (issue #4 §2, §5): with `[client] introducer.furl`, a storage node announces
 * its storage fURL (Announcer) and every node subscribes to the introducer (IntroducerSubscription), keeping
 * RunningNode.directory equal to the verified announcements. Every peer — the introducer and each server — is
 * dialed through the router with its own isolation token (its KEYHASH), and the client shows no identity (no
 * client certificate), so two servers cannot link this node by its keys or circuits. Each newly learnt server
 * is reached once (TLS with its key pinned) so that `veil status` can say how it is reached; every dial is
 * recorded per peer in Tahoe's words ("Connected to HINT via tor", "Trying to connect", "unstarted").
 */
import { VeilError, isVeilError, logger, sensitive, withTimeout, type Closable } from '../core/index.js';
import { formatFurl, type NodeConfig } from '../config/index.js';
import { startPinnedTls, type Router, type StreamOpener } from '../net/index.js';
import {
  Announcer,
  IntroducerClient,
  IntroducerSubscription,
  StorageClient,
  parseServiceAddress,
  type ServerDirectory,
  type ServiceAddress,
  type SignedAnnouncement,
} from '../grid/index.js';

const log = logger('veil:node:grid');

/** How long the first contact with a newly learnt server may take before status says it failed (ms). */
const PROBE_TIMEOUT_MS = 120_000;

export interface PeerConnection {
  readonly peer: string;
  readonly status: string;
}

interface PeerState {
  label: string;
  status: string;
}

/** What happened to the dials of each peer (for status). */
export class ConnectionTracker {
  readonly #peers = new Map<string, PeerState>();

  /** A stream opener that dials `address` through `router` with its own isolation token and records the outcome. */
  opener(router: Router, address: ServiceAddress, label: string): StreamOpener {
    const state: PeerState = this.#peers.get(address.keyHash) ?? { label, status: 'unstarted' };
    state.label = label;
    this.#peers.set(address.keyHash, state);
    return async (_host, _port, options) => {
      state.status = 'Trying to connect';
      try {
        const routed = await router.dialFirst(address.hints, { peerId: address.keyHash, signal: options.signal });
        state.status = `Connected to ${routed.attempts[routed.attempts.length - 1]!.hint} via ${routed.transport}`;
        return routed.stream;
      } catch (err) {
        state.status = `Failed to connect: ${isVeilError(err) ? `${err.code}: ` : ''}${(err as Error).message}`.slice(0, 300);
        throw err;
      }
    };
  }

  /** Renames a peer in status (the announced nickname). */
  label(keyHash: string, label: string): void {
    const state = this.#peers.get(keyHash);
    if (state) state.label = label;
  }

  forget(keyHash: string): void {
    this.#peers.delete(keyHash);
  }

  list(): PeerConnection[] {
    return [...this.#peers.values()].map((s) => ({ peer: s.label, status: s.status }));
  }
}

export interface GridMembershipInputs {
  readonly config: NodeConfig;
  readonly router: Router;
  readonly directory: ServerDirectory;
  /** This node's signed storage announcement, when it offers storage. */
  readonly announcement: (() => Promise<SignedAnnouncement>) | undefined;
}

export interface GridMembership extends Closable {
  readonly connections: () => PeerConnection[];
  /** Announce again now (e.g. the storage fURL changed). */
  readonly reannounce: () => void;
  readonly announcer: Announcer | undefined;
  readonly subscription: IntroducerSubscription | undefined;
}

/** The introducer's service address from `[client] introducer.furl`. Throws VEIL_GRID_ADDRESS_INVALID. */
export function introducerAddress(config: NodeConfig): ServiceAddress | undefined {
  const furl = config.client.introducerFurl;
  if (!furl) return undefined;
  try {
    return parseServiceAddress(formatFurl(furl));
  } catch (err) {
    throw new VeilError('VEIL_GRID_ADDRESS_INVALID', `[client] introducer.furl is not a Veil service address: ${(err as Error).message}`, {
      cause: err,
      hint: 'copy the whole fURL from the introducer\'s NODEDIR/private/introducer.furl',
    });
  }
}

/** Starts announcing and subscribing as the configuration asks; close() stops both and closes their connections. */
export function startGridMembership(inputs: GridMembershipInputs): GridMembership {
  const { router, directory } = inputs;
  const tracker = new ConnectionTracker();
  const address = introducerAddress(inputs.config);
  if (!address) return { connections: () => tracker.list(), reannounce: () => undefined, announcer: undefined, subscription: undefined, close: async () => undefined };

  const client = new IntroducerClient(address, { open: tracker.opener(router, address, 'introducer') });
  const announcer = inputs.announcement ? new Announcer({ client, sign: inputs.announcement }).start() : undefined;
  const probes = new AbortController();
  const connect = (server: ServiceAddress): StorageClient => {
    const open = tracker.opener(router, server, `storage server ${server.keyHash.slice(0, 8)}`);
    const storage = new StorageClient(server, { open });
    // First contact: dial and check the pinned key, so status can say how the server is reached.
    void (async () => {
      const signal = withTimeout(probes.signal, PROBE_TIMEOUT_MS);
      const stream = await open('veil-peer', 0, { signal });
      const tls = await startPinnedTls(stream, server.keyHash, { signal });
      tls.destroy();
    })().catch((err: unknown) => log.debug('first contact with a storage server failed:', sensitive(err)));
    return storage;
  };
  const subscription = new IntroducerSubscription({ client, directory, connect }).start();
  // Status labels carry the announced nicknames; servers that left are forgotten.
  let known = new Set<string>();
  const unsubscribe = directory.onChange((servers) => {
    for (const s of servers) tracker.label(s.keyHash, `storage server "${s.nickname ?? ''}" (${s.keyHash.slice(0, 8)})`);
    const now = new Set(servers.map((s) => s.keyHash));
    for (const k of known) if (!now.has(k) && k !== address.keyHash) tracker.forget(k);
    known = now;
  });
  return {
    connections: () => tracker.list(),
    reannounce: () => announcer?.update(),
    announcer,
    subscription,
    async close() {
      unsubscribe();
      probes.abort();
      await announcer?.close();
      await subscription.close();
      await client.close();
    },
  };
}
