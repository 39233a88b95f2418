import { EXIT_STATUS, VeilError } from '../../core/index.js';
import { leaseCap } from '../../node/index.js';
import { print, type Command } from '../command.js';
import { progressFor, servers } from './put.js';

export const leaseCommand: Command = {
  name: 'lease',
  summary: 'renew or cancel this node\'s leases on the blocks of a capability, at every server',
  usage: 'lease renew|cancel CAP|CID --server FURL [--server FURL]... [--json] [-d NODEDIR]',
  help: `Storage servers keep a block while someone holds a lease on it. \`veil put\` stores every block with a
lease that lasts 31 days (Tahoe's duration); servers with [storage] expire.enabled = true delete blocks whose
leases have all expired. The secrets of a lease are derived from this node's NODEDIR/private/secret, per server,
per upload (the capability's root) and per block, so only this node can renew or cancel its leases, servers
cannot link its blocks, and each capability's leases are its own (cancelling one keeps another that shares
blocks with it alive).
renew   walks the capability (every block of a file; a directory's manifests and all its entries, recursively)
        and renews the lease on each block at each server (adding it again if the server lost it)
cancel  removes this node's lease on each block; a server deletes a block once no lease is left on it
Exit status 0 when every server answered for every block (blocks a server did not hold are counted as missing).
  --server FURL   a storage server's service address; repeat for more
  --json          per-server counts as JSON`,
  options: { server: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  async run(ctx) {
    const { io, nodeDir, positionals, values, signal } = ctx;
    const [action, cap, ...rest] = positionals;
    if (action !== 'renew' && action !== 'cancel') throw new VeilError('VEIL_INPUT_INVALID', action === undefined ? 'lease needs a sub-command: renew or cancel' : `unknown lease sub-command ${JSON.stringify(action)}`, { hint: 'veil lease renew CAP --server FURL' });
    if (cap === undefined || rest.length > 0) throw new VeilError('VEIL_INPUT_INVALID', `give exactly one capability to ${action}`, { hint: `veil lease ${action} CAP --server FURL` });
    const progress = progressFor(ctx);
    let result;
    try {
      result = await leaseCap(nodeDir, action, cap, { servers: servers(values['server']), signal, onProgress: progress.onProgress });
    } finally {
      progress.done();
    }
    if (values['json']) print(io.stdout, JSON.stringify(result, null, 2));
    else {
      const verb = action === 'renew' ? 'renewed' : 'cancelled';
      const lines = Object.entries(result.servers).map(([name, r]) => `${name}: ${r.done} ${verb}, ${r.missing} missing${r.error ? `; failed: ${r.error}` : ''}`);
      print(io.stdout, [`${result.blocks} blocks`, ...lines].join('\n'));
    }
    return Object.values(result.servers).some((r) => r.error) ? EXIT_STATUS.network : 0;
  },
};
