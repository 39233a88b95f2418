/** Defaults for launching tor (STYLE: one defaults table per folder). */
export const LAUNCH_DEFAULTS = Object.freeze({
  /** Deadline for tor to write its control-port file and accept authentication (first start makes keys). */
  startTimeoutMs: 60_000,
  /** Wait after SIGTERM before SIGKILL (a client tor exits at once; relays wait ShutdownWaitLength). */
  stopTimeoutMs: 10_000,
  /** Fallback poll of the control-port file, in case fs.watch misses tor's write-then-rename. */
  controlPortFilePollMs: 100,
});

/** File names inside the data directory. */
export const LAUNCH_FILES = Object.freeze({
  torrc: 'veil-torrc',
  emptyDefaults: 'veil-torrc-defaults',
  controlPort: 'control-port',
  cookie: 'control_auth_cookie',
  noticeLog: 'notice.log',
});
