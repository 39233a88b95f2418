import { codeTable } from './types.js';

/**
 * Codes owned by src/i2p (SAM v3 codec and client, destinations, launching i2pd) and by the private I2P
 * test network in src/testnet/i2p-*.ts. SAM result names come from the SAM v3 specification
 * (geti2p.net/en/docs/api/samv3, "Reply" sections); each RESULT value maps to one code.
 */
export const I2P_CODES = codeTable({
  VEIL_SAM_PROTOCOL: {
    category: 'local-daemon',
    summary: 'The SAM bridge sent a reply that is not valid SAM v3 (garbage, wrong reply topic, missing field).',
    hint: 'check that [i2p] sam.port points at an I2P SAM v3 bridge (i2pd or Java I2P), not another service',
  },
  VEIL_SAM_LINE_TOO_LONG: {
    category: 'local-daemon',
    summary: 'A SAM reply line exceeded the line-length limit.',
    hint: 'check that [i2p] sam.port points at an I2P SAM v3 bridge, not another service',
  },
  VEIL_SAM_TRUNCATED: {
    category: 'local-daemon',
    summary: 'The SAM bridge closed the connection before a complete reply line arrived.',
    hint: 'check the I2P router log: the router may have stopped or restarted',
  },
  VEIL_SAM_COMMAND_INVALID: {
    category: 'input',
    summary: 'A SAM command argument contains characters that would change the command (space, quote, newline, control characters).',
    hint: 'use only printable characters without spaces in SAM session ids, names and options',
  },
  VEIL_SAM_NOVERSION: {
    category: 'local-daemon',
    summary: 'The SAM bridge does not support SAM version 3.1 or newer (HELLO REPLY RESULT=NOVERSION).',
    hint: 'upgrade the I2P router: Veil needs SAM 3.1 (i2pd 2.x or Java I2P 0.9.14+)',
  },
  VEIL_SAM_I2P_ERROR: {
    category: 'local-daemon',
    summary: 'The I2P router reported a generic error (RESULT=I2P_ERROR).',
    hint: 'read the MESSAGE in the error details and the I2P router log',
  },
  VEIL_SAM_CANT_REACH_PEER: {
    category: 'network',
    summary: 'The I2P destination could not be reached (RESULT=CANT_REACH_PEER): its LeaseSet was not found or it did not answer.',
    hint: 'check that the peer is online; a newly created destination can take a minute to become reachable',
  },
  VEIL_SAM_PEER_NOT_FOUND: {
    category: 'network',
    summary: 'The I2P destination was not found (RESULT=PEER_NOT_FOUND).',
    hint: 'check the I2P address in the connection hint',
  },
  VEIL_SAM_KEY_NOT_FOUND: {
    category: 'network',
    summary: 'A NAMING LOOKUP found no destination for the name (RESULT=KEY_NOT_FOUND).',
    hint: 'check the .i2p name; for a .b32.i2p address the peer may be offline',
  },
  VEIL_SAM_INVALID_KEY: {
    category: 'input',
    summary: 'The SAM bridge rejected a destination or private key (RESULT=INVALID_KEY).',
    hint: 'check the I2P address or the private key file ([i2p] dest.private_key_file); it may be corrupt',
  },
  VEIL_SAM_INVALID_ID: {
    category: 'local-daemon',
    summary: 'The SAM session id is unknown to the bridge (RESULT=INVALID_ID); the session was closed or never created.',
    hint: 'the I2P router may have restarted: restart Veil so it creates its SAM session again',
  },
  VEIL_SAM_DUPLICATED_ID: {
    category: 'local-daemon',
    summary: 'A SAM session with this id already exists on the bridge (RESULT=DUPLICATED_ID).',
    hint: 'another program (or another Veil node) uses the same SAM session id; stop it or use another nickname',
  },
  VEIL_SAM_DUPLICATED_DEST: {
    category: 'local-daemon',
    summary: 'The destination is already used by another SAM session on the bridge (RESULT=DUPLICATED_DEST).',
    hint: 'another program or Veil node uses the same I2P private key; stop it, or give each node its own key',
  },
  VEIL_SAM_TIMEOUT: {
    category: 'network',
    summary: 'The I2P router gave up waiting (RESULT=TIMEOUT).',
    hint: 'the I2P network may be slow or the peer offline; try again later',
  },
  VEIL_SAM_RESULT_UNKNOWN: {
    category: 'local-daemon',
    summary: 'The SAM bridge answered with a RESULT value that Veil does not know.',
    hint: 'read the RESULT in the error details; the I2P router may be newer than Veil supports',
  },
  VEIL_I2P_DESTINATION_INVALID: {
    category: 'input',
    summary: 'An I2P destination (base64) is malformed: bad alphabet, too short or a certificate length that does not fit.',
    hint: 'check the I2P destination: it is I2P base64 (alphabet A-Z a-z 0-9 - ~) of at least 387 bytes',
  },
  VEIL_I2P_B32_INVALID: {
    category: 'input',
    summary: 'An I2P .b32.i2p address is malformed (it must be 52 base32 characters followed by .b32.i2p).',
    hint: 'check the .b32.i2p address in the connection hint',
  },
  VEIL_I2P_PRIVATE_KEY_INVALID: {
    category: 'input',
    summary: 'An I2P private key blob is malformed (too short for its destination and keys).',
    hint: 'the private key file may be corrupt: restore it from backup, or delete it to get a new I2P address',
  },
  VEIL_I2PD_PUBLIC_NETWORK_REFUSED: {
    category: 'config',
    summary: 'Launching i2pd was refused: no private-network join settings were given and the public network was not explicitly allowed.',
    hint: 'pass the private network settings (netid and router infos), or allow the public I2P network explicitly',
  },
  VEIL_I2PD_LAUNCH_FAILED: {
    category: 'local-daemon',
    summary: 'The i2pd process could not be started or did not become ready before its deadline.',
    hint: 'check that i2pd is installed ([i2p] i2p.executable) and read its log file in the node directory',
  },
  VEIL_I2PD_EXITED: {
    category: 'local-daemon',
    summary: 'An i2pd process Veil launched exited unexpectedly.',
    hint: 'read the i2pd log file in the node directory',
  },
  VEIL_I2PD_PORT_BUSY: {
    category: 'local-daemon',
    summary: 'No free loopback port could be found, or another process took the port chosen for i2pd.',
    hint: 'stop old i2pd processes that still hold ports, then try again',
  },
  VEIL_I2PD_PATCH_REFUSED: {
    category: 'local-daemon',
    summary: 'The private copy of i2pd could not be patched for the loopback test network (pattern not unique or checksum mismatch).',
    hint: 'the test network needs the Debian i2pd 2.45.1 binary, or i2pd 2.54+ which needs no patch',
  },
  VEIL_I2P_TESTNET_LEAK: {
    category: 'bug',
    summary: 'An i2pd of the private test network holds a socket that is not on 127.0.0.0/8.',
    hint: 'this is a bug in Veil\'s test network configuration: the routers were stopped; report it with the socket list',
  },
  VEIL_I2P_TESTNET_NOT_READY: {
    category: 'network',
    summary: 'The private I2P test network did not become ready (sessions not reachable across routers) before its deadline.',
    hint: 'read the router logs in the test network folder (loglevel can be raised to info)',
  },
});
