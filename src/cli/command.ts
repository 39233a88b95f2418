/**
 * The shape of a CLI command. One file per command under src/cli/commands/. Only src/cli prints or exits.
 */
import type { ParseArgsConfig } from 'node:util';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export interface CommandContext {
  readonly io: CliIo;
  /** Positional arguments after the command name (and after a sub-command, for grouped commands). */
  readonly positionals: readonly string[];
  /** Parsed options, per the command's `options`. */
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  /** Node directory from -d/--node-directory (or the first positional where the command takes NODEDIR), resolved. */
  readonly nodeDir: string;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage line(s) after `veil `, e.g. `create-node [NODEDIR] [--listen=tcp,tor,i2p,none] ...`. */
  readonly usage: string;
  /** Longer help text (option descriptions). */
  readonly help?: string;
  readonly options?: NonNullable<ParseArgsConfig['options']>;
  /** True when the first positional, if given, is the node directory (Tahoe's `veil run NODEDIR`). */
  readonly takesNodeDir?: boolean;
  /** Returns the exit status (0 on success); throws VeilError on failure. */
  run(ctx: CommandContext): Promise<number>;
}

export function print(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}
