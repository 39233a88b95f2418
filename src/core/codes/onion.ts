import { codeTable } from './types.js';

/**
 * Codes owned by `veil onion` (onion services for local services, rotation, v3 client authorization:
 * src/node/onion-*.ts) and `veil doctor` (src/node/doctor*.ts).
 */
export const ONION_CODES = codeTable({
  VEIL_ONION_NAME_INVALID: {
    category: 'input',
    summary: 'An onion service or client name is not 1-32 characters of letters, digits, "-" and "_" (starting with a letter or digit).',
    hint: 'choose a short name such as `ssh` or `alice-laptop`',
  },
  VEIL_ONION_TARGET_INVALID: {
    category: 'input',
    summary: 'The --target of an onion service is not PORT, IP:PORT, [IPv6]:PORT or unix:/absolute/path, or --port is not 1-65535.',
    hint: 'give the local service as --target 127.0.0.1:22 (or unix:/path/to/socket with --port)',
  },
  VEIL_ONION_TARGET_NOT_LOCAL: {
    category: 'input',
    summary: 'The --target of an onion service is not on this machine (only 127.0.0.0/8, ::1 and unix sockets are accepted).',
    hint: 'bind the service to 127.0.0.1 (or forward it there, e.g. `ssh -L`), then use --target 127.0.0.1:PORT',
  },
  VEIL_ONION_SERVICE_EXISTS: {
    category: 'input',
    summary: '`veil onion add` was given the name of an onion service that already exists in this node directory.',
    hint: 'choose another name, or `veil onion rotate NAME` for a new address, or `veil onion remove NAME` first',
  },
  VEIL_ONION_SERVICE_UNKNOWN: {
    category: 'input',
    summary: 'No onion service of that name is saved in this node directory.',
    hint: 'see `veil onion list` for the saved services',
  },
  VEIL_ONION_STATE_CORRUPT: {
    category: 'config',
    summary: 'The saved state of an onion service (NODEDIR/private/onion/NAME/service.json or a key file) is missing, unreadable or malformed.',
    hint: 'restore NODEDIR/private/onion/NAME from a backup, or remove that directory and add the service again (it gets a new address)',
  },
  VEIL_ONION_CLIENT_EXISTS: {
    category: 'input',
    summary: 'The onion service already has an authorized client of that name.',
    hint: 'choose another client name, or `veil onion auth remove NAME CLIENT` first',
  },
  VEIL_ONION_CLIENT_UNKNOWN: {
    category: 'input',
    summary: 'The onion service has no authorized client of that name.',
    hint: 'see `veil onion auth list NAME`',
  },
  VEIL_ONION_CLIENT_KEY_INVALID: {
    category: 'input',
    summary: 'A client authorization key is not in Tor\'s ClientOnionAuthDir form `<onion-id>:descriptor:x25519:<base32 key>`.',
    hint: 'copy the whole line printed by `veil onion auth add` (one line, no spaces)',
  },
  VEIL_ONION_CONFIRMATION_REQUIRED: {
    category: 'input',
    summary: 'A destructive command (removing an onion service and its key) needs confirmation, and stdin is not a terminal.',
    hint: 'add --yes to confirm (the key and thus the address are lost for good)',
  },
  VEIL_ONION_ADDRESS_COLLISION: {
    category: 'local-daemon',
    summary: 'Tor already publishes this onion service for another control connection (another running node, or another program).',
    hint: 'stop the other `veil run` of this node directory (or the program that publishes the same key), then try again',
  },
  VEIL_ONION_NODE_SERVICE_MISSING: {
    category: 'config',
    summary: 'Rotating the node\'s own onion service was asked for, but veil.cfg has no [tor] onion = true service with a tor: entry in tub.location.',
    hint: 'only a node created with --listen=tor has its own onion service; use `veil onion rotate NAME` for added services',
  },
});
