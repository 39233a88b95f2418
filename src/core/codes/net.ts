import { codeTable } from './types.js';

/** Codes owned by src/net (the router and local-daemon sockets). */
export const NET_CODES = codeTable({
  VEIL_LOCAL_DAEMON_UNREACHABLE: {
    category: 'local-daemon',
    summary: 'A local daemon (tor control/SOCKS port, I2P SAM bridge) refused or did not accept the connection.',
    hint: 'check that the daemon is running and that the endpoint in veil.cfg ([tor] control.port / socks.port, [i2p] sam.port) is right',
  },
});
