/**
 * A node's long-term TLS identity for the grid (issue #4 §1): an Ed25519 key and a self-signed X.509 certificate
 * under NODEDIR/private/, and its KEYHASH (base32 SHA-256 of the SubjectPublicKeyInfo) that clients pin.
 *
 * Node 20 can make Ed25519 keys and signatures but not certificates, so the certificate is encoded here: a
 * minimal RFC 5280 §4.1 TBSCertificate (v3, no extensions) signed with Ed25519 (RFC 8410 §3, algorithm
 * id-Ed25519 without parameters). No package is needed; trust never comes from the certificate's fields, only
 * from the pinned key hash, so nothing beyond a well-formed certificate is required. TLS 1.3 accepts Ed25519
 * certificates (RFC 8446 §4.2.3, ed25519 = 0x0807).
 */
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError } from '../core/index.js';
import { spkiKeyHash } from '../net/index.js';

export const TLS_KEY_FILE = 'private/node-tls.key';
export const TLS_CERT_FILE = 'private/node-tls.crt';

export interface TlsIdentity {
  /** PEM private key (PKCS#8). Never logged. */
  readonly keyPem: string;
  readonly certPem: string;
  /** base32 (RFC 4648, lower case, no padding) SHA-256 of the certificate's SubjectPublicKeyInfo DER. */
  readonly keyHash: string;
}

// --- a minimal DER writer (X.690 §8) ---
function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), len(body.length), body]);
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const int = (bytes: Buffer): Buffer => tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
/** OIDs used here, pre-encoded (X.690 §8.19). */
const OID_ED25519 = Buffer.from('06032b6570', 'hex'); // 1.3.101.112
const OID_CN = Buffer.from('0603550403', 'hex'); // 2.5.4.3
const utc = (d: Date): Buffer => tlv(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z', 'ascii'));
const gen = (d: Date): Buffer => tlv(0x18, Buffer.from(d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z', 'ascii'));

/** A self-signed Ed25519 certificate for `key` (RFC 5280 §4.1; validity 2020 to 9999, §4.1.2.5). */
export function selfSignedCertificate(key: KeyObject): string {
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const name = seq(set(seq(OID_CN, tlv(0x0c, Buffer.from('veil', 'utf8')))));
  const alg = seq(OID_ED25519);
  const serial = randomBytes(16);
  // A positive INTEGER in minimal DER form: top bit clear, and no leading zero byte (X.690 §8.3.2 forbids the
  // padding; a serial that started with 0x00 was "illegal padding" to OpenSSL about 1 time in 256).
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const tbs = seq(
    tlv(0xa0, int(Buffer.from([2]))),
    int(serial),
    alg,
    name,
    seq(utc(new Date('2020-01-01T00:00:00Z')), gen(new Date('9999-12-31T23:59:59Z'))),
    name,
    spki,
  );
  const signature = sign(null, tbs, key);
  const der = seq(tbs, alg, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
}

/** KEYHASH of a public key: base32 SHA-256 of its SubjectPublicKeyInfo DER. */
export function keyHashOf(publicKey: KeyObject): string {
  return spkiKeyHash(publicKey.export({ type: 'spki', format: 'der' }));
}

export function generateTlsIdentity(): TlsIdentity {
  const { privateKey } = generateKeyPairSync('ed25519');
  const certPem = selfSignedCertificate(privateKey);
  return { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem, keyHash: keyHashOf(createPublicKey(privateKey)) };
}

/**
 * Reads NODEDIR/private/node-tls.{key,crt}, creating both on first use (mode 0600). Throws VEIL_NODE_KEY_UNREADABLE
 * when they exist but do not match or cannot be parsed.
 */
export async function loadOrCreateTlsIdentity(nodeDir: string): Promise<TlsIdentity> {
  const keyFile = join(nodeDir, TLS_KEY_FILE);
  const certFile = join(nodeDir, TLS_CERT_FILE);
  let keyPem: string;
  try {
    keyPem = await readFile(keyFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw unreadable(keyFile, err);
    const created = generateTlsIdentity();
    await mkdir(join(nodeDir, 'private'), { recursive: true, mode: 0o700 });
    await writeFile(keyFile, created.keyPem, { mode: 0o600, flag: 'wx' });
    await writeFile(certFile, created.certPem, { mode: 0o644 });
    return created;
  }
  try {
    const certPem = await readFile(certFile, 'utf8');
    const cert = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    if (!cert.checkPrivateKey(key)) throw new Error('the certificate does not match the key');
    return { keyPem, certPem, keyHash: keyHashOf(cert.publicKey) };
  } catch (err) {
    throw unreadable(certFile, err);
  }
}

function unreadable(file: string, err: unknown): VeilError {
  return new VeilError('VEIL_NODE_KEY_UNREADABLE', `cannot read the node's TLS identity (${file}): ${(err as Error).message}`, { cause: err });
}
