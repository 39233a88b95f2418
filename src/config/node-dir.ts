/**
 * The node directory's format version (STYLE.md: "The node directory records a format version, and the node
 * refuses to start when it doesn't match") and the names of the files this layer reads.
 * NODEDIR/node.format holds the version as a decimal integer and a newline.
 */
import { constants as fsConstants } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError, abortError, quoteUntrusted, type AbortOptions } from '../core/index.js';

/** The node-directory format this Veil reads and writes. Raise it when the layout changes incompatibly. */
export const NODE_FORMAT_VERSION = 1;
export const NODE_FORMAT_FILE = 'node.format';
export const CONFIG_FILE = 'veil.cfg';
/** Tahoe's per-server overrides (C7); Veil does not read it, and refuses to start when it exists. */
export const SERVERS_YAML_FILE = 'private/servers.yaml';

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/** The text of node.format for the current version. */
export function formatNodeFormat(version: number = NODE_FORMAT_VERSION): string {
  return `${version}\n`;
}

/**
 * Checks NODEDIR/node.format. Throws VEIL_CONFIG_NODE_FORMAT when missing, corrupt or another version;
 * VEIL_CONFIG_UNREADABLE when it cannot be read; VEIL_ABORTED on abort. Honours `signal`.
 */
export async function checkNodeFormat(nodeDir: string, options: AbortOptions = {}): Promise<void> {
  const file = join(nodeDir, NODE_FORMAT_FILE);
  let text: string;
  try {
    text = await readFile(file, { encoding: 'utf8', signal: options.signal });
  } catch (err) {
    if (options.signal?.aborted) throw abortError(options.signal, `read ${file}`);
    if (errnoOf(err) === 'ENOENT') {
      throw new VeilError('VEIL_CONFIG_NODE_FORMAT', `${file} is missing: ${nodeDir} is not a Veil node directory`, {
        cause: err,
        details: { file },
      });
    }
    throw new VeilError('VEIL_CONFIG_UNREADABLE', `cannot read ${file}: ${errnoOf(err)}`, { cause: err, details: { file } });
  }
  const t = text.trim();
  if (!/^\d{1,6}$/.test(t)) {
    throw new VeilError('VEIL_CONFIG_NODE_FORMAT', `${file} is corrupt: expected a version number, found ${quoteUntrusted(t, 40)}`, {
      details: { file },
    });
  }
  const version = Number(t);
  if (version !== NODE_FORMAT_VERSION) {
    throw new VeilError(
      'VEIL_CONFIG_NODE_FORMAT',
      `${nodeDir} has node-directory format ${version}, but this Veil supports format ${NODE_FORMAT_VERSION}`,
      { details: { file, version, supported: NODE_FORMAT_VERSION } },
    );
  }
}

/**
 * Writes NODEDIR/node.format for the current version; never overwrites (create-node).
 * Throws VEIL_CONFIG_WRITE_FAILED. Honours `signal`.
 */
export async function writeNodeFormat(nodeDir: string, options: AbortOptions = {}): Promise<void> {
  await writeNew(join(nodeDir, NODE_FORMAT_FILE), formatNodeFormat(), 0o644, options);
}

/** Creates `file` with `text`; fails when it exists. Throws VEIL_CONFIG_WRITE_FAILED or VEIL_ABORTED. */
export async function writeNew(file: string, text: string, mode: number, options: AbortOptions = {}): Promise<void> {
  try {
    await writeFile(file, text, { encoding: 'utf8', mode, flag: fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, signal: options.signal });
  } catch (err) {
    if (options.signal?.aborted) throw abortError(options.signal, `write ${file}`);
    const code = errnoOf(err);
    const why = code === 'EEXIST' ? 'it already exists' : code;
    throw new VeilError('VEIL_CONFIG_WRITE_FAILED', `cannot create ${file}: ${why}`, { cause: err, details: { file, errno: code } });
  }
}
