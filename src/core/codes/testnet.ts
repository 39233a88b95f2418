import { codeTable } from './types.js';

/** Codes owned by src/testnet (the private Tor network on 127.0.0.1 used by tests, benchmarks and the demo). */
export const TESTNET_CODES = codeTable({
  VEIL_TESTNET_OPTIONS_INVALID: {
    category: 'input',
    summary: 'startTorTestnet was given impossible sizes (e.g. no authority, no exit relay, no client) or a relative directory.',
    hint: 'use at least 1 authority, 1 exit relay and 1 client, and an absolute directory',
  },
  VEIL_TESTNET_TOOL_FAILED: {
    category: 'local-daemon',
    summary: 'tor-gencert or `tor --list-fingerprint` could not be run or failed while making the network keys.',
    hint: 'install tor (it ships tor-gencert: `sudo apt install tor`) and read the quoted output',
  },
  VEIL_TESTNET_TOR_EXITED: {
    category: 'local-daemon',
    summary: 'A tor of the private test network exited while the network was starting.',
    hint: 'read the quoted output and the notice.log in that tor\'s directory (a port taken by another program is the usual cause: start again)',
  },
  VEIL_TESTNET_NOT_READY: {
    category: 'local-daemon',
    summary: 'The test network clients did not bootstrap or did not see every relay and exit before the deadline.',
    hint: 'read the notice.log of each tor under the testnet directory; on a slow machine raise the readiness timeout',
  },
  VEIL_TESTNET_INFO_INVALID: {
    category: 'input',
    summary: 'The testnet description (testnet.json) is missing, unreadable or not in the expected format.',
    hint: 'check the directory: it must be one made by `veil testnet up` (or pass the right one)',
  },
  VEIL_TESTNET_STOP_FAILED: {
    category: 'local-daemon',
    summary: 'A testnet process could not be signalled or was still running after SIGKILL.',
    hint: 'look at the PID in the message (`ps -p PID -o args`) and stop it by hand if it is a testnet tor',
  },
});
