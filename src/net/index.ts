/**
 * src/net: the only code that opens sockets. Local daemons (tor control/SOCKS, SAM), the Tor and direct dialers,
 * and the router that picks one of them per connection hint under the node's policy.
 */
export { connectLocal } from './local-daemon.js';
export type { ConnectLocalOptions, LocalDialer } from './local-daemon.js';
export { checkDialTarget, DIALER_DEFAULTS } from './dialer.js';
export type { Dialer, DialOptions } from './dialer.js';
export { createTorDialer } from './socks-dialer.js';
export type { TorDialer, TorDialerOptions, ResolveOptions } from './socks-dialer.js';
export { dialDirectDangerously, createDirectDialerDangerously } from './direct-dialer.js';
export type { DirectDialOptions } from './direct-dialer.js';
export { Router, decideRoute, dialRetryingOnions } from './router.js';
export type { RouterPolicy, RouterDialers, RouteDecision, RoutedStream, RouterDialOptions, RouterObserver, HintAttempt, Transport } from './router.js';
export { allocatePort } from './ports.js';
export { listenHttp, createStreamHttpServer } from './listeners.js';
export type { HttpListener, HttpListenTarget, StreamHttpServer } from './listeners.js';
export { getLocalJson } from './local-http.js';
export type { LocalJsonOptions } from './local-http.js';
export { createDialerAgent, routerStreamOpener, httpRequest, HTTP_CLIENT_DEFAULTS } from './http-over-dialer.js';
export type { StreamOpener, DialerAgentOptions, HttpRequestOptions, HttpResponse } from './http-over-dialer.js';
export { createPinnedAgent, startPinnedTls, spkiKeyHash, PINNED_TLS_DEFAULTS } from './pinned-tls.js';
export type { PinnedAgentOptions } from './pinned-tls.js';
export { createPeerStreamServer } from './peer-listeners.js';
export type { PeerStreamServer, PeerStreamServerOptions, PeerListenOptions } from './peer-listeners.js';
