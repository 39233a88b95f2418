import { createInterface } from 'node:readline/promises';
import { EXIT_STATUS, VeilError } from '../../core/index.js';
import {
  saveClientKey,
  CLIENT_KEYS_DIR,
  addOnionClient,
  addOnionClientAuth,
  addOnionService,
  listOnionClients,
  listOnionServices,
  openNodeTorControl,
  readSavedService,
  removeOnionClient,
  removeOnionService,
  rotateNodeOnionService,
  rotateOnionService,
  type OnionServiceInfo,
  type Publication,
} from '../../node/index.js';
import { loadNodeConfig } from '../../config/index.js';
import { print, type Command, type CommandContext } from '../command.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `0`, `90s`, `10m`, `2h`, `7d`, `1h30m` → milliseconds. Throws VEIL_INPUT_INVALID. */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new VeilError('VEIL_INPUT_INVALID', `invalid duration ${JSON.stringify(text)}`, { hint: 'use a number with a unit: 30s, 10m, 2h, 7d (or 0)' });
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]!]!, 0);
  if (!Number.isSafeInteger(ms) || ms > 365 * UNITS['d']!) throw new VeilError('VEIL_INPUT_INVALID', 'a duration is at most 365 days');
  return ms;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function need(ctx: CommandContext, index: number, what: string): string {
  const v = ctx.positionals[index];
  if (v === undefined) throw new VeilError('VEIL_INPUT_INVALID', `missing ${what}`, { hint: 'see `veil onion --help`' });
  return v;
}

/** Prints what happened on the running node; returns the exit status (non-zero when it did not publish). */
function reportPublication(ctx: CommandContext, p: Publication): number {
  const { io, nodeDir } = ctx;
  switch (p.kind) {
    case 'node-not-running':
      print(io.stdout, `  saved; the node is not running: \`veil run ${nodeDir}\` publishes it`);
      return 0;
    case 'published':
      print(io.stdout, '  published by the running node (descriptor uploaded)');
      return 0;
    case 'no-wait':
      print(io.stdout, '  the running node applies the change');
      return 0;
    case 'not-published':
    case 'tor-unreachable':
      print(io.stderr, `veil: warning: saved, but not published by the running node: ${p.reason}\n  hint: restart the node (veil run ${nodeDir}); \`veil doctor\` says more`);
      return EXIT_STATUS['local-daemon'];
  }
}

function formatList(services: readonly OnionServiceInfo[]): string {
  if (services.length === 0) return 'no onion services (add one with `veil onion add NAME --target 127.0.0.1:PORT`)';
  const lines: string[] = [];
  for (const s of services) {
    if (s.address === undefined) {
      lines.push(`${s.name}: unusable: ${s.note ?? ''}`);
      continue;
    }
    const auth = s.clientAuth ? `, client auth: ${s.clients} client(s)` : '';
    lines.push(`${s.name}: ${s.address}:${s.virtualPort} -> ${s.target} (${s.published}${auth})`);
    for (const r of s.retiring) lines.push(`  old address ${r.address} withdrawn at ${r.withdrawAt}`);
    if (s.note) lines.push(`  note: ${s.note}`);
  }
  return lines.join('\n');
}

