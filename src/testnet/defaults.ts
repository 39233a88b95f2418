/** Defaults of src/testnet, in one table (STYLE.md "Timeouts are options, with defaults in one defaults.ts"). */
export const TESTNET_DEFAULTS = Object.freeze({
  authorities: 3,
  /** Relays besides the authorities. */
  relays: 2,
  /** How many of those relays are exits (accepting 127.0.0.0/8 only); the rest are middle relays. */
  exits: 2,
  clients: 2,
  /** From start to every client ready (bootstrapped and seeing every relay). Measured: ~20 s on 2 cores. */
  readyTimeoutMs: 120_000,
  /** Wait after SIGTERM before SIGKILL, per tor. Tors run with ShutdownWaitLength 0 and exit in well under 1 s. */
  stopTimeoutMs: 5_000,
  torBinary: 'tor',
  torGencertBinary: 'tor-gencert',
  /** Name of the description file in the testnet directory. */
  infoFile: 'testnet.json',
  /** Subdirectory of the testnet directory that holds one DataDirectory per tor. */
  torSubdir: 'tor',
});
