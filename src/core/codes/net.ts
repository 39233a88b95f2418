import { codeTable } from './types.js';

/** Codes owned by src/net (the router and local-daemon sockets). */
export const NET_CODES = codeTable({
  VEIL_LOCAL_DAEMON_UNREACHABLE: {
    category: 'local-daemon',
    summary: 'A local daemon (tor control/SOCKS port, I2P SAM bridge) refused or did not accept the connection.',
    hint: 'check that the daemon is running and that the endpoint in veil.cfg ([tor] control.port / socks.port, [i2p] sam.port) is right',
  },
  VEIL_LOCAL_PORT_UNAVAILABLE: {
    category: 'local-daemon',
    summary: 'No free TCP port could be bound on the loopback interface.',
    hint: 'check that the loopback interface is up and that the machine is not out of ports',
  },
  VEIL_LISTEN_FAILED: {
    category: 'local-daemon',
    summary: 'A listening socket could not be opened (port in use, address not on this machine, no permission).',
    hint: 'choose another port in veil.cfg (tub.port, web.port, onion.local_port), or stop the program using it',
  },
  VEIL_LOCAL_HTTP_FAILED: {
    category: 'local-daemon',
    summary: 'A local HTTP service (a running node\'s web port) did not answer.',
    hint: 'check that the node is running (`veil run`) and that its web port is enabled',
  },
  VEIL_ROUTE_NO_HANDLER: {
    category: 'config',
    summary: 'A connection hint was not dialed because no enabled handler may reach it under the node\'s policy.',
    hint: 'check [connections], [tor] and [i2p] in veil.cfg; with reveal-IP-address = false only Tor and I2P are used',
  },
  VEIL_ROUTE_ALL_FAILED: {
    category: 'network',
    summary: 'None of a peer\'s connection hints could be connected (details list each attempt).',
    hint: 'run `veil status` to see each hint\'s outcome; check that tor/i2pd are bootstrapped and the peer is online',
  },
});
