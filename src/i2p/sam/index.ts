/** SAM v3: pure codec (codec.ts) and the client that owns SAM sockets it receives from src/net. */
export { NEED_MORE, decodeLine, decodeReply, decodePeerLine, parseReplyLine, encodeCommand, encodeCommandBytes, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_ARGS } from './codec.js';
export type { NeedMore, Decoded, SamCodecLimits, SamReply, SamPeerLine, EncodeOptions } from './codec.js';
export { SamClient } from './client.js';
export type { Dial, SamCallOptions, SamClientOptions, CreateSessionOptions, GeneratedDestination, ConnectOptions, AcceptOptions, AcceptedStream, ForwardOptions, SamForward } from './client.js';
export { SamSession } from './session.js';
export { RESULT_CODES } from './results.js';
