import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { VeilError } from '../../core/index.js';
import { startI2pTestnet, startTorTestnet, stopTestnetFromDir, writeInfo, readInfo, infoPath, isTestnetProcess, type TestnetInfo } from '../../testnet/index.js';
import { print, type Command, type CommandContext } from '../command.js';
import { progressPrinter } from '../progress.js';

const DEFAULT_DIR = resolve(homedir(), '.veil-testnet');

function intOption(ctx: CommandContext, name: string): number | undefined {
  const v = ctx.values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 0 || n > 50) throw new VeilError('VEIL_INPUT_INVALID', `--${name} must be a whole number from 0 to 50`);
  return n;
}

function describe(info: TestnetInfo): string {
  const lines = [`private network in ${info.dir} (everything on 127.0.0.1)`];
  if (info.tor) {
    lines.push(`  Tor: ${info.tor.authorities} authorities, ${info.tor.relays} relays, ${info.tor.clients.length} clients`);
    for (const c of info.tor.clients) {
      lines.push(`    ${c.name}: SOCKS 127.0.0.1:${c.socksPort}, control 127.0.0.1:${c.controlPort}, cookie ${c.cookiePath}, pid ${c.pid}`);
    }
    lines.push(`  try: curl --socks5-hostname 127.0.0.1:${info.tor.clients[0]?.socksPort ?? 'PORT'} http://127.0.0.1:PORT/`);
  }
  if (info.i2p) {
    for (const r of info.i2p.routers) lines.push(`  I2P ${r.name}: ${r.samPort ? `SAM 127.0.0.1:${r.samPort}` : 'floodfill'}, pid ${r.pid}`);
  }
  return lines.join('\n');
}

async function up(ctx: CommandContext, dir: string): Promise<number> {
  const foreground = ctx.values['foreground'] === true;
  const withI2p = ctx.values['i2p'] === true;
  if (withI2p && !foreground) {
    throw new VeilError('VEIL_INPUT_INVALID', 'the private I2P network runs only in the foreground for now', { hint: 'add --foreground (Ctrl-C stops both networks)' });
  }
  const handle = await startTorTestnet({
    dir,
    authorities: intOption(ctx, 'authorities'),
    relays: intOption(ctx, 'relays'),
    clients: intOption(ctx, 'clients'),
    detached: !foreground,
    signal: ctx.signal,
    onProgress: progressPrinter(ctx.io),
  });
  let i2p: Awaited<ReturnType<typeof startI2pTestnet>> | undefined;
  try {
    if (withI2p) i2p = await startI2pTestnet({ dir: join(dir, 'i2p'), signal: ctx.signal, onProgress: progressPrinter(ctx.io) });
  } catch (err) {
    await handle.close();
    throw err;
  }
  const info: TestnetInfo = { dir, tor: handle.info, i2p: i2p?.info };
  await writeInfo(dir, info);
  print(ctx.io.stdout, ctx.values['json'] ? JSON.stringify(info, null, 2) : `${describe(info)}\n  description: ${infoPath(dir)}\n  stop it with: veil testnet down --dir ${dir}`);
  if (!foreground) return 0;
  await new Promise<void>((r) => (ctx.signal.aborted ? r() : ctx.signal.addEventListener('abort', () => r(), { once: true })));
  await Promise.all([handle.close(), i2p?.close()]);
  return 0;
}

export const testnetCommand: Command = {
  name: 'testnet',
  summary: 'start, inspect or stop a private Tor network on 127.0.0.1 (tests, demos, benchmarks)',
  usage: 'testnet up|down|status [--dir DIR] [--authorities N] [--relays N] [--clients N] [--i2p --foreground] [--json]',
  help: `up       start directory authorities, relays (exits that reach only 127.0.0.0/8) and client tors, all bound
         to 127.0.0.1 with TestingTorNetwork 1; waits until the clients are bootstrapped, then prints each client's
         SOCKS and control ports and cookie path (--json for JSON). The tors keep running after the command
         ends, unless --foreground (then Ctrl-C stops them).
         --i2p also starts a private i2pd network (4 routers on 127.0.0.x, netid 77, SAM on two of them; in the
         foreground only).
down     stop every process of the network in DIR (only processes it recorded and can prove are its own)
status   show the network in DIR and whether each process is running
The network cannot reach anything outside this machine: see src/testnet/README.md.
options: --dir DIR (default ~/.veil-testnet)`,
  options: {
    dir: { type: 'string' },
    authorities: { type: 'string' },
    relays: { type: 'string' },
    clients: { type: 'string' },
    foreground: { type: 'boolean' },
    i2p: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(ctx) {
    const sub = ctx.positionals[0];
    const dir = resolve(ctx.io.cwd, (ctx.values['dir'] as string | undefined) ?? DEFAULT_DIR);
    switch (sub) {
      case 'up':
        return up(ctx, dir);
      case 'down': {
        const result = await stopTestnetFromDir(dir, { signal: ctx.signal });
        print(ctx.io.stdout, `stopped ${result.stopped.length} process(es)${result.skipped.length ? `, ${result.skipped.length} already gone` : ''}`);
        return 0;
      }
      case 'status': {
        const info = await readInfo(dir);
        const pids = [...(info.tor?.clients ?? []).map((c) => c.pid), ...(info.tor?.nodes ?? []).map((n) => n.pid), ...(info.i2p?.routers ?? []).map((r) => r.pid)];
        const alive = (await Promise.all([...new Set(pids)].map((p) => isTestnetProcess(p, dir)))).filter(Boolean).length;
        if (ctx.values['json']) print(ctx.io.stdout, JSON.stringify({ ...info, running: alive, recorded: new Set(pids).size }, null, 2));
        else print(ctx.io.stdout, `${describe(info)}\n  ${alive} of ${new Set(pids).size} processes running`);
        return alive > 0 ? 0 : 1;
      }
      default:
        throw new VeilError('VEIL_INPUT_INVALID', sub === undefined ? 'testnet needs a sub-command: up, down or status' : `unknown testnet sub-command '${sub}'`, {
          hint: 'see `veil testnet --help`',
        });
    }
  },
};