async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  if (ctx.values['yes'] === true) return true;
  if (!process.stdin.isTTY) {
    throw new VeilError('VEIL_ONION_CONFIRMATION_REQUIRED', 'refusing to remove without confirmation: stdin is not a terminal');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `, { signal: ctx.signal });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

async function add(ctx: CommandContext): Promise<number> {
  const name = need(ctx, 1, 'NAME');
  const target = str(ctx.values['target']);
  if (target === undefined) throw new VeilError('VEIL_INPUT_INVALID', 'onion add needs --target (the local service, e.g. 127.0.0.1:22)');
  const added = await addOnionService(
    ctx.nodeDir,
    { name, target, virtualPort: str(ctx.values['port']), clientAuth: ctx.values['client-auth'] === true, clientName: str(ctx.values['client']) },
    { signal: ctx.signal },
  );
  if (ctx.values['json']) {
    print(ctx.io.stdout, JSON.stringify({ name, address: added.address, virtualPort: added.service.virtualPort, target: added.service.target, clientAuthLine: added.clientAuthLine, publication: added.publication.kind }, null, 2));
    return added.publication.kind === 'not-published' || added.publication.kind === 'tor-unreachable' ? EXIT_STATUS['local-daemon'] : 0;
  }
  print(ctx.io.stdout, `onion service ${name}: ${added.address} (port ${added.service.virtualPort} -> ${added.service.target})`);
  const status = reportPublication(ctx, added.publication);
  if (added.clientAuthLine) {
    print(ctx.io.stdout, `  client authorization is on. Key of client "${str(ctx.values['client']) ?? 'default'}" (a secret, shown once):\n${added.clientAuthLine}`);
    print(ctx.io.stdout, '  the client puts this line in a file NAME.auth_private in its tor\'s ClientOnionAuthDir');
  }
  return status;
}

async function rotate(ctx: CommandContext): Promise<number> {
  if (ctx.values['node-service'] === true) {
    if (ctx.positionals[1] !== undefined) throw new VeilError('VEIL_INPUT_INVALID', 'give either NAME or --node-service, not both');
    const r = await rotateNodeOnionService(ctx.nodeDir);
    print(ctx.io.stdout, `node onion service: ${r.oldAddress} -> ${r.newAddress}\n  veil.cfg updated (tub.location, [tor] onion.private_key_file); old key kept in ${r.oldKeyFile}`);
    print(ctx.io.stdout, '  restart the node to publish the new address (a running node keeps the old one until then)');
    return 0;
  }
  const name = need(ctx, 1, 'NAME (or --node-service)');
  const graceMs = parseDuration(str(ctx.values['grace']) ?? '0');
  const r = await rotateOnionService(ctx.nodeDir, name, graceMs, { signal: ctx.signal });
  if (ctx.values['json']) {
    print(ctx.io.stdout, JSON.stringify({ name, oldAddress: r.oldAddress, newAddress: r.newAddress, withdrawAt: r.withdrawAt, publication: r.publication.kind }, null, 2));
  } else {
    print(ctx.io.stdout, `onion service ${name}: new address ${r.newAddress}`);
    print(ctx.io.stdout, `  old address ${r.oldAddress} is withdrawn ${graceMs === 0 ? 'once the new one is published' : `at ${r.withdrawAt}`}`);
    if (r.clientAuthNote) print(ctx.io.stdout, `  ${r.clientAuthNote}`);
  }
  return ctx.values['json'] ? 0 : reportPublication(ctx, r.publication);
}

async function auth(ctx: CommandContext): Promise<number> {
  const sub = ctx.positionals[1];
  const { io, nodeDir, signal } = ctx;
  switch (sub) {
    case 'add': {
      const name = need(ctx, 2, 'NAME');
      const client = need(ctx, 3, 'CLIENT');
      const r = await addOnionClient(nodeDir, name, client, { signal });
      print(io.stdout, `client ${client} may now reach ${name}. Its key (a secret, shown once; put it in CLIENT.auth_private in the client's ClientOnionAuthDir, or \`veil onion auth use\`):`);
      print(io.stdout, r.authLine);
      return reportPublication(ctx, r.publication);
    }
    case 'list': {
      const name = need(ctx, 2, 'NAME');
      const r = await listOnionClients(nodeDir, name);
      if (ctx.values['json']) print(io.stdout, JSON.stringify(r, null, 2));
      else if (r.clients.length === 0) print(io.stdout, r.clientAuth ? `${name}: client authorization on, no client (not published)` : `${name}: no client authorization (anyone with the address)`);
      else for (const c of r.clients) print(io.stdout, `${c.name}  descriptor:x25519:${c.publicKey}  added ${c.addedAt}`);
      return 0;
    }
    case 'remove': {
      const name = need(ctx, 2, 'NAME');
      const client = need(ctx, 3, 'CLIENT');
      const r = await removeOnionClient(nodeDir, name, client, { signal });
      print(io.stdout, r.remaining > 0 ? `client ${client} removed; ${name} is republished with ${r.remaining} client key(s)` : `client ${client} removed; ${name} has no client left and is withdrawn (it never becomes public)`);
      return reportPublication(ctx, r.publication);
    }
    case 'use': {
      // Veil as a client: keep the key with the node (veil run gives it to tor on every connect) and give it to the
      // node's tor now.
      const line = need(ctx, 2, 'KEY-LINE (<onion-id>:descriptor:x25519:<key>)');
      const serviceId = await saveClientKey(nodeDir, line);
      const tor = await openNodeTorControl(await loadNodeConfig(nodeDir, { signal }), { signal });
      try {
        await addOnionClientAuth(tor.control, line, { signal });
      } finally {
        await tor.close();
      }
      print(io.stdout, `the node's tor now holds the client key for ${serviceId}.onion; it is kept in ${CLIENT_KEYS_DIR}/ and given to tor again after every restart`);
      return 0;
    }
    default:
      throw new VeilError('VEIL_INPUT_INVALID', sub === undefined ? 'onion auth needs add, list, remove or use' : `unknown onion auth sub-command '${sub}'`, { hint: 'see `veil onion --help`' });
  }
}

