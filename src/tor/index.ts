// --- control port (src/tor/control) ---
export { ReplyDecoder, NEED_MORE, DEFAULT_REPLY_LIMITS, encodeReply, encodeData } from './control/reply-codec.js';
export type { ControlReply, ReplyLine, ReplyLineKind, ReplyLimits, NeedMore } from './control/reply-codec.js';
export {
  formatCommand,
  quoteString,
  decodeQuoted,
  unquoteIfQuoted,
  parseReplyArguments,
  parseKeyValues,
  assertSafeArgument,
  assertBareWord,
} from './control/command-format.js';
export type { ReplyArguments } from './control/command-format.js';
export { parseEvent } from './control/events.js';
export type { RawEvent, StatusEvent, HsDescEvent, CircEvent, StreamEvent, TorEventMap, TypedEventName } from './control/events.js';
export { TorControl, rejected } from './control/client.js';
export type { TorControlOptions, Subscription } from './control/client.js';
export { parseGetInfo, parseGetConf, formatAddOnion, parseAddOnion, assertServiceId } from './control/commands.js';
export type { AddOnionRequest, AddOnionResult, OnionPort } from './control/commands.js';
export {
  authenticate,
  protocolInfo,
  parseProtocolInfo,
  safeCookieHash,
  AUTH_METHODS,
  SAFECOOKIE_SERVER_KEY,
  SAFECOOKIE_CLIENT_KEY,
  COOKIE_BYTES,
} from './control/auth.js';
export type { AuthMethod, AuthenticateOptions, AuthenticateResult, ProtocolInfo } from './control/auth.js';
export { openTorControl } from './control/open.js';
export type { TorDial, OpenTorControlOptions, OpenedTorControl } from './control/open.js';
export { waitForBootstrap, waitForHsDescUploaded, HsDescWatcher, parseBootstrapStatus } from './control/waiters.js';
export type { BootstrapStatus } from './control/waiters.js';

// --- SOCKS5 with Tor's extensions (src/tor/socks) and onion service addresses ---
// The whole codec is under the `socks` namespace (its NEED_MORE/encodeReply differ from the control codec's).
export * as socks from './socks/index.js';
export { socksHandshake, SocksClientMachine, addressForHost, replyError, TOR_ISOLATION_USERNAME } from './socks/index.js';
export type { SocksAddress, SocksReply, SocksRequest, SocksCredentials, SocksClientOptions } from './socks/index.js';
export {
  parseOnionAddress,
  isOnionHost,
  isValidOnionAddress,
  onionAddressFromPublicKey,
  onionServiceIdFromPublicKey,
  ONION_V3_ID_LENGTH,
  ONION_V3_VERSION,
} from './onion-address.js';
export type { OnionAddress } from './onion-address.js';
// --- launching tor (src/tor/launch) ---
export { launchTor, parseControlPortFile, parseSocksListeners } from './launch/launch.js';
export type { LaunchTorOptions, LaunchedTor } from './launch/launch.js';
export { checkLaunchSafety, buildTorrc, torrcValue, RESERVED_TORRC_KEYS } from './launch/torrc.js';
export type { NetworkMode, TorrcInput, TorrcSafetyInput } from './launch/torrc.js';
export type { TorExit } from './launch/tor-process.js';
export { LAUNCH_DEFAULTS, LAUNCH_FILES } from './launch/defaults.js';
