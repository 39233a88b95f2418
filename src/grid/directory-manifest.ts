/**
 * Private directories (issue #4 §4): a directory is a manifest listing its entries, name → { type, size, cap },
 * stored like a file (convergently encrypted, convergent.ts) and read through `veil:dir:KEY:CID`. Subdirectories
 * are manifests of their own, so a capability to a subdirectory reveals nothing above it. The manifest is JSON:
 *
 *   { "veil": "dir-v1", "entries": [ { "name": "a.txt", "type": "file", "size": 12, "cap": "veil:chk:..." },
 *                                    { "name": "docs", "type": "directory", "size": 345, "cap": "veil:dir:..." },
 *                                    { "name": "link", "type": "symlink", "size": 0, "target": "a.txt" } ] }
 *
 * Entries are sorted by name (bytewise), so the same tree gives the same manifest and the same capability.
 * A directory's size is the total size of the files below it. A decrypted manifest is untrusted input (anyone can
 * write one): parseManifest checks every field and its limits and throws VEIL_GRID_DIRECTORY_INVALID.
 */
import { VeilError, quoteUntrusted } from '../core/index.js';
import { parseCapability } from './convergent.js';

export const MANIFEST_VERSION = 'dir-v1';
/** Largest manifest read (bytes of JSON). */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
export const MAX_MANIFEST_ENTRIES = 100_000;
/** Longest entry name (bytes of UTF-8), as most filesystems. */
export const MAX_NAME_BYTES = 255;
const MAX_TARGET_BYTES = 4096;

export type ManifestEntry =
  | { readonly name: string; readonly type: 'file' | 'directory'; readonly size: number; readonly cap: string }
  | { readonly name: string; readonly type: 'symlink'; readonly size: 0; readonly target: string };

function invalid(message: string): VeilError {
  return new VeilError('VEIL_GRID_DIRECTORY_INVALID', `directory manifest: ${message}`);
}

/**
 * Whether `name` is safe as one path segment on disk: not empty, not `.` or `..`, no `/`, `\` or NUL, at most
 * MAX_NAME_BYTES. Used for manifests and for public UnixFS directories alike before anything is written.
 */
export function isSafeEntryName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name) && Buffer.byteLength(name) <= MAX_NAME_BYTES;
}

function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The manifest's bytes: entries sorted by name. Throws VEIL_GRID_DIRECTORY_INVALID for a bad or repeated name. */
export function encodeManifest(entries: readonly ManifestEntry[]): Uint8Array {
  const sorted = [...entries].sort((a, b) => compareNames(a.name, b.name));
  sorted.forEach((e, i) => {
    if (!isSafeEntryName(e.name)) throw invalid(`${quoteUntrusted(e.name)} is not a usable name`);
    if (i > 0 && sorted[i - 1]!.name === e.name) throw invalid(`${quoteUntrusted(e.name)} appears twice`);
  });
  const plain = sorted.map((e) => (e.type === 'symlink' ? { name: e.name, type: e.type, size: 0, target: e.target } : { name: e.name, type: e.type, size: e.size, cap: e.cap }));
  return Buffer.from(JSON.stringify({ veil: MANIFEST_VERSION, entries: plain }));
}

function parseEntry(v: unknown, index: number): ManifestEntry {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`entry ${index} is not an object`);
  const e = v as Record<string, unknown>;
  const name = e['name'];
  if (typeof name !== 'string' || !isSafeEntryName(name)) throw invalid(`entry ${index} has no usable name`);
  const type = e['type'];
  const size = e['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalid(`entry ${quoteUntrusted(name)} has no valid size`);
  if (type === 'symlink') {
    const target = e['target'];
    if (typeof target !== 'string' || target === '' || target.includes('\0') || Buffer.byteLength(target) > MAX_TARGET_BYTES) throw invalid(`symlink ${quoteUntrusted(name)} has no valid target`);
    return { name, type, size: 0, target };
  }
  if (type !== 'file' && type !== 'directory') throw invalid(`entry ${quoteUntrusted(name)} has an unknown type`);
  const cap = e['cap'];
  if (typeof cap !== 'string' || cap.length > 1024) throw invalid(`entry ${quoteUntrusted(name)} has no capability`);
  let kind: string;
  try {
    kind = parseCapability(cap).kind;
  } catch {
    throw invalid(`entry ${quoteUntrusted(name)} has an invalid capability`);
  }
  // A private directory links private files and directories only: never plaintext.
  if (kind !== (type === 'file' ? 'chk' : 'dir')) throw invalid(`entry ${quoteUntrusted(name)}: a ${type} needs a veil:${type === 'file' ? 'chk' : 'dir'}: capability`);
  return { name, type, size, cap };
}

/** Parses a decrypted manifest. Throws VEIL_GRID_DIRECTORY_INVALID. */
export function parseManifest(bytes: Uint8Array): ManifestEntry[] {
  if (bytes.length > MAX_MANIFEST_BYTES) throw invalid(`larger than ${MAX_MANIFEST_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw invalid('not JSON (is the capability\'s key right?)');
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as Record<string, unknown>)['veil'] !== MANIFEST_VERSION) throw invalid(`not a ${MANIFEST_VERSION} manifest`);
  const entries = (parsed as Record<string, unknown>)['entries'];
  if (!Array.isArray(entries)) throw invalid('no entries');
  if (entries.length > MAX_MANIFEST_ENTRIES) throw invalid(`more than ${MAX_MANIFEST_ENTRIES} entries`);
  const out = entries.map(parseEntry);
  const names = new Set<string>();
  for (const e of out) {
    if (names.has(e.name)) throw invalid(`${quoteUntrusted(e.name)} appears twice`);
    names.add(e.name);
  }
  return out;
}