export const onionCommand: Command = {
  name: 'onion',
  summary: 'onion services for local services (SSH, a web app …): add, list, remove, rotate, client authorization',
  usage: 'onion add|list|remove|rotate|auth ... [-d NODEDIR]',
  help: `add NAME --target 127.0.0.1:PORT [--port VIRTPORT] [--client-auth [--client CLIENT]]
         a v3 onion service for a service on this machine (127.0.0.0/8, ::1 or unix:/path; a LAN or
         public target is refused). The key stays in NODEDIR/private/onion/NAME/. \`veil run\` publishes
         every saved service; on a running node, add waits until it is published.
list [--json]                      name, address, target, published or not, client-auth clients
remove NAME [--yes]                withdraw it and delete its key (asks first; without a terminal, needs --yes)
rotate NAME [--grace DURATION]     a new key and address; the new one is published before the old one is
                                   withdrawn, after DURATION (30s, 10m, 2h, 7d; default 0)
rotate --node-service              a new address for the node's own --listen=tor service (veil.cfg is updated;
                                   restart the node to publish it)
auth add NAME CLIENT               authorize a client (v3 client authorization); prints its key line
auth list NAME [--json]            authorized clients (public keys)
auth remove NAME CLIENT            republish with the remaining keys (none left: withdrawn, never public)
auth use KEY-LINE                  Veil as a client: give the node's tor a client key (ONION_CLIENT_AUTH_ADD)
The node directory is -d NODEDIR (default ~/.veil).`,
  options: {
    target: { type: 'string' },
    port: { type: 'string' },
    'client-auth': { type: 'boolean' },
    client: { type: 'string' },
    grace: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    json: { type: 'boolean' },
    'node-service': { type: 'boolean' },
  },
  async run(ctx) {
    const sub = ctx.positionals[0];
    switch (sub) {
      case 'add':
        return add(ctx);
      case 'list': {
        const services = await listOnionServices(ctx.nodeDir, { signal: ctx.signal });
        print(ctx.io.stdout, ctx.values['json'] ? JSON.stringify(services, null, 2) : formatList(services));
        return 0;
      }
      case 'remove': {
        const name = need(ctx, 1, 'NAME');
        const service = await readSavedService(ctx.nodeDir, name);
        if (!(await confirm(ctx, `Remove the onion service ${name} (${service.current.serviceId}.onion) and delete its key? The address cannot be recovered.`))) {
          print(ctx.io.stderr, 'not removed');
          return EXIT_STATUS.input;
        }
        const r = await removeOnionService(ctx.nodeDir, name, { signal: ctx.signal });
        print(ctx.io.stdout, `onion service ${name} (${r.address}) removed; its key is deleted`);
        return reportPublication(ctx, r.publication);
      }
      case 'rotate':
        return rotate(ctx);
      case 'auth':
        return auth(ctx);
      default:
        throw new VeilError('VEIL_INPUT_INVALID', sub === undefined ? 'onion needs a sub-command: add, list, remove, rotate or auth' : `unknown onion sub-command '${sub}'`, {
          hint: 'see `veil onion --help`',
        });
    }
  },
};
