/**
 * Namespaced logger with redaction. Only src/cli writes to stdout/stderr: it installs a sink with setLogSink().
 * Until then log records go nowhere (tests may install their own sink).
 *
 * Level comes from VEIL_LOG (error|warn|info|debug; default warn). Sensitive values (onion addresses, I2P
 * destinations, peer IPs, connection hints, CIDs, paths) must be wrapped with sensitive(): they print as
 * "[redacted]" unless VEIL_LOG_SENSITIVE=1. Never log keys, cookies, passwords or file contents.
 */

export const LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LEVELS)[number];

export interface LogRecord {
  readonly level: LogLevel;
  readonly namespace: string;
  readonly message: string;
  readonly time: Date;
}

export type LogSink = (record: LogRecord) => void;

/** A value that prints as [redacted] unless sensitive logging is on. */
export class Sensitive {
  constructor(readonly value: unknown) {}
  toString(): string {
    return process.env['VEIL_LOG_SENSITIVE'] === '1' ? String(this.value) : '[redacted]';
  }
}

export function sensitive(value: unknown): Sensitive {
  return new Sensitive(value);
}

interface LoggerState {
  sink: LogSink | undefined;
  level: LogLevel;
  lastWarn: Map<string, number>;
}

// The sink is process-wide by nature (one stderr); it lives on globalThis under a symbol so that it is
// explicit and resettable in tests, not a hidden module variable.
const STATE_KEY = Symbol.for('veil.logger.state');
function state(): LoggerState {
  const g = globalThis as unknown as Record<symbol, LoggerState | undefined>;
  let s = g[STATE_KEY];
  if (!s) {
    const env = process.env['VEIL_LOG'];
    s = { sink: undefined, level: (LEVELS as readonly string[]).includes(env ?? '') ? (env as LogLevel) : 'warn', lastWarn: new Map() };
    g[STATE_KEY] = s;
  }
  return s;
}

export function setLogSink(sink: LogSink | undefined): void {
  state().sink = sink;
}

export function setLogLevel(level: LogLevel): void {
  state().level = level;
}

export function getLogLevel(): LogLevel {
  return state().level;
}

const WARN_INTERVAL_MS = 60_000;

export class Logger {
  constructor(readonly namespace: string) {}

  child(suffix: string): Logger {
    return new Logger(`${this.namespace}:${suffix}`);
  }

  isEnabled(level: LogLevel): boolean {
    return LEVELS.indexOf(level) <= LEVELS.indexOf(state().level);
  }

  #emit(level: LogLevel, parts: readonly unknown[]): void {
    const s = state();
    if (!s.sink || !this.isEnabled(level)) return;
    const message = parts.map((p) => (p instanceof Error ? `${p.message}` : String(p))).join(' ');
    s.sink({ level, namespace: this.namespace, message, time: new Date() });
  }

  error(...parts: unknown[]): void {
    this.#emit('error', parts);
  }
  /** Warnings are rate-limited per (namespace, first part): one a minute. */
  warn(...parts: unknown[]): void {
    const key = `${this.namespace}\u0000${String(parts[0])}`;
    const s = state();
    const now = Date.now();
    const last = s.lastWarn.get(key);
    if (last !== undefined && now - last < WARN_INTERVAL_MS) return;
    s.lastWarn.set(key, now);
    this.#emit('warn', parts);
  }
  info(...parts: unknown[]): void {
    this.#emit('info', parts);
  }
  debug(...parts: unknown[]): void {
    this.#emit('debug', parts);
  }
}

export function logger(namespace: string): Logger {
  return new Logger(namespace.startsWith('veil') ? namespace : `veil:${namespace}`);
}
