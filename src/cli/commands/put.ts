import { resolve } from 'node:path';
import { VeilError } from '../../core/index.js';
import { getFile, listCap, putFile } from '../../node/index.js';
import type { ListedEntry, Listing } from '../../grid/index.js';
import { print, type Command, type CommandContext } from '../command.js';
import { transferProgress } from '../progress.js';

export function servers(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/** A progress display unless --json or --quiet. */
export function progressFor(ctx: CommandContext): ReturnType<typeof transferProgress> {
  return transferProgress(ctx.io, ctx.values['json'] !== true && ctx.values['quiet'] !== true);
}

export const putCommand: Command = {
  name: 'put',
  summary: 'upload a file or directory to storage servers and print its capability',
  usage: 'put FILE|DIR [--server FURL]... [--public] [-d NODEDIR] [--json]',
  help: `By default content is private: a file is convergently encrypted with this node's secret
(NODEDIR/private/convergence) and printed as a read capability veil:chk:KEY:CID; a directory becomes an
encrypted manifest of its entries, veil:dir:KEY:CID. Servers only see ciphertext. --public stores plaintext
(UnixFS files and directories) with Kubo's default CIDs and prints the CID. Names starting with "." are skipped
in directories. Every block goes to up to [client] shares.total servers with a lease (31 days; see
\`veil lease\`); the upload succeeds only when at least shares.happy distinct servers hold a full copy. Servers
are reached through this node's router (veil.cfg): with reveal-IP-address = false only through Tor and I2P, one
circuit per server. A progress bar is shown on a terminal (plain lines otherwise; none with --json or -q).
Without --server or [client] storage.servers, the servers are those the introducer ([client] introducer.furl)
announces: their signed announcements are verified here before any server is used.
  --server FURL   a storage server's service address (its NODEDIR/private/storage.furl); repeat for more
                  (the servers in [client] storage.servers are used too)`,
  options: { server: { type: 'string', multiple: true }, public: { type: 'boolean' }, json: { type: 'boolean' } },
  async run(ctx) {
    const { io, nodeDir, positionals, values, signal } = ctx;
    const file = positionals[0];
    if (file === undefined || positionals.length > 1) throw new VeilError('VEIL_INPUT_INVALID', 'give exactly one FILE or DIR', { hint: 'veil put FILE --server FURL' });
    const progress = progressFor(ctx);
    let result;
    try {
      result = await putFile(nodeDir, resolve(io.cwd, file), { servers: servers(values['server']), isPublic: values['public'] === true, signal, onProgress: progress.onProgress });
    } finally {
      progress.done();
    }
    if (values['json']) {
      const { capability, bytes, blocks, servers: held, failures, isDirectory } = result;
      print(io.stdout, JSON.stringify({ capability, cid: result.cid.toString(), type: isDirectory ? 'directory' : 'file', bytes, blocks, servers: held, failures }, null, 2));
    } else print(io.stdout, result.capability);
    return 0;
  },
};

export const getCommand: Command = {
  name: 'get',
  summary: 'download a capability (or public CID), a file or a directory, verifying every block',
  usage: 'get CAP|CID [--server FURL]... [-o PATH] [-d NODEDIR]',
  help: `Fetches each block from the first server that returns a copy matching its CID (a tampered or missing
block is fetched from another server), decrypts private content, and writes a file to PATH (complete files
only: written to PATH.veil-partial and renamed) or stdout. A directory (veil:dir: or a public UnixFS
directory) needs -o PATH, which must not exist: the tree is written to PATH.veil-partial and renamed when
complete. A progress bar is shown on a terminal when writing to PATH (none with -q).
  --server FURL   a storage server's service address; repeat for more (default: [client] storage.servers,
                  else the introducer's servers)
  -o PATH         write to PATH instead of stdout`,
  options: { server: { type: 'string', multiple: true }, output: { type: 'string', short: 'o' } },
  async run(ctx) {
    const { io, nodeDir, positionals, values, signal } = ctx;
    const cap = positionals[0];
    if (cap === undefined || positionals.length > 1) throw new VeilError('VEIL_INPUT_INVALID', 'give exactly one capability or CID', { hint: 'veil get veil:chk:KEY:CID --server FURL -o FILE' });
    const output = typeof values['output'] === 'string' ? resolve(io.cwd, values['output']) : undefined;
    const progress = progressFor(ctx);
    try {
      await getFile(nodeDir, cap, output ? { path: output } : { stream: io.stdout }, { servers: servers(values['server']), signal, onProgress: progress.onProgress });
    } finally {
      progress.done();
    }
    return 0;
  },
};

function formatEntry(e: ListedEntry): string {
  const kind = e.type === 'directory' ? 'dir ' : e.type === 'symlink' ? 'link' : 'file';
  const what = e.type === 'symlink' ? `-> ${JSON.stringify(e.target ?? '')}` : (e.cap ?? '');
  return `${kind}  ${String(e.size).padStart(12)}  ${JSON.stringify(e.name).slice(1, -1)}  ${what}`;
}

export function formatListing(listing: Listing): string {
  if (listing.type === 'file') return `file  ${listing.size}`;
  if (listing.type === 'symlink') return `link  -> ${JSON.stringify(listing.target)}`;
  return listing.entries.map(formatEntry).join('\n');
}

export const lsCommand: Command = {
  name: 'ls',
  summary: 'list a directory capability (private veil:dir: or a public CID): name, size, type, capability',
  usage: 'ls CAP|CID --server FURL [--server FURL]... [--json] [-d NODEDIR]',
  help: `One line per entry: type (file, dir, link), size in bytes, name, and the entry's own capability (pass it to
\`veil get\` or \`veil ls\`). A private directory's size is that of the files below it; public directories
show 0. For a file capability, prints its type and size. Names are printed with JSON escapes.
  --json          the listing as JSON: { type, entries: [{ name, type, size, cap, target }] } or { type, size }
  --server FURL   a storage server's service address; repeat for more`,
  options: { server: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  async run({ io, nodeDir, positionals, values, signal }) {
    const cap = positionals[0];
    if (cap === undefined || positionals.length > 1) throw new VeilError('VEIL_INPUT_INVALID', 'give exactly one capability or CID', { hint: 'veil ls veil:dir:KEY:CID --server FURL' });
    const listing = await listCap(nodeDir, cap, { servers: servers(values['server']), signal });
    const text = values['json'] ? JSON.stringify(listing, null, 2) : formatListing(listing);
    if (text !== '') print(io.stdout, text);
    return 0;
  },
};
