/**
 * Default timeouts and limits for src/i2p, in one table. Callers override them through options; nothing
 * writes into the caller's options object.
 */
export const I2P_DEFAULTS = Object.freeze({
  /** Dial + HELLO on a fresh SAM socket. */
  helloTimeoutMs: 10_000,
  /** A SAM command whose reply comes from the local router (STREAM ACCEPT/FORWARD status, DEST GENERATE). */
  commandTimeoutMs: 30_000,
  /**
   * SESSION CREATE blocks until the session's tunnels are built. i2pd 2.45 polls readiness every 20 s
   * (I2P-TESTNET.md, problem 3), so allow well over 20 s.
   */
  sessionCreateTimeoutMs: 90_000,
  /** NAMING LOOKUP (a .b32.i2p name may need a network lookup through floodfills). */
  lookupTimeoutMs: 60_000,
  /** STREAM CONNECT: LeaseSet lookup plus SYN. */
  connectTimeoutMs: 60_000,
  /** Pause between STREAM CONNECT retries after CANT_REACH_PEER (when retrying is asked for). */
  connectRetryIntervalMs: 500,
  /** Longest SAM reply line we accept. */
  maxLineBytes: 16_384,
  /**
   * After a session's streams are closed and before its control socket is: time for the router to finish
   * them (see SamClient#endStreams). Paid once per session close, only when streams were open.
   */
  streamsDrainMs: 200,
  /** i2pd: from spawn until the SAM port is accepting. */
  launchTimeoutMs: 30_000,
  /** i2pd: SIGTERM → exit, before SIGKILL. */
  stopTimeoutMs: 10_000,
  /** Signature type for new destinations: 7 = EdDSA_SHA512_Ed25519 (SAM v3 "SIGNATURE_TYPE"). */
  signatureType: 7,
});
