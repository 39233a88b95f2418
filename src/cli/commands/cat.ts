import { VeilError } from '../../core/index.js';
import { parseCid, readFile, resolvePath, statEntry, type CID } from '../../content/index.js';
import { createNameResolver } from '../../names/index.js';
import type { Command } from '../command.js';
import { openNodeBlockstore, writeStream } from '../node-content.js';

/** Splits `CID[/path]`, `/ipfs/CID[/path]` or `/ipns/NAME[/path]` (local IPNS records only) into a root and segments. */
async function resolveTarget(arg: string, nodeDir: string, signal: AbortSignal): Promise<{ root: CID; segments: string[] }> {
  const text = arg.startsWith('/ipfs/') ? arg.slice('/ipfs/'.length) : arg;
  if (text.startsWith('/ipns/')) {
    const resolver = createNameResolver({ nodeDir });
    try {
      const r = await resolver.resolvePath(text, { signal });
      return { root: r.cid, segments: r.segments };
    } finally {
      await resolver.close();
    }
  }
  const [first = '', ...rest] = text.split('/');
  const segments = rest.filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) throw new VeilError('VEIL_INPUT_INVALID', 'paths inside a DAG cannot contain . or .. segments');
  return { root: parseCid(first), segments };
}

export const catCommand: Command = {
  name: 'cat',
  summary: 'write the content of a file in the blockstore to stdout (like `ipfs cat`)',
  usage: 'cat CID[/PATH] | /ipfs/CID[/PATH] | /ipns/NAME[/PATH] [-d NODEDIR]',
  help: 'Reads from NODEDIR/blocks; no running node is needed. /ipns/ names resolve through this node\'s own records.',
  async run({ io, nodeDir, positionals, signal }) {
    const arg = positionals[0];
    if (arg === undefined || positionals.length > 1) throw new VeilError('VEIL_INPUT_INVALID', 'give exactly one CID or path', { hint: 'veil cat QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o' });
    const store = await openNodeBlockstore(nodeDir, signal);
    const { root, segments } = await resolveTarget(arg, nodeDir, signal);
    const { cid } = await resolvePath(root, segments, store, { signal });
    const entry = await statEntry(cid, store, { signal });
    if (entry.kind === 'directory') throw new VeilError('VEIL_INPUT_INVALID', 'this path is a directory, not a file', { hint: 'open it in the gateway to list it, or cat a file inside it' });
    if (entry.kind === 'symlink') throw new VeilError('VEIL_INPUT_INVALID', 'this path is a symbolic link, not a file');
    await writeStream(io.stdout, readFile(cid, store, { signal }), signal);
    return 0;
  },
};
