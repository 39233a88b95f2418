import { codeTable } from './types.js';

/**
 * Codes owned by the SOCKS5 codec (src/tor/socks), onion service addresses (src/tor/onion-address.ts) and the
 * dialers (src/net/socks-dialer.ts, src/net/direct-dialer.ts).
 *
 * SOCKS5 reply codes (RFC 1928 §6) and Tor's extended codes (torspec socks-extensions, "Extended error codes";
 * prop304) each map to one code here; the raw reply number is kept in `details.socksReply`.
 * The VEIL_DIAL_* codes mean the same thing whichever dialer (direct, Tor, I2P) raised them.
 */
export const SOCKS_CODES = codeTable({
  // --- protocol and local proxy ---------------------------------------------------------------------------
  VEIL_SOCKS_PROTOCOL: {
    category: 'local-daemon',
    summary: 'The SOCKS server sent bytes that break SOCKS5 (RFC 1928/1929), or closed during the handshake.',
    hint: 'check that the SOCKS endpoint ([tor] socks.port) is a Tor SocksPort and not another service',
  },
  VEIL_SOCKS_AUTH_REJECTED: {
    category: 'local-daemon',
    summary: 'The SOCKS server accepted none of our methods or rejected our username/password (RFC 1929).',
    hint: 'Tor accepts any username/password; check that the SOCKS endpoint is a Tor SocksPort',
  },
  VEIL_SOCKS_REQUEST_INVALID: {
    category: 'input',
    summary: 'A SOCKS request could not be encoded: host name too long or malformed, port out of range, isolation token too long.',
    hint: 'host names are at most 255 printable ASCII bytes and ports 1-65535',
  },
  // --- RFC 1928 §6 reply codes 0x01-0x08 --------------------------------------------------------------------
  VEIL_SOCKS_GENERAL_FAILURE: {
    category: 'network',
    summary: 'The SOCKS server reported a general failure (reply 0x01).',
    hint: 'check that Tor has bootstrapped (`veil status`); the exit may have failed: try again',
  },
  VEIL_SOCKS_NOT_ALLOWED: {
    category: 'network',
    summary: 'The connection is not allowed by a ruleset (reply 0x02): an exit policy or SocksPolicy.',
    hint: 'no Tor exit allows this address and port; pick another port or use an onion service',
  },
  VEIL_DIAL_UNREACHABLE: {
    category: 'network',
    summary: 'The target network or host is unreachable (SOCKS reply 0x03/0x04, ENETUNREACH/EHOSTUNREACH); Tor also uses 0x04 when a name does not resolve.',
    hint: 'check the host name and that the peer is online',
  },
  VEIL_DIAL_REFUSED: {
    category: 'peer',
    summary: 'The target refused the connection (SOCKS reply 0x05, ECONNREFUSED).',
    hint: 'the peer is not listening on that port: check the connection hint and that the peer runs',
  },
  VEIL_SOCKS_TTL_EXPIRED: {
    category: 'network',
    summary: 'The SOCKS server gave up on the connection (reply 0x06); Tor uses it for stream timeouts.',
    hint: 'the peer or the Tor network is slow or offline: try again later',
  },
  VEIL_SOCKS_COMMAND_UNSUPPORTED: {
    category: 'local-daemon',
    summary: 'The SOCKS server does not support the command (reply 0x07), e.g. RESOLVE on a non-Tor proxy.',
    hint: 'use a Tor SocksPort: RESOLVE and RESOLVE_PTR are Tor extensions',
  },
  VEIL_SOCKS_ADDRESS_UNSUPPORTED: {
    category: 'local-daemon',
    summary: 'The SOCKS server does not support the address type (reply 0x08).',
    hint: 'check that the SOCKS endpoint is a recent Tor SocksPort',
  },
  VEIL_SOCKS_REPLY_UNKNOWN: {
    category: 'local-daemon',
    summary: 'The SOCKS server sent a failure reply code that no specification defines.',
    hint: 'check that the SOCKS endpoint is a Tor SocksPort; report the code if it is',
  },
  // --- Tor extended error codes 0xF0-0xF7 (socks-extensions, "Extended error codes") ------------------------
  VEIL_TOR_ONION_NOT_FOUND: {
    category: 'peer',
    summary: 'Tor found no descriptor for the onion service on the hash ring (reply 0xF0).',
    hint: 'the onion service is not published (yet) or offline; check the address',
  },
  VEIL_TOR_ONION_DESC_INVALID: {
    category: 'peer',
    summary: 'The onion service descriptor could not be parsed or its signature is bad (reply 0xF1).',
    hint: 'the onion service publishes a broken descriptor; ask its operator to restart it',
  },
  VEIL_TOR_ONION_INTRO_FAILED: {
    category: 'peer',
    summary: 'Tor found the descriptor but could not introduce itself to the onion service (reply 0xF2).',
    hint: 'the onion service has likely restarted or stopped; try again in a few minutes',
  },
  VEIL_TOR_ONION_REND_FAILED: {
    category: 'peer',
    summary: 'Tor could not complete the rendezvous with the onion service (reply 0xF3).',
    hint: 'the onion service or the Tor network is overloaded; try again later',
  },
  VEIL_TOR_ONION_CLIENT_AUTH_MISSING: {
    category: 'config',
    summary: 'The onion service requires client authorization and Tor has no key for it (reply 0xF4).',
    hint: 'add the client authorization key for this onion service (ClientOnionAuthDir) and restart',
  },
  VEIL_TOR_ONION_CLIENT_AUTH_WRONG: {
    category: 'config',
    summary: 'The client authorization key Tor has does not decrypt the descriptor (reply 0xF5).',
    hint: 'your access was probably revoked: ask the operator of the onion service for a new key',
  },
  VEIL_TOR_ONION_ADDRESS_INVALID: {
    category: 'input',
    summary: 'An onion service address is malformed: not 56 base32 characters, bad checksum, bad version, or v2 (also Tor reply 0xF6).',
    hint: 'check the address: v3 onion service addresses are 56 characters of a-z and 2-7, then ".onion"',
  },
  VEIL_TOR_ONION_INTRO_TIMEOUT: {
    category: 'peer',
    summary: 'Every introduction to the onion service timed out (reply 0xF7).',
    hint: 'the onion service is unreachable or the Tor network is slow; try again later',
  },
  // --- direct dials ---------------------------------------------------------------------------------------
  VEIL_DIAL_FAILED: {
    category: 'network',
    summary: 'A direct TCP connection failed for a reason other than refusal or unreachability (see details.errno).',
    hint: 'check the host, port and local network configuration',
  },
});
