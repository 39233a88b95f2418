/**
 * Test helpers for src/content (imported by *.test.ts only).
 *
 * deterministicStream reproduces Kubo's test/cli/testutils/random_deterministic.go generator, as described in
 * js-ipfs-unixfs packages/ipfs-unixfs-importer/test/helpers/deterministic.ts: the ChaCha20 (IETF) keystream
 * with key = sha256(utf8(seed)), a zero 12-byte nonce and block counter 0. Node's OpenSSL `chacha20` cipher
 * takes a 16-byte IV = 4-byte little-endian counter || 12-byte nonce, so an all-zero IV is exactly that.
 */
import { createCipheriv, createHash } from 'node:crypto';

export async function* deterministicStream(size: number, seed: string, chunkBytes = 1024 * 1024): AsyncGenerator<Uint8Array> {
  const key = createHash('sha256').update(seed, 'utf8').digest();
  const cipher = createCipheriv('chacha20', key, Buffer.alloc(16));
  let remaining = size;
  while (remaining > 0) {
    const n = Math.min(remaining, chunkBytes);
    yield cipher.update(Buffer.alloc(n));
    remaining -= n;
  }
}

export async function deterministicBytes(size: number, seed: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of deterministicStream(size, seed)) parts.push(part);
  return Buffer.concat(parts);
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}
