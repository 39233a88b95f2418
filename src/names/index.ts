/**
 * src/names: mutable names. IPNS keys (NODEDIR/private/keys), IPNS records (create, verify, store under
 * NODEDIR/names), DNSLink over DNS-over-HTTPS, and the resolver the gateway uses for /ipns/. It sits beside
 * src/gateway (above content and net): it never opens a socket itself; DoH requests go through the router
 * (net/http-over-dialer.ts). It must never use the system resolver.
 */
export { NAMES_DEFAULTS, DNS_LIMITS, DOH_DEFAULTS } from './defaults.js';
export { parseDuration } from './duration.js';
export { Keystore, checkKeyName } from './keystore.js';
export type { KeyInfo, PrivateKey, PublicKey } from './keystore.js';
export { ipnsNameOf, parseIpnsName } from './ipns-name.js';
export type { IpnsName } from './ipns-name.js';
export { createRecord, validateRecord, selectRecord, readRecordUnchecked } from './ipns-record.js';
export type { CreateRecordOptions, ValidRecord } from './ipns-record.js';
export { FsRecordStore, MemoryRecordStore } from './record-store.js';
export type { RecordStore } from './record-store.js';
export { publishName, normalizeValue } from './publish.js';
export type { PublishOptions, Published } from './publish.js';
export { decodeDnsMessage, encodeDnsMessage, encodeQuery, encodeName, DNS_TYPE, DNS_RCODE, DNS_CLASS_IN } from './dns-message.js';
export type { DnsMessage, DnsRecord, DnsQuestion, DnsMessageInput, DnsRecordInput } from './dns-message.js';
export { DohClient, DNS_MESSAGE_MEDIA_TYPE, txtFromAnswer } from './doh-client.js';
export type { DohTransport, DohHttpRequest, DohHttpResponse, DohClientOptions, TxtAnswer } from './doh-client.js';
export { resolveDnslink, parseDnslinkValue, isDomainName } from './dnslink.js';
export type { DnslinkResult } from './dnslink.js';
export { createNameResolver } from './name-resolver.js';
export type { NameResolver, NameResolverOptions, NameResolution, RouterLike } from './name-resolver.js';
