import { codeTable } from './types.js';

/** Codes owned by src/names (keys, IPNS records, DNSLink, DNS-over-HTTPS). */
export const NAMES_CODES = codeTable({
  VEIL_KEY_NAME_INVALID: {
    category: 'input',
    summary: 'A key name is not 1-64 letters, digits, `.`, `_` or `-` (or starts with a dot).',
    hint: 'choose a name such as `self`, `blog` or `site-2024`',
  },
  VEIL_KEY_NOT_FOUND: {
    category: 'input',
    summary: 'No key of that name exists under NODEDIR/private/keys.',
    hint: 'list the keys with `veil key list`, or create one with `veil key gen NAME`',
  },
  VEIL_KEY_EXISTS: {
    category: 'input',
    summary: 'A key of that name already exists; keys are never overwritten.',
    hint: 'choose another name: replacing a key would orphan the IPNS name made from it',
  },
  VEIL_KEY_STORE_IO: {
    category: 'config',
    summary: 'Reading or writing a key under NODEDIR/private/keys failed, or a key file is corrupt.',
    hint: 'check that the node directory is readable and writable by this user; restore the key file from a backup if it is corrupt',
  },
  VEIL_IPNS_NAME_INVALID: {
    category: 'input',
    summary: 'A name is neither an IPNS name (a libp2p-key CID such as k51…) nor a DNS domain.',
    hint: 'use the name printed by `veil name publish` (k51…), or a domain with a _dnslink TXT record',
  },
  VEIL_IPNS_RECORD_NOT_FOUND: {
    category: 'input',
    summary: 'No IPNS record is known for the name (none published on this node yet).',
    hint: 'publish one with `veil name publish <cid>`; records on the grid\'s servers come with issue #4',
  },
  VEIL_IPNS_RECORD_INVALID: {
    category: 'peer',
    summary: 'An IPNS record is malformed, too large, or its signature does not match the name (IPNS record spec §Record Verification).',
    hint: 'the record was refused; publish the name again from the node that holds its key',
  },
  VEIL_IPNS_RECORD_EXPIRED: {
    category: 'peer',
    summary: 'An IPNS record is past its validity (EOL); expired records are never used.',
    hint: 'publish the name again (`veil name publish`), with a longer --lifetime if needed',
  },
  VEIL_IPNS_RECORD_STORE_IO: {
    category: 'config',
    summary: 'Reading or writing an IPNS record under NODEDIR/names failed.',
    hint: 'check that the node directory is readable and writable by this user and that the disk is not full',
  },
  VEIL_NAME_RECURSION_LIMIT: {
    category: 'input',
    summary: 'A chain of /ipns/ names (IPNS records or DNSLink) is longer than allowed, or loops.',
    hint: 'point the name at /ipfs/<cid> directly, or shorten the chain of names',
  },
  VEIL_DNSLINK_NOT_FOUND: {
    category: 'input',
    summary: 'The domain has no `_dnslink.<domain>` TXT record with a valid `dnslink=/ipfs/…` or `dnslink=/ipns/…` value.',
    hint: 'add a TXT record `dnslink=/ipfs/<cid>` at _dnslink.<domain>, then wait for its TTL',
  },
  VEIL_DNSLINK_DISABLED: {
    category: 'config',
    summary: 'A DNSLink name was requested but no DNS-over-HTTPS resolver is configured.',
    hint: 'set [gateway] dnslink.resolver = https://… in veil.cfg (it is reached through the router, over Tor when the IP is hidden)',
  },
  VEIL_DNS_MESSAGE_INVALID: {
    category: 'peer',
    summary: 'A DNS message from the resolver is malformed (RFC 1035 §4.1): truncated, bad label, bad compression pointer.',
    hint: 'the DNS-over-HTTPS resolver sent a broken answer: try another resolver in [gateway] dnslink.resolver',
  },
  VEIL_DNS_LIMIT: {
    category: 'peer',
    summary: 'A DNS message exceeds a limit (size, number of records, name length, compression pointers).',
    hint: 'the resolver\'s answer is larger than Veil accepts: try another resolver in [gateway] dnslink.resolver',
  },
  VEIL_DOH_FAILED: {
    category: 'network',
    summary: 'The DNS-over-HTTPS resolver did not answer usefully (HTTP error, wrong media type, SERVFAIL, mismatched reply).',
    hint: 'check [gateway] dnslink.resolver, and that Tor is bootstrapped (`veil status`) when the node hides its IP',
  },
});
