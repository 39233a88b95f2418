/**
 * Reading the configuration: parseNodeConfig (pure, for tests and create-node) and loadNodeConfig (reads
 * NODEDIR). Both validate everything before returning a deeply frozen NodeConfig. Order of errors:
 * VEIL_CONFIG_INVALID (every problem: syntax, names, values, conflicts) first; only a valid configuration is
 * then checked for IP leaks (VEIL_CONFIG_IP_LEAK, every leaking key with its safe value).
 */
import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VeilError, abortError, type AbortOptions } from '../core/index.js';
import { readIni } from './ini.js';
import { CONFIG_FILE, SERVERS_YAML_FILE, checkNodeFormat } from './node-dir.js';
import { findIpLeaks } from './privacy.js';
import { ProblemList, invalidConfigError, ipLeakError, type ConfigProblem } from './problems.js';
import { ConfigReader } from './reader.js';
import type { NodeConfig } from './types.js';
import { validateI2p, validateTor } from './validate-daemons.js';
import { checkTubUsers, computeConnectionHandlers, validateConnections, validateNode } from './validate-node.js';
import { validateClient, validateGateway, validateIntroducer, validateStorage, validateTestnet } from './validate-sections.js';

export interface ParseNodeConfigOptions {
  /** The node directory: relative paths resolve against it. */
  readonly nodeDir: string;
  /** Names the source in messages (default NODEDIR/veil.cfg). */
  readonly file?: string | undefined;
  /** Problems found outside veil.cfg (e.g. an unsupported file in the node directory), reported together. */
  readonly extraProblems?: readonly ConfigProblem[] | undefined;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/**
 * Parses and validates veil.cfg text. Throws VEIL_CONFIG_INVALID (listing every problem) or
 * VEIL_CONFIG_IP_LEAK (listing every leaking key and its safe value). Pure: reads no files.
 */
export function parseNodeConfig(text: string, options: ParseNodeConfigOptions): NodeConfig {
  const nodeDir = resolve(options.nodeDir);
  const file = options.file ?? join(nodeDir, CONFIG_FILE);
  const problems = new ProblemList();
  for (const p of options.extraProblems ?? []) problems.add(p);
  const { document, problems: syntax } = readIni(text);
  for (const p of syntax) problems.add(p);
  const r = new ConfigReader(document, problems, nodeDir);
  r.checkNames();
  const node = validateNode(r);
  const tor = validateTor(r);
  const i2p = validateI2p(r);
  const tcp = validateConnections(r, tor);
  const client = validateClient(r);
  const storage = validateStorage(r);
  const introducer = validateIntroducer(r);
  const gateway = validateGateway(r);
  const testnet = validateTestnet(r);
  checkTubUsers(r, node, storage.enabled, tor, i2p, introducer.enabled);
  if (!problems.isEmpty) throw invalidConfigError(file, sortProblems(problems.items));
  const leaks = findIpLeaks(r, { node, tcp, tor, i2p });
  if (leaks.length > 0) throw ipLeakError(file, leaks);
  const config: NodeConfig = {
    nodeDir,
    node,
    connections: { tcp },
    tor,
    i2p,
    client,
    storage,
    introducer,
    gateway,
    testnet,
    connectionHandlers: computeConnectionHandlers(r, tcp, tor, i2p),
  };
  return deepFreeze(config);
}

/** File order: problems without a line (keys not written, other files) last, stable otherwise. */
function sortProblems(items: readonly ConfigProblem[]): ConfigProblem[] {
  return items
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? Infinity) - (b.p.line ?? Infinity) || a.i - b.i)
    .map(({ p }) => p);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new VeilError('VEIL_CONFIG_UNREADABLE', `cannot check ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
}

/**
 * Reads NODEDIR/node.format and NODEDIR/veil.cfg and validates them. A missing or unreadable veil.cfg is
 * an error, never a silent default. Throws VEIL_CONFIG_NODE_FORMAT, VEIL_CONFIG_UNREADABLE,
 * VEIL_CONFIG_INVALID, VEIL_CONFIG_IP_LEAK, VEIL_ABORTED. Honours `signal`.
 */
export async function loadNodeConfig(nodeDir: string, options: AbortOptions = {}): Promise<NodeConfig> {
  const dir = resolve(nodeDir);
  await checkNodeFormat(dir, options);
  const file = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, { encoding: 'utf8', signal: options.signal });
  } catch (err) {
    if (options.signal?.aborted) throw abortError(options.signal, `read ${file}`);
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    const why = code === 'ENOENT' ? 'the file does not exist' : code;
    throw new VeilError('VEIL_CONFIG_UNREADABLE', `cannot read ${file}: ${why}`, { cause: err, details: { file, errno: code } });
  }
  const extraProblems: ConfigProblem[] = [];
  // C7: Tahoe's per-server overrides could turn `tcp = tor` back into direct connections; Veil has none.
  if (await exists(join(dir, SERVERS_YAML_FILE))) {
    extraProblems.push({
      message: `${join(dir, SERVERS_YAML_FILE)} exists, but Veil does not support per-server connection overrides (remove it)`,
    });
  }
  return parseNodeConfig(text, { nodeDir: dir, file, extraProblems });
}
