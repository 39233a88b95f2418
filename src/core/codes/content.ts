import { codeTable } from './types.js';

/** Codes owned by src/content (blocks, UnixFS import/export, CAR). */
export const CONTENT_CODES = codeTable({
  VEIL_CONTENT_CID_INVALID: {
    category: 'input',
    summary: 'A CID string or byte sequence could not be parsed.',
    hint: 'check the CID for typos; it should look like Qm… (CIDv0) or bafy… (CIDv1)',
  },
  VEIL_CONTENT_HASH_UNSUPPORTED: {
    category: 'input',
    summary: 'A CID uses a multihash function Veil cannot verify (only sha2-256 and identity are supported).',
    hint: 're-add the content with the default hash (sha2-256)',
  },
  VEIL_CONTENT_BLOCK_MISMATCH: {
    category: 'peer',
    summary: 'The bytes of a block do not hash to its CID; the block was refused and nothing was stored.',
    hint: 'the source (a peer, a CAR file or a disk) delivered corrupt data: fetch it again from another source',
  },
  VEIL_CONTENT_BLOCK_TOO_LARGE: {
    category: 'input',
    summary: 'A block is larger than the configured block size limit.',
    hint: 'blocks made by `ipfs add` are at most 1 MiB; raise the limit only if you trust the source',
  },
  VEIL_CONTENT_BLOCK_NOT_FOUND: {
    category: 'input',
    summary: 'A block is not in the local blockstore and no fetcher could provide it.',
    hint: 'import the content first (veil add / CAR import), or check that the CID is right',
  },
  VEIL_CONTENT_PATH_NOT_FOUND: {
    category: 'input',
    summary: 'A path inside a DAG does not exist (no such link in a directory).',
    hint: 'list the directory to see which names it contains',
  },
  VEIL_CONTENT_NOT_UNIXFS: {
    category: 'input',
    summary: 'The DAG is not UnixFS (or uses a codec the exporter cannot read).',
    hint: 'request it as a raw block or CAR (?format=raw or ?format=car)',
  },
  VEIL_CONTENT_STORE_IO: {
    category: 'config',
    summary: 'Reading or writing the blockstore under the node directory failed.',
    hint: 'check that the node directory exists, is writable by this user, and that the disk is not full',
  },
  VEIL_CONTENT_IMPORT_FAILED: {
    category: 'input',
    summary: 'A file or directory could not be imported (unreadable path, unsupported file type).',
    hint: 'check that the path exists and is readable; only regular files and directories are imported',
  },
  VEIL_CONTENT_CAR_INVALID: {
    category: 'peer',
    summary: 'A CAR stream is malformed (bad header, truncated block, wrong version).',
    hint: 'the CAR file is corrupt or not CARv1: export it again',
  },
  VEIL_CONTENT_CAR_LIMIT: {
    category: 'peer',
    summary: 'A CAR stream exceeds a limit (header size, block size or total size).',
    hint: 'the CAR is larger than allowed: raise the limit only if you trust the source',
  },
});
