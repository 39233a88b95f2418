/**
 * src/config: Veil's configuration layer. Reads NODEDIR/veil.cfg (Tahoe-LAFS's tahoe.cfg syntax and key
 * names), applies the one defaults table, validates everything at once, runs the IP-leak check for
 * `reveal-IP-address = false`, and returns a frozen NodeConfig; also writes veil.cfg and node.format for
 * create-node. Pure code: it reads and writes files in the node directory but never opens a socket or
 * resolves a name. Imports only src/core.
 */
export type * from './types.js';
export { loadNodeConfig, parseNodeConfig } from './load.js';
export type { ParseNodeConfigOptions } from './load.js';
export { formatNodeConfig, formatExampleConfig, writeNodeConfig } from './write.js';
export type { ConfigValue, NodeConfigValues, FormatOptions, WriteNodeConfigOptions } from './write.js';
export {
  NODE_FORMAT_VERSION,
  NODE_FORMAT_FILE,
  CONFIG_FILE,
  SERVERS_YAML_FILE,
  checkNodeFormat,
  writeNodeFormat,
  formatNodeFormat,
} from './node-dir.js';
export {
  CONFIG_KEYS,
  SECTION_NAMES,
  DEFAULT_TOR_SOCKS_PORTS,
  DEFAULT_SAM_PORT,
  TOR_LAUNCH_STATE_DIR,
  TOR_LAUNCH_CONTROL_SOCKET,
  I2P_LAUNCH_DATA_DIR,
  CLIENT_PORT_FILE,
  MAX_SHARES,
} from './defaults.js';
export type { KeySpec, SectionName, KeyName } from './defaults.js';
export { readIni, parseIni, DEFAULT_INI_LIMITS } from './ini.js';
export type { IniDocument, IniSection, IniEntry, IniLimits, IniReadResult } from './ini.js';
export { formatProblem, formatLeak } from './problems.js';
export type { ConfigProblem, IpLeak } from './problems.js';
export { parseBoolean, parseInteger, parsePort, parseSize, formatSize, parseDuration, parseDate } from './values.js';
export {
  parseLocalEndpoint,
  formatLocalEndpoint,
  parseListenEndpoint,
  formatListenEndpoint,
  isLoopbackHost,
  isLocalOnly,
  isLocalOnlyListener,
} from './endpoint.js';
export type { LocalEndpoint, ListenEndpoint, ListenKind } from './endpoint.js';
export {
  parseConnectionHint,
  parseConnectionHints,
  formatConnectionHint,
  parseLocation,
  formatLocationEntry,
  expandAutoLocation,
  parseFurl,
  formatFurl,
  HINT_TYPES,
  MAX_HINT_CHARS,
  MAX_HINTS,
} from './hints.js';
export type { ConnectionHint, LocationEntry, HintType, HintParseOptions, Furl } from './hints.js';
export { classifyHost, parseIPv4, parseIPv6, ipv4Scope, ipv6Scope, isLoopbackAddress, torExitRefusal } from './host.js';
export type { AddressScope, HostInfo, TorExitPolicyOptions } from './host.js';
export { editDistance, nearest } from './reader.js';
