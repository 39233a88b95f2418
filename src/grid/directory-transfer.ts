/**
 * Reading what a capability names (issue #4 §4): `veil ls` (listCapability) and `veil get` of a directory
 * (downloadTree). Private directories are decrypted manifests (directory-manifest.ts); public ones are UnixFS
 * directories (plain or HAMT-sharded). Names from either are untrusted: every one is checked (isSafeEntryName)
 * before anything is written, and a tree is written under `PATH.veil-partial` and renamed to PATH only when
 * complete, so a failed download never leaves a half tree at PATH.
 *
 * Progress: `grid:download` { bytesDone, bytesTotal? } as file bytes are written.
 */
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, rename, rm, symlink } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { VeilError, quoteUntrusted, raceAbort, report, throwIfAborted, type AbortOptions, type ProgressOptions } from '../core/index.js';
import { listDirectory, statEntry, type BlockGetter, type EntryKind } from '../content/index.js';
import { formatCapability, type Capability, parseCapability } from './convergent.js';
import { MAX_MANIFEST_BYTES, isSafeEntryName, parseManifest } from './directory-manifest.js';
import { downloadCapability } from './transfer.js';

/** One entry of a listing. `cap` reads it (a veil: capability, or a CID for public content). */
export interface ListedEntry {
  readonly name: string;
  readonly type: EntryKind;
  /** File bytes (for a private directory: the bytes of the files below it; public directories: 0). */
  readonly size: number;
  readonly cap?: string | undefined;
  readonly target?: string | undefined;
}

/** What a capability names: a file (with its size) or a directory (with its entries). */
export type Listing = { readonly type: 'file'; readonly size: number } | { readonly type: 'symlink'; readonly target: string } | { readonly type: 'directory'; readonly entries: readonly ListedEntry[] };

const MAX_DEPTH = 64;

/** The decrypted manifest of a `veil:dir:` capability (at most MAX_MANIFEST_BYTES). Honours `signal`. */
export async function readManifest(cap: Capability, getter: BlockGetter, options: AbortOptions): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of downloadCapability(cap, getter, options)) {
    size += chunk.length;
    if (size > MAX_MANIFEST_BYTES) throw new VeilError('VEIL_GRID_DIRECTORY_INVALID', `directory manifest: larger than ${MAX_MANIFEST_BYTES} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts, size);
}

/**
 * Lists a capability: a directory's entries (private: from its manifest; public: its UnixFS links, each child
 * stat'ed for its type and size), or a file's size. Throws VEIL_GRID_DIRECTORY_INVALID, VEIL_GRID_BLOCK_UNAVAILABLE,
 * VEIL_CONTENT_NOT_UNIXFS. Honours `signal`.
 */
export async function listCapability(cap: Capability, getter: BlockGetter, options: AbortOptions = {}): Promise<Listing> {
  if (cap.kind === 'dir') {
    const entries = parseManifest(await readManifest(cap, getter, options));
    return { type: 'directory', entries: entries.map((e) => (e.type === 'symlink' ? { name: e.name, type: e.type, size: 0, target: e.target } : { name: e.name, type: e.type, size: e.size, cap: e.cap })) };
  }
  const root = await statEntry(cap.cid, getter, options);
  if (root.kind === 'symlink') return { type: 'symlink', target: root.target ?? '' };
  if (root.kind === 'file') return { type: 'file', size: root.size };
  if (cap.kind === 'chk') throw new VeilError('VEIL_GRID_DIRECTORY_INVALID', 'a veil:chk: capability names a directory block');
  const entries: ListedEntry[] = [];
  for await (const child of listDirectory(cap.cid, getter, options)) {
    const stat = await statEntry(child.cid, getter, options);
    entries.push({ name: child.name, type: stat.kind, size: stat.size, cap: formatCapability({ kind: 'public', cid: child.cid }), target: stat.target });
  }
  return { type: 'directory', entries };
}

export interface DownloadTreeOptions extends AbortOptions, ProgressOptions {}

/**
 * Writes the tree a directory capability names to `outPath` (which must not exist). Resolves with the file bytes
 * written. Throws VEIL_INPUT_INVALID (outPath exists, or the capability is a file), VEIL_GRID_DIRECTORY_INVALID
 * (an unsafe name), download errors. Honours `signal`.
 */
export async function downloadTree(cap: Capability, getter: BlockGetter, outPath: string, options: DownloadTreeOptions = {}): Promise<number> {
  const exists = await lstat(outPath).then(
    () => true,
    () => false,
  );
  if (exists) throw new VeilError('VEIL_INPUT_INVALID', `${quoteUntrusted(outPath)} already exists`, { hint: 'give -o a path that does not exist yet' });
  const listing = await listCapability(cap, getter, options);
  if (listing.type !== 'directory') throw new VeilError('VEIL_INPUT_INVALID', 'the capability names a file, not a directory');
  const bytesTotal = cap.kind === 'dir' ? listing.entries.reduce((n, e) => n + e.size, 0) : undefined;
  const temp = `${outPath}.veil-partial`;
  await rm(temp, { recursive: true, force: true });
  let bytesDone = 0;
  const writeFile = async (fileCap: Capability, dest: string): Promise<void> => {
    const out = createWriteStream(dest, { mode: 0o644, flags: 'wx' });
    try {
      for await (const chunk of downloadCapability(fileCap, getter, options)) {
        bytesDone += chunk.length;
        report(options, 'grid:download', { bytesDone, bytesTotal });
        if (!out.write(chunk)) await raceAbort(once(out, 'drain'), options.signal, 'write output');
      }
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    } finally {
      out.destroy();
    }
  };
  const writeDirectory = async (entries: readonly ListedEntry[], dest: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) throw new VeilError('VEIL_GRID_DIRECTORY_INVALID', `directories nested deeper than ${MAX_DEPTH}`);
    await mkdir(dest, { mode: 0o755 });
    const seen = new Set<string>();
    for (const e of entries) {
      throwIfAborted(options.signal, 'download');
      if (!isSafeEntryName(e.name) || seen.has(e.name)) throw new VeilError('VEIL_GRID_DIRECTORY_INVALID', `a directory holds the unusable or repeated name ${quoteUntrusted(e.name)}`);
      seen.add(e.name);
      const path = join(dest, e.name);
      if (e.type === 'symlink') await symlink(e.target ?? '', path);
      else if (e.type === 'file') await writeFile(parseCapability(e.cap ?? ''), path);
      else {
        const child = await listCapability(parseCapability(e.cap ?? ''), getter, options);
        if (child.type !== 'directory') throw new VeilError('VEIL_GRID_DIRECTORY_INVALID', `${quoteUntrusted(e.name)} is listed as a directory but is not one`);
        await writeDirectory(child.entries, path, depth + 1);
      }
    }
  };
  try {
    await writeDirectory(listing.entries, temp, 0);
    await rename(temp, outPath);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
  return bytesDone;
}
