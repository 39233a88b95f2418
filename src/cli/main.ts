/**
 * Entry point of the `veil` command: argument parsing, dispatch, error → exit-status mapping, log output.
 * The only code (with src/cli/commands) that writes to stdout/stderr or exits.
 */
import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { EXIT_STATUS, VeilError, isVeilError, setLogSink, setLogLevel, type LogRecord } from '../core/index.js';
import { COMMANDS } from './commands/index.js';
import { print, type CliIo, type Command } from './command.js';

const GLOBAL_OPTIONS = {
  'node-directory': { type: 'string', short: 'd' },
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean', short: 'v' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: veil [-d NODEDIR] COMMAND [OPTIONS]',
    '',
    'Veil: a content-addressed storage node that keeps its location private (Tor onion services, I2P).',
    '',
    'commands:',
    ...lines,
    '',
    'global options:',
    '  -d, --node-directory DIR  the node directory (default ~/.veil)',
    '  -v, --verbose             log at debug level (VEIL_LOG=debug does the same)',
    '  -q, --quiet               log errors only',
    '  -h, --help                help for veil or for a command',
    '',
    'Run `veil COMMAND --help` for a command\'s options.',
  ].join('\n');
}

function commandHelp(cmd: Command): string {
  return [`usage: veil ${cmd.usage}`, '', cmd.summary, ...(cmd.help ? ['', cmd.help] : [])].join('\n');
}

function installLogSink(io: CliIo): void {
  setLogSink((r: LogRecord) => {
    io.stderr.write(`${r.time.toISOString()} ${r.level.padEnd(5)} ${r.namespace}: ${r.message}\n`);
  });
}

export function formatError(err: VeilError): string {
  const lines = [`veil: error: ${err.message} [${err.code}]`];
  if (err.hint) lines.push(`  hint: ${err.hint}`);
  return lines.join('\n');
}

/** Runs the CLI with `argv` (without node and script); returns the exit status. */
export async function main(argv: readonly string[], io: CliIo, signal: AbortSignal): Promise<number> {
  installLogSink(io);
  const nameIndex = argv.findIndex((a, i) => !a.startsWith('-') && !(i > 0 && (argv[i - 1] === '-d' || argv[i - 1] === '--node-directory')));
  const name = nameIndex === -1 ? undefined : argv[nameIndex];
  if (name === undefined || name === 'help') {
    const topic = name === 'help' ? argv[nameIndex + 1] : undefined;
    const cmd = topic ? COMMANDS.find((c) => c.name === topic) : undefined;
    print(io.stdout, cmd ? commandHelp(cmd) : usage());
    return name === undefined && !argv.includes('--help') && !argv.includes('-h') ? EXIT_STATUS.input : 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    print(io.stderr, `veil: unknown command '${name}'\n\n${usage()}`);
    return EXIT_STATUS.input;
  }
  const rest = [...argv.slice(0, nameIndex), ...argv.slice(nameIndex + 1)];
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...(cmd.options ?? {}) }, allowPositionals: true, strict: true });
    } catch (err) {
      throw new VeilError('VEIL_INPUT_INVALID', (err as Error).message, { hint: `see \`veil ${cmd.name} --help\``, cause: err });
    }
    const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
    if (values['help']) {
      print(io.stdout, commandHelp(cmd));
      return 0;
    }
    if (values['verbose']) setLogLevel('debug');
    else if (values['quiet']) setLogLevel('error');
    else if (!io.env['VEIL_LOG']) setLogLevel('info');
    let positionals = parsed.positionals;
    let nodeDirArg = values['node-directory'] as string | undefined;
    if (cmd.takesNodeDir && positionals.length > 0) {
      if (nodeDirArg !== undefined) throw new VeilError('VEIL_INPUT_INVALID', 'give the node directory either as NODEDIR or with -d, not both');
      nodeDirArg = positionals[0];
      positionals = positionals.slice(1);
    }
    const nodeDir = resolve(io.cwd, nodeDirArg ?? io.env['VEIL_NODE_DIRECTORY'] ?? resolve(homedir(), '.veil'));
    return await cmd.run({ io, positionals, values, nodeDir, signal });
  } catch (err) {
    if (isVeilError(err)) {
      print(io.stderr, formatError(err));
      return EXIT_STATUS[err.category];
    }
    print(io.stderr, `veil: internal error (a bug in Veil): ${(err as Error)?.stack ?? String(err)}`);
    return EXIT_STATUS.bug;
  }
}

const isEntry = process.argv[1] !== undefined && /(?:^|[\\/])(?:veil(?:\.js)?|main\.js)$/.test(process.argv[1]);
if (isEntry) {
  const controller = new AbortController();
  let interrupts = 0;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      interrupts += 1;
      if (interrupts > 1) process.exit(EXIT_STATUS.aborted);
      controller.abort(new VeilError('VEIL_ABORTED', `stopped by ${sig}`));
    });
  }
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
  main(process.argv.slice(2), io, controller.signal).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`veil: internal error (a bug in Veil): ${String(err)}\n`);
      process.exitCode = EXIT_STATUS.bug;
    },
  );
}
