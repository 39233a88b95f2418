import { codeTable } from './types.js';

/** Codes owned by src/grid (service addresses, the storage server, uploads and downloads) and pinned TLS in src/net. */
export const GRID_CODES = codeTable({
  VEIL_PEER_KEY_MISMATCH: {
    category: 'peer',
    summary: 'A grid server\'s TLS key does not match the key hash pinned in its service address (pb://KEYHASH@...); nothing was sent.',
    hint: 'check the fURL: a different key means a different server (or an attacker); get the current fURL from the server operator',
  },
  VEIL_GRID_ADDRESS_INVALID: {
    category: 'input',
    summary: 'A service address is not of the form pb://KEYHASH@HINTS/SWISSNUM (KEYHASH: 52 base32 characters).',
    hint: 'copy the whole fURL from the server\'s NODEDIR/private/storage.furl',
  },
  VEIL_GRID_UNAUTHORIZED: {
    category: 'peer',
    summary: 'A grid server refused the request: the swissnum of the service address is wrong.',
    hint: 'get the current fURL from the server operator (NODEDIR/private/storage.furl)',
  },
  VEIL_GRID_SERVER_REFUSED: {
    category: 'peer',
    summary: 'A storage server refused or failed a request (no space left, block too large, block does not match its CID, server error).',
    hint: 'the message gives the server\'s reason; try other servers or ask the operator',
  },
  VEIL_GRID_NO_SERVERS: {
    category: 'config',
    summary: 'Fewer storage servers are known than [client] shares.happy requires.',
    hint: 'give more servers with --server FURL, start more storage servers announcing to the introducer, or lower [client] shares.happy in veil.cfg',
  },
  VEIL_GRID_NOT_HAPPY: {
    category: 'network',
    summary: 'An upload reached fewer distinct servers holding a full copy than [client] shares.happy requires.',
    hint: 'the message lists each server\'s failure; check that the servers are running and reachable, then retry',
  },
  VEIL_GRID_BLOCK_UNAVAILABLE: {
    category: 'network',
    summary: 'No known storage server returned a valid copy of a block.',
    hint: 'check that the servers holding the file are running; the message lists each server\'s answer',
  },
  VEIL_GRID_CAP_INVALID: {
    category: 'input',
    summary: 'A capability is neither veil:chk:KEY:CID, veil:dir:KEY:CID nor a CID.',
    hint: 'copy the whole capability printed by `veil put`',
  },
  VEIL_GRID_LEASE_NOT_FOUND: {
    category: 'peer',
    summary: 'A storage server holds no lease on a block that matches the renew or cancel secret given (or no such block).',
    hint: 'the lease may have expired and the block been deleted: upload the file again with `veil put`',
  },
  VEIL_GRID_CONNECTION_BUDGET: {
    category: 'peer',
    summary: 'A storage server refused an upload: the connection used up its byte budget ([storage] connection.max_bytes); nothing was stored.',
    hint: 'retry (a new connection gets a new budget); server operators can raise [storage] connection.max_bytes',
  },
  VEIL_GRID_DIRECTORY_INVALID: {
    category: 'peer',
    summary: 'A private directory (veil:dir:KEY:CID) decrypted to something that is not a valid directory manifest.',
    hint: 'check that the capability was copied whole; if it was, the directory was written by an incompatible program',
  },
  VEIL_GRID_ANNOUNCEMENT_INVALID: {
    category: 'peer',
    summary: 'A server announcement is malformed: not JSON of the expected shape, too large, or a field out of range (nickname, fURL, version, sizes).',
    hint: 'the server or introducer runs an incompatible or broken Veil; the message names the field; ask its operator',
  },
  VEIL_GRID_ANNOUNCEMENT_SIGNATURE: {
    category: 'peer',
    summary: 'A server announcement\'s Ed25519 signature does not verify under the server key it names (signed by another key, or altered on the way); it was not stored or used.',
    hint: 'the announcement was signed by the wrong key or changed by the introducer; the server must sign with its own NODEDIR/private/node-tls.key',
  },
  VEIL_GRID_ANNOUNCEMENT_KEY_MISMATCH: {
    category: 'peer',
    summary: 'A server announcement\'s key does not hash to the KEYHASH of the storage fURL it announces; it was not stored or used.',
    hint: 'a server can only announce its own fURL: check that storage.furl and node-tls.key come from the same node directory',
  },
  VEIL_GRID_ANNOUNCEMENT_STALE: {
    category: 'peer',
    summary: 'The introducer already holds a newer announcement (higher seq) from this server; the older one was ignored.',
    hint: 'nothing to do if the server announces again; otherwise check that the server\'s clock did not go back',
  },
  VEIL_GRID_INTRODUCER_REFUSED: {
    category: 'peer',
    summary: 'The introducer refused or failed a request (wrong swissnum, too many servers, server error) or answered something that is not an introducer\'s answer.',
    hint: 'check [client] introducer.furl against the introducer\'s NODEDIR/private/introducer.furl; the message gives the introducer\'s reason',
  },
});
