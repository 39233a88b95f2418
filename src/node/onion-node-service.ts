/**
 * Rotating the node's own onion service (`--listen=tor`, `[tor] onion = true`): a new key in a new file, and
 * veil.cfg rewritten so that `[tor] onion.private_key_file` names it and `[node] tub.location` advertises the
 * new address. The rewrite keeps every other line (comments included) as written, is validated with
 * parseNodeConfig before it replaces the file, and replaces it atomically (temp file + rename). The old key
 * file is kept: a running node keeps publishing the old address until it is restarted.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { VeilError, logger, sensitive } from '../core/index.js';
import { CONFIG_FILE, loadNodeConfig, parseNodeConfig, readIni, type NodeConfig } from '../config/index.js';
import { generateOnionServiceKey, type OnionServiceKey } from './onion-keys.js';
import { writeFileAtomic } from './onion-registry.js';

const log = logger('veil:node:onion');

export interface NodeServiceRewrite {
  /** The new veil.cfg text. */
  readonly text: string;
  readonly oldAddress: string;
  readonly newAddress: string;
}

/** The tor: hint of the node's own service in tub.location (the one on the onion service's external port). */
export function nodeServiceAddress(config: NodeConfig): string {
  const onion = config.tor.onion;
  const loc = config.node.tubLocation;
  const hints = loc.kind === 'entries' ? loc.entries.filter((e) => e.kind === 'tor' && (!onion || e.port === onion.externalPort)) : [];
  const hint = hints[0];
  if (!onion || hints.length !== 1 || hint?.kind !== 'tor') {
    throw new VeilError('VEIL_ONION_NODE_SERVICE_MISSING', 'veil.cfg has no single tor: entry of the node\'s own onion service ([tor] onion = true) in tub.location');
  }
  return hint.host.toLowerCase();
}

function replaceValue(lines: string[], lineNo: number, key: string, newValue: string): void {
  const i = lineNo - 1;
  const raw = lines[i];
  if (raw === undefined) throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): a config line number is out of range');
  const m = /^(\s*[^=:]+?\s*[=:]\s*)(.*?)(\s*)$/.exec(raw);
  if (!m || m[1]!.trim().replace(/\s*[=:]$/, '').toLowerCase() !== key.toLowerCase()) {
    throw new VeilError('VEIL_BUG', `internal error (a bug in Veil): line ${lineNo} of veil.cfg is not ${key}`);
  }
  lines[i] = `${m[1]}${newValue}${m[3]}`;
}

/**
 * Pure: the veil.cfg text with the node's onion service moved to `key` (whose key file is `keyFileRel`,
 * relative to the node directory). Validates the result with parseNodeConfig. Throws
 * VEIL_ONION_NODE_SERVICE_MISSING, VEIL_CONFIG_* (the result would not run: nothing is written then).
 */
export function rewriteNodeServiceConfig(text: string, nodeDir: string, key: Pick<OnionServiceKey, 'serviceId'>, keyFileRel: string): NodeServiceRewrite {
  const config = parseNodeConfig(text, { nodeDir });
  const oldAddress = nodeServiceAddress(config);
  const newAddress = `${key.serviceId}.onion`;
  const { document } = readIni(text);
  const location = document.sections.get('node')?.entries.get('tub.location');
  const keyFile = document.sections.get('tor')?.entries.get('onion.private_key_file');
  if (!location || !keyFile) throw new VeilError('VEIL_ONION_NODE_SERVICE_MISSING', 'veil.cfg does not set [node] tub.location and [tor] onion.private_key_file');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r\n|\n/);
  const newLocation = location.value
    .split(',')
    .map((part) => {
      const m = /^(\s*tor:)([^:]+)(:.*)$/i.exec(part);
      return m && m[2]!.toLowerCase() === oldAddress ? `${m[1]}${newAddress}${m[3]}` : part;
    })
    .join(',');
  replaceValue(lines, location.line, 'tub.location', newLocation);
  replaceValue(lines, keyFile.line, 'onion.private_key_file', keyFileRel);
  const out = lines.join(eol);
  const checked = parseNodeConfig(out, { nodeDir });
  if (nodeServiceAddress(checked) !== newAddress || checked.tor.onion?.privateKeyFile !== join(checked.nodeDir, keyFileRel)) {
    throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): the rewritten veil.cfg does not name the new onion service');
  }
  return { text: out, oldAddress, newAddress };
}

export interface RotatedNodeService {
  readonly oldAddress: string;
  readonly newAddress: string;
  /** Absolute path of the new key file. */
  readonly keyFile: string;
  /** Absolute path of the old key file (kept; delete it once the old address is no longer needed). */
  readonly oldKeyFile: string;
}

/**
 * Gives the node's own onion service a new key and address (`veil onion rotate --node-service`). The node
 * publishes the new address from its next start; a storage node then writes its new storage.furl and announces
 * it to the introducer with a higher seq, which replaces the old announcement at the introducer and its clients.
 * Throws VEIL_ONION_NODE_SERVICE_MISSING, VEIL_CONFIG_*.
 */
export async function rotateNodeOnionService(nodeDir: string): Promise<RotatedNodeService> {
  const config = await loadNodeConfig(nodeDir);
  const file = join(config.nodeDir, CONFIG_FILE);
  const oldKeyFile = config.tor.onion?.privateKeyFile;
  if (!oldKeyFile) throw new VeilError('VEIL_ONION_NODE_SERVICE_MISSING', 'this node has no onion service of its own ([tor] onion = true)');
  const text = await readFile(file, 'utf8');
  const key = generateOnionServiceKey();
  const keyFileRel = join('private', `tor_onion.${key.serviceId.slice(0, 16)}.privkey`);
  const rewrite = rewriteNodeServiceConfig(text, config.nodeDir, key, keyFileRel);
  const keyFile = join(config.nodeDir, keyFileRel);
  // The key first (never overwriting), then the configuration that names it.
  const handle = await open(keyFile, 'wx', 0o600);
  try {
    await handle.writeFile(`${key.privateKey}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  const mode = (await stat(file)).mode & 0o777;
  await writeFileAtomic(file, rewrite.text);
  if (mode !== 0o600) log.debug('veil.cfg mode was', mode.toString(8), 'and is now 600');
  log.info('rotated the node onion service; old key kept at', sensitive(relative(config.nodeDir, oldKeyFile)));
  return { oldAddress: rewrite.oldAddress, newAddress: rewrite.newAddress, keyFile, oldKeyFile };
}
