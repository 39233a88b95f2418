/**
 * Private files (issue #4 §4): Tahoe-style convergent encryption. The key is HMAC-SHA256(convergence secret,
 * SHA-256(plaintext)): the same file uploaded by the same node gives the same ciphertext (deduplication), while
 * other nodes (other secrets) cannot confirm a guess of the content. The ciphertext is AES-256-CTR with a zero IV;
 * this is safe because a key is only ever used for one plaintext (it is derived from it). Servers see only
 * ciphertext and CIDs. The read capability of a file is `veil:chk:<base32 key>:<CID>`; a private directory is a
 * manifest (directory-manifest.ts) encrypted the same way, with the capability `veil:dir:<base32 key>:<CID>`.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { VeilError, quoteUntrusted, throwIfAborted, type AbortOptions } from '../core/index.js';
import { parseCid, type CID } from '../content/index.js';
import { loadOrCreateSecretFile } from './secret-file.js';
import { base32Decode, base32Encode } from '../core/index.js';

export const CONVERGENCE_FILE = 'private/convergence';
const ZERO_IV = Buffer.alloc(16);

/** `chk`: a private file; `dir`: a private directory (an encrypted manifest); `public`: a UnixFS file or directory. */
export type Capability =
  | { readonly kind: 'chk'; readonly key: Uint8Array; readonly cid: CID }
  | { readonly kind: 'dir'; readonly key: Uint8Array; readonly cid: CID }
  | { readonly kind: 'public'; readonly cid: CID };

/** Reads NODEDIR/private/convergence (base32 of 32 bytes), creating it on first use (mode 0600). */
export async function loadOrCreateConvergenceSecret(nodeDir: string): Promise<Uint8Array> {
  return loadOrCreateSecretFile(join(nodeDir, CONVERGENCE_FILE), 'a convergence secret');
}

/** SHA-256 of a file's content, streamed. Honours `signal`. */
export async function hashFile(path: string, options: AbortOptions = {}): Promise<Uint8Array> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal: options.signal }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest();
}

/**
 * The convergent key: HMAC-SHA256(secret, label || SHA-256(plaintext)); label "veil-chk-v1" for files,
 * "veil-dir-v1" for directory manifests (a file whose bytes equal a manifest still gets another key).
 */
export function convergentKey(secret: Uint8Array, plaintextSha256: Uint8Array, label: 'veil-chk-v1' | 'veil-dir-v1' = 'veil-chk-v1'): Uint8Array {
  return createHmac('sha256', secret).update(label).update(plaintextSha256).digest();
}

/** AES-256-CTR over a byte stream (encryption and decryption are the same operation). */
export async function* aesCtr(key: Uint8Array, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
  const cipher = createCipheriv('aes-256-ctr', key, ZERO_IV);
  for await (const chunk of source) {
    throwIfAborted(options.signal, 'encrypt');
    const out = cipher.update(chunk);
    if (out.length > 0) yield out;
  }
  const tail = cipher.final();
  if (tail.length > 0) yield tail;
}

/** Decryption: in CTR mode it is the same keystream XOR as encryption. */
export const decryptCtr = aesCtr;

/**
 * Decrypts ciphertext that starts at byte `offset` of the file (ranges, `/uri/` on the gateway): CTR mode is
 * seekable, the counter block for byte `offset` is the zero IV plus floor(offset / 16) as a 128-bit big-endian
 * number (NIST SP 800-38A §6.5, the increment Node's aes-256-ctr uses), and offset % 16 keystream bytes are skipped.
 */
export async function* decryptCtrAt(key: Uint8Array, offset: number, source: AsyncIterable<Uint8Array>, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): bad decryption offset');
  const iv = Buffer.alloc(16);
  let block = BigInt(Math.floor(offset / 16));
  for (let i = 15; i >= 0 && block > 0n; i--, block >>= 8n) iv[i] = Number(block & 0xffn);
  const decipher = createDecipheriv('aes-256-ctr', key, iv);
  if (offset % 16 !== 0) decipher.update(Buffer.alloc(offset % 16));
  for await (const chunk of source) {
    throwIfAborted(options.signal, 'decrypt');
    const out = decipher.update(chunk);
    if (out.length > 0) yield out;
  }
}

export function formatCapability(cap: Capability): string {
  return cap.kind === 'public' ? cap.cid.toString() : `veil:${cap.kind}:${base32Encode(cap.key)}:${cap.cid.toString()}`;
}

/** Parses `veil:chk:KEY:CID`, `veil:dir:KEY:CID`, `/ipfs/CID` or a bare CID. Throws VEIL_GRID_CAP_INVALID. */
export function parseCapability(text: string): Capability {
  const t = text.trim();
  try {
    for (const kind of ['chk', 'dir'] as const) {
      if (!t.startsWith(`veil:${kind}:`)) continue;
      const [key = '', cid = '', ...rest] = t.slice(`veil:${kind}:`.length).split(':');
      const bytes = base32Decode(key);
      if (!bytes || bytes.length !== 32 || rest.length > 0) throw new Error('bad key');
      return { kind, key: bytes, cid: parseCid(cid) };
    }
    return { kind: 'public', cid: parseCid(t.startsWith('/ipfs/') ? t.slice('/ipfs/'.length) : t) };
  } catch (err) {
    throw new VeilError('VEIL_GRID_CAP_INVALID', `${quoteUntrusted(t)} is not a capability (veil:chk:KEY:CID, veil:dir:KEY:CID) or a CID`, { cause: err });
  }
}
