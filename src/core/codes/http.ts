import { codeTable } from './types.js';

/** Codes owned by src/net/http-over-dialer.ts (HTTP client requests sent through a Dialer or the router). */
export const HTTP_CODES = codeTable({
  VEIL_HTTP_REQUEST_FAILED: {
    category: 'network',
    summary: 'An HTTP request sent through the router failed (connection, TLS handshake, or the server broke HTTP).',
    hint: 'check that Tor is bootstrapped (`veil status`) and that the server URL is right; TLS errors name the certificate problem',
  },
  VEIL_HTTP_STALLED: {
    category: 'network',
    summary: 'A peer sent nothing for too long on an open connection (no response headers, or a pause inside the body); the connection was dropped.',
    hint: 'nothing to do if the transfer went on (it is retried on a new connection); if it keeps happening, check the path with `veil ping` and `veil status`',
  },
  VEIL_HTTP_BODY_TOO_LARGE: {
    category: 'peer',
    summary: 'An HTTP response body is larger than the caller allows; the connection was dropped.',
    hint: 'the server sent more than expected: check the URL, or raise the limit only if you trust the server',
  },
});
