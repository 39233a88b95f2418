import { resolve } from 'node:path';
import { VeilError } from '../../core/index.js';
import { getFile, putFile } from '../../node/index.js';
import { print, type Command } from '../command.js';

function servers(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

export const putCommand: Command = {
  name: 'put',
  summary: 'upload a file to storage servers and print its capability',
  usage: 'put FILE [--server FURL]... [--public] [-d NODEDIR] [--json]',
  help: `By default the file is private: convergently encrypted with this node's secret (NODEDIR/private/convergence)
and printed as a read capability veil:chk:KEY:CID; servers only see ciphertext. --public stores the plaintext
with Kubo's default CIDs and prints the CID. Every block goes to up to [client] shares.total servers; the upload
succeeds only when at least shares.happy distinct servers hold a full copy. Servers are reached through this
node's router (veil.cfg): with reveal-IP-address = false only through Tor and I2P, one circuit per server.
Without --server, the servers are those the introducer ([client] introducer.furl) announces: their signed
announcements are verified here before any server is used.
  --server FURL   a storage server's service address (its NODEDIR/private/storage.furl); repeat for more`,
  options: { server: { type: 'string', multiple: true }, public: { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ io, nodeDir, positionals, values, signal }) {
    const file = positionals[0];
    if (file === undefined || positionals.length > 1) throw new VeilError('VEIL_INPUT_INVALID', 'give exactly one FILE', { hint: 'veil put FILE [--server FURL]' });
    const result = await putFile(nodeDir, resolve(io.cwd, file), { servers: servers(values['server']), isPublic: values['public'] === true, signal });
    if (values['json']) print(io.stdout, JSON.stringify({ capability: result.capability, cid: result.cid.toString(), bytes: result.bytes, blocks: result.blocks, servers: result.servers, failures: result.failures }, null, 2));
    else print(io.stdout, result.capability);
    return 0;
  },
};

export const getCommand: Command = {
  name: 'get',
  summary: 'download a capability (or public CID) from storage servers, verifying every block',
  usage: 'get CAP|CID [--server FURL]... [-o PATH] [-d NODEDIR]',
  help: `Fetches each block from the first server that returns a copy matching its CID (a tampered or missing
block is fetched from another server), decrypts private files, and writes to PATH (complete files only: written
to PATH.veil-partial and renamed) or stdout.
  --server FURL   a storage server's service address; repeat for more (default: the introducer's servers)
  -o PATH         write to PATH instead of stdout`,
  options: { server: { type: 'string', multiple: true }, output: { type: 'string', short: 'o' } },
  async run({ io, nodeDir, positionals, values, signal }) {
    const cap = positionals[0];
    if (cap === undefined || positionals.length > 1) throw new VeilError('VEIL_INPUT_INVALID', 'give exactly one capability or CID', { hint: 'veil get veil:chk:KEY:CID --server FURL -o FILE' });
    const output = typeof values['output'] === 'string' ? resolve(io.cwd, values['output']) : undefined;
    await getFile(nodeDir, cap, output ? { path: output } : { stream: io.stdout }, { servers: servers(values['server']), signal });
    return 0;
  },
};
