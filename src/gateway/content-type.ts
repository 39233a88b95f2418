/**
 * Content-Type for deserialized files (path gateway spec §Content-Type: sniff from the file name, then from
 * magic bytes). Extension first, as Kubo does; then signatures; then text vs binary.
 */
const BY_EXTENSION: ReadonlyMap<string, string> = new Map([
  ['html', 'text/html; charset=utf-8'],
  ['htm', 'text/html; charset=utf-8'],
  ['css', 'text/css; charset=utf-8'],
  ['js', 'text/javascript; charset=utf-8'],
  ['mjs', 'text/javascript; charset=utf-8'],
  ['json', 'application/json'],
  ['txt', 'text/plain; charset=utf-8'],
  ['md', 'text/markdown; charset=utf-8'],
  ['csv', 'text/csv; charset=utf-8'],
  ['xml', 'application/xml'],
  ['svg', 'image/svg+xml'],
  ['png', 'image/png'],
  ['jpg', 'image/jpeg'],
  ['jpeg', 'image/jpeg'],
  ['gif', 'image/gif'],
  ['webp', 'image/webp'],
  ['avif', 'image/avif'],
  ['ico', 'image/x-icon'],
  ['pdf', 'application/pdf'],
  ['wasm', 'application/wasm'],
  ['zip', 'application/zip'],
  ['gz', 'application/gzip'],
  ['tar', 'application/x-tar'],
  ['mp4', 'video/mp4'],
  ['webm', 'video/webm'],
  ['mp3', 'audio/mpeg'],
  ['ogg', 'audio/ogg'],
  ['wav', 'audio/wav'],
  ['woff', 'font/woff'],
  ['woff2', 'font/woff2'],
  ['ttf', 'font/ttf'],
  ['otf', 'font/otf'],
  ['car', 'application/vnd.ipld.car'],
]);

/** Magic numbers (WHATWG MIME Sniffing §6 "Matching an image/archive type pattern"). */
const SIGNATURES: ReadonlyArray<{ bytes: number[]; offset?: number; type: string }> = [
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], type: 'image/png' },
  { bytes: [0xff, 0xd8, 0xff], type: 'image/jpeg' },
  { bytes: [0x47, 0x49, 0x46, 0x38], type: 'image/gif' },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], type: 'application/pdf' },
  { bytes: [0x00, 0x61, 0x73, 0x6d], type: 'application/wasm' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], type: 'application/zip' },
  { bytes: [0x1f, 0x8b, 0x08], type: 'application/gzip' },
  { bytes: [0x57, 0x45, 0x42, 0x50], offset: 8, type: 'image/webp' },
];

function startsWith(head: Uint8Array, sig: number[], offset = 0): boolean {
  if (head.length < offset + sig.length) return false;
  return sig.every((b, i) => head[offset + i] === b);
}

/** Sniffs the type from `name` (may be empty) and the first bytes of the file. */
export function sniffContentType(name: string, head: Uint8Array): string {
  const dot = name.lastIndexOf('.');
  if (dot > 0) {
    const byExt = BY_EXTENSION.get(name.slice(dot + 1).toLowerCase());
    if (byExt) return byExt;
  }
  for (const sig of SIGNATURES) if (startsWith(head, sig.bytes, sig.offset)) return sig.type;
  if (head.length === 0) return 'text/plain; charset=utf-8';
  const text = Buffer.from(head).toString('utf8').trimStart().toLowerCase();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return 'image/svg+xml';
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) return 'text/html; charset=utf-8';
  if (looksLikeText(head)) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

/** WHATWG "binary data byte": control bytes other than TAB, LF, FF, CR, ESC mean binary; UTF-8 must decode. */
function looksLikeText(head: Uint8Array): boolean {
  for (const b of head) {
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d && b !== 0x1b) return false;
  }
  try {
    // a multi-byte character cut at the sniff boundary is fine: drop up to 3 trailing bytes before strict decoding
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 3)));
    return true;
  } catch {
    // not UTF-8: binary
    return false;
  }
}
