/**
 * What a running private test network tells its users (tests, benchmarks, the demo). Written as JSON to
 * `<dir>/testnet.json` by `veil testnet up` and by the test runner (scripts/test.mjs), which passes its path
 * in the VEIL_TESTNET environment variable.
 */
export interface TorTestnetClient {
  readonly name: string;
  /** Tor DataDirectory of this client. */
  readonly dataDir: string;
  readonly socksPort: number;
  readonly controlPort: number;
  /** Path of the control auth cookie (CookieAuthentication 1). */
  readonly cookiePath: string;
  /** PID of the tor process (owned by the testnet). */
  readonly pid: number;
}

/** Role of a tor in the private network. Exits are relays whose exit policy accepts 127.0.0.0/8 only. */
export type TorTestnetRole = 'authority' | 'relay' | 'exit' | 'client';

/** One tor process of the private network (every role, clients included). */
export interface TorTestnetNode {
  readonly name: string;
  readonly role: TorTestnetRole;
  /** Tor DataDirectory (also holds its torrc, notice.log and pid file). */
  readonly dataDir: string;
  readonly pid: number;
  /** Relay identity fingerprint (40 hex digits); absent for clients. */
  readonly fingerprint?: string | undefined;
  readonly orPort?: number | undefined;
  readonly dirPort?: number | undefined;
  readonly controlPort: number;
}

export interface TorTestnetInfo {
  readonly authorities: number;
  /** Relays that are not authorities (exits included). */
  readonly relays: number;
  /** Client tor instances (no relaying), each with SOCKS and control ports on 127.0.0.1. */
  readonly clients: readonly TorTestnetClient[];
  /** The torrc lines a further tor (e.g. one launched by a Veil node) needs to join this network. */
  readonly joinTorrcLines: readonly string[];
  /** Every tor process of the network (authorities, relays, exits, clients), for status and `testnet down`. */
  readonly nodes?: readonly TorTestnetNode[] | undefined;
  /** Milliseconds from startTorTestnet() to every client ready. */
  readonly startupMs?: number | undefined;
}

export interface I2pTestnetRouter {
  readonly name: string;
  readonly dataDir: string;
  /** SAM bridge TCP port on 127.0.0.1, or undefined for routers without SAM (floodfills). */
  readonly samPort?: number | undefined;
  readonly pid: number;
}

export interface I2pTestnetInfo {
  /** Network id of the private network (never 2, the public one); a launched i2pd joins with it. */
  readonly netId: number;
  readonly routers: readonly I2pTestnetRouter[];
  /** Path of the private i2pd binary used (a patched copy, see src/testnet/README.md), for launching more routers. */
  readonly i2pdBinary: string;
}

export interface TestnetInfo {
  readonly dir: string;
  readonly tor?: TorTestnetInfo | undefined;
  readonly i2p?: I2pTestnetInfo | undefined;
}
