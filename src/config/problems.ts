/**
 * Problems found while reading and validating veil.cfg, and the two errors that report them all at once:
 * VEIL_CONFIG_INVALID (anything wrong) and VEIL_CONFIG_IP_LEAK (settings that would reveal the IP address
 * while `[node] reveal-IP-address = false`). Each problem names its section and key as the user wrote them,
 * and the line, so the user can fix every problem in one edit.
 */
import { VeilError } from '../core/index.js';

/** One thing wrong with the configuration. `line` is 1-based; absent for keys that were not written. */
export interface ConfigProblem {
  readonly section?: string | undefined;
  readonly key?: string | undefined;
  readonly line?: number | undefined;
  readonly message: string;
}

/** One setting that would reveal the node's IP address, with the value that would not. */
export interface IpLeak {
  readonly section: string;
  readonly key: string;
  readonly line?: number | undefined;
  /** The value in effect (written, or the default when `line` is absent). */
  readonly value: string;
  /** A value for this key that does not reveal the IP address. */
  readonly safeValue: string;
  readonly reason: string;
}

function where(p: { section?: string | undefined; key?: string | undefined; line?: number | undefined }): string {
  const name = p.section === undefined ? p.key ?? '' : p.key === undefined ? `[${p.section}]` : `[${p.section}] ${p.key}`;
  return [p.line === undefined ? '' : `line ${p.line}`, name].filter((s) => s !== '').join(': ');
}

/** `line 4: [node] tub.port: must not be empty` */
export function formatProblem(p: ConfigProblem): string {
  const w = where(p);
  return w === '' ? p.message : `${w}: ${p.message}`;
}

/** `line 7: [connections] tcp = tcp -> tor (direct TCP connections reveal ...)` */
export function formatLeak(l: IpLeak): string {
  const w = where(l);
  return `${w} = ${l.value || '(empty)'} -> set it to: ${l.safeValue} (${l.reason})`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** VEIL_CONFIG_INVALID listing every problem; details.problems holds them for programs. */
export function invalidConfigError(file: string, problems: readonly ConfigProblem[]): VeilError {
  const lines = problems.map((p) => `  ${formatProblem(p)}`).join('\n');
  return new VeilError('VEIL_CONFIG_INVALID', `${file} has ${plural(problems.length, 'problem')}:\n${lines}`, {
    details: { file, problems: problems.map((p) => ({ ...p })) },
  });
}

/** VEIL_CONFIG_IP_LEAK listing every leaking key and its safe value; details.leaks holds them. */
export function ipLeakError(file: string, leaks: readonly IpLeak[]): VeilError {
  const lines = leaks.map((l) => `  ${formatLeak(l)}`).join('\n');
  return new VeilError(
    'VEIL_CONFIG_IP_LEAK',
    `${file} sets reveal-IP-address = false, but ${plural(leaks.length, 'setting')} would reveal the IP address:\n${lines}`,
    { details: { file, leaks: leaks.map((l) => ({ ...l })) } },
  );
}

/** VEIL_CONFIG_VALUE for one malformed value; validation turns it into a ConfigProblem. */
export function valueError(message: string, value?: string): VeilError {
  return new VeilError('VEIL_CONFIG_VALUE', message, value === undefined ? {} : { details: { value } });
}

/** Collects problems; validation keeps going after each one so that all are reported together. */
export class ProblemList {
  readonly #items: ConfigProblem[] = [];

  add(problem: ConfigProblem): void {
    this.#items.push(Object.freeze({ ...problem }));
  }

  get items(): readonly ConfigProblem[] {
    return this.#items;
  }

  get isEmpty(): boolean {
    return this.#items.length === 0;
  }
}
