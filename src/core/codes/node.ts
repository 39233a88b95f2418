import { codeTable } from './types.js';

/** Codes owned by src/node (building and running a node, create-node). */
export const NODE_CODES = codeTable({
  VEIL_TOR_NO_SOCKS: {
    category: 'local-daemon',
    summary: 'No Tor SOCKS port could be found: none of the candidates answered, or the running tor has no SocksPort.',
    hint: 'start tor (127.0.0.1:9050 by default), or set [tor] socks.port, control.port or launch = true in veil.cfg',
  },
  VEIL_NODE_EXISTS: {
    category: 'input',
    summary: 'create-node was pointed at a directory that is not empty; nothing was written.',
    hint: 'choose a new directory, or remove the old node directory yourself if you really mean to replace it',
  },
  VEIL_NODE_CREATE_FAILED: {
    category: 'local-daemon',
    summary: 'A node directory could not be created (a key could not be made or a file could not be written); what was written was removed.',
    hint: 'read the cause above, fix it, and run create-node again',
  },
  VEIL_NODE_TOR_REQUIRED: {
    category: 'config',
    summary: 'The node needs a Tor control connection (to publish an onion service) but has only a SOCKS port.',
    hint: 'set [tor] control.port or launch = true in veil.cfg',
  },
  VEIL_NODE_KEY_UNREADABLE: {
    category: 'config',
    summary: 'A key file of the node (onion service key, I2P destination key) is missing, unreadable or malformed.',
    hint: 'restore the file under NODEDIR/private/ from a backup; without it the node\'s address cannot be kept',
  },
  VEIL_TOR_NOT_READY: {
    category: 'local-daemon',
    summary: 'A connection through Tor was asked for while the node was still (re)connecting to its Tor daemon.',
    hint: 'wait for `veil status` to show Tor as ready; if it stays reconnecting, check that tor is running',
  },
  VEIL_NODE_TESTNET_JOIN: {
    category: 'config',
    summary: 'The private network description named by [testnet] join is missing or malformed.',
    hint: 'start the network with `veil testnet up --dir DIR` and point [testnet] join at DIR/testnet.json',
  },
  VEIL_NODE_PUBLIC_NETWORK_REFUSED: {
    category: 'config',
    summary: 'A tor that would join the public Tor network was about to be launched where that is not allowed (tests, libraries).',
    hint: 'run the node with `veil run`, or join a private network with [testnet] join',
  },
  VEIL_NODE_NOT_RUNNING: {
    category: 'local-daemon',
    summary: 'A command needs the running node (its web port) but none is running in the node directory.',
    hint: 'start it with `veil run NODEDIR` (the web port must be enabled)',
  },
  VEIL_NODE_BUSY: {
    category: 'local-daemon',
    summary: 'Another Veil command is changing the same part of the node directory (a lock file names its process) and did not finish in time.',
    hint: 'wait for the other command to finish and try again',
  },
  VEIL_PEER_PROTOCOL: {
    category: 'peer',
    summary: 'A peer answered with something Veil does not understand (wrong status, malformed or oversized body).',
    hint: 'the peer may run an incompatible version or not be a Veil node; check the connection hint',
  },
  VEIL_NODE_I2P_UNAVAILABLE: {
    category: 'local-daemon',
    summary: 'The node needs its I2P session (to listen on or dial an i2p: hint) but the SAM bridge is not configured or not ready.',
    hint: 'check that i2pd runs with SAM enabled and that [i2p] sam.port in veil.cfg points at it (`veil doctor` checks it)',
  },
});
