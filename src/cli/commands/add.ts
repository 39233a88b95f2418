import { lstat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { VeilError, type ProgressEvent } from '../../core/index.js';
import {
  IMPORT_PROFILES,
  importDirectory,
  importFile,
  listDirectory,
  statEntry,
  type BlockGetter,
  type CID,
  type ImportProfileName,
} from '../../content/index.js';
import { print, type CliIo, type Command, type CommandContext } from '../command.js';
import { openNodeBlockstore, stringOption } from '../node-content.js';
import { formatBytes } from '../progress.js';

/** IPIP-499 profile names accepted as aliases of ours. */
const PROFILE_ALIASES: Readonly<Record<string, ImportProfileName>> = { 'unixfs-v0-2015': 'kubo-v0' };
/** Files at least this large get a progress line on a terminal. */
const PROGRESS_MIN_BYTES = 4 * 1024 * 1024;

function chooseProfile(ctx: CommandContext): ImportProfileName {
  const profile = stringOption(ctx.values, 'profile');
  const version = stringOption(ctx.values, 'cid-version');
  const rawLeaves = ctx.values['raw-leaves'] === true;
  if (version !== undefined && version !== '0' && version !== '1') throw new VeilError('VEIL_INPUT_INVALID', '--cid-version must be 0 or 1');
  if (profile !== undefined) {
    if (version !== undefined || rawLeaves) throw new VeilError('VEIL_INPUT_INVALID', '--profile sets the CID version and leaf type: do not combine it with --cid-version or --raw-leaves');
    const name = PROFILE_ALIASES[profile] ?? profile;
    if (!Object.hasOwn(IMPORT_PROFILES, name)) {
      throw new VeilError('VEIL_INPUT_INVALID', `unknown profile ${JSON.stringify(profile.slice(0, 40))}`, { hint: `use one of ${Object.keys(IMPORT_PROFILES).join(', ')}` });
    }
    return name as ImportProfileName;
  }
  if (version === '1') return 'kubo-v1-raw'; // Kubo: --cid-version=1 implies --raw-leaves
  if (rawLeaves) {
    throw new VeilError('VEIL_INPUT_INVALID', '--raw-leaves is only supported with --cid-version=1 (where it is the default)', { hint: 'add --cid-version=1, or use --profile unixfs-v1-2025' });
  }
  return 'kubo-v0';
}

/** A progress line on stderr while large files are imported (terminals only; cleared at the end). */
function progressLine(io: CliIo, totalBytes: number | undefined): { onProgress: (e: ProgressEvent) => void; done: () => void } {
  const isShown = io.stderr.isTTY === true && (totalBytes === undefined || totalBytes >= PROGRESS_MIN_BYTES);
  let isDirty = false;
  return {
    onProgress: (e) => {
      if (!isShown || e.type !== 'content:import-bytes') return;
      const done = Number(e.detail['bytesDone'] ?? 0);
      const pct = totalBytes ? `  ${Math.min(100, Math.floor((done * 100) / totalBytes))}%` : '';
      io.stderr.write(`\r\x1b[K${formatBytes(done)}${totalBytes ? ` / ${formatBytes(totalBytes)}` : ''}${pct}`);
      isDirty = true;
    },
    done: () => {
      if (isDirty) io.stderr.write('\r\x1b[K');
    },
  };
}

/**
 * The `added` lines of a directory in Kubo's order: files (and symlinks) depth-first in name order as they are
 * added, then directories after their contents (Kubo's adder.outputDirs), each named `<root>/<path>`.
 */
async function directoryLines(root: CID, rootName: string, store: BlockGetter, signal: AbortSignal): Promise<Array<[CID, string]>> {
  const files: Array<[CID, string]> = [];
  const dirs: Array<[CID, string]> = [];
  async function walk(cid: CID, path: string): Promise<void> {
    for await (const entry of listDirectory(cid, store, { signal })) {
      const childPath = `${path}/${entry.name}`;
      const stat = await statEntry(entry.cid, store, { signal });
      if (stat.kind === 'directory') await walk(entry.cid, childPath);
      else files.push([entry.cid, childPath]);
    }
    dirs.push([cid, path]);
  }
  await walk(root, rootName);
  return [...files, ...dirs];
}

export const addCommand: Command = {
  name: 'add',
  summary: 'import files or directories into the node\'s blockstore and print their CIDs (like `ipfs add`)',
  usage: 'add FILE|DIR... [-r] [--cid-version=0|1] [--raw-leaves] [--profile NAME] [--hidden] [-q|--quiet] [-Q|--quieter] [-d NODEDIR]',
  help: `Imports into NODEDIR/blocks; no running node is needed. CIDs equal Kubo's \`ipfs add\` with the same options.
  -r, --recursive      add directories (names starting with "." are skipped unless --hidden)
  --cid-version=0|1    0 (default): Kubo's CIDv0 profile; 1: CIDv1 with raw leaves
  --raw-leaves         raw leaf blocks (only with --cid-version=1, where it is already the default)
  --profile NAME       kubo-v0 (alias unixfs-v0-2015), kubo-v1-raw or unixfs-v1-2025 (IPIP-499)
  -q, --quiet          print only the CIDs;  -Q, --quieter: print only the last (root) CID
Output: \`added <cid> <name>\` per file and directory, as Kubo prints it.`,
  options: {
    recursive: { type: 'boolean', short: 'r' },
    'cid-version': { type: 'string' },
    'raw-leaves': { type: 'boolean' },
    profile: { type: 'string' },
    hidden: { type: 'boolean', short: 'H' },
    quieter: { type: 'boolean', short: 'Q' },
  },
  async run(ctx) {
    const { io, positionals, values, signal } = ctx;
    if (positionals.length === 0) throw new VeilError('VEIL_INPUT_INVALID', 'nothing to add: give one or more files or directories', { hint: 'veil add FILE, or veil add -r DIR' });
    const profile = chooseProfile(ctx);
    const store = await openNodeBlockstore(ctx.nodeDir, signal);
    let last: CID | undefined;
    const emit = (lines: ReadonlyArray<[CID, string]>): void => {
      for (const [cid, name] of lines) {
        last = cid;
        if (values['quieter'] !== true) print(io.stdout, values['quiet'] === true ? cid.toString() : `added ${cid.toString()} ${name}`);
      }
    };
    for (const arg of positionals) {
      const path = resolve(io.cwd, arg);
      let info;
      try {
        info = await lstat(path);
      } catch (err) {
        throw new VeilError('VEIL_CONTENT_IMPORT_FAILED', `cannot add ${arg}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: err });
      }
      const name = basename(path);
      if (info.isDirectory()) {
        if (values['recursive'] !== true) throw new VeilError('VEIL_INPUT_INVALID', `${arg} is a directory`, { hint: 'use -r to add directories' });
        const progress = progressLine(io, undefined);
        let root: CID;
        try {
          root = (await importDirectory(path, store, { profile, includeHidden: values['hidden'] === true, signal, onProgress: progress.onProgress })).cid;
        } finally {
          progress.done();
        }
        emit(await directoryLines(root, name, store, signal));
      } else {
        const progress = progressLine(io, info.size);
        let cid: CID;
        try {
          cid = (await importFile(path, store, { profile, signal, onProgress: progress.onProgress })).cid;
        } finally {
          progress.done();
        }
        emit([[cid, name]]);
      }
    }
    if (values['quieter'] === true && last) print(io.stdout, last.toString());
    return 0;
  },
};
