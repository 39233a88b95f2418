/**
 * Private, patched copy of the packaged i2pd for the loopback test network (see README-i2p.md and
 * /work/shared/I2P-TESTNET.md, "Binary patch"). The system binary is only read, never written.
 *
 * 1. reserved-range (required on i2pd < 2.51): i2pd builds its reserved IPv4 table from string literals;
 *    we change the upper bound of 127.0.0.0/8 from "127.255.255.255" to "126.255.255.255" (one byte), so the
 *    127/8 entry becomes an empty range and incoming NTCP2 from 127.x is accepted. Refused unless the byte
 *    pattern occurs exactly once.
 * 2. fast-SAM (optional; only for the exact Debian 2.45.1 build): the two 20 s SAM session-readiness timer
 *    immediates become 1 s, so SESSION CREATE takes 2–12 s instead of 20 s. Refused unless the sha256 of the
 *    input (after patch 1) matches and the surrounding instruction bytes are as expected.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError, logger } from '../core/index.js';

const log = logger('veil:testnet:i2p');

const RESERVED_PATTERN = Buffer.from('\u0000127.0.0.0\u0000127.255.255.255\u0000169.254.0.0\u0000', 'latin1');
/** Offset of the byte to change inside RESERVED_PATTERN: the '7' of "127.255.255.255". */
const RESERVED_BYTE_OFFSET = 1 + '127.0.0.0'.length + 1 + 2;

/** sha256 of the Debian i2pd 2.45.1-1 binary, of it after patch 1, and after patches 1 + 2. */
export const I2PD_2_45_1_SHA256 = '82062b910054c8185500f21f257eccc2a3c05aa93aa6fa9445ff0882d50f1035';
export const I2PD_RESERVED_PATCHED_SHA256 = 'e588afd9bb39baaa664f807c752b2c029ce0fa23fb04dd0353f4fa515e4b0480';
export const I2PD_FAST_SAM_PATCHED_SHA256 = '5783727e6f01c765ca4512a29faea769355721dbf85c65e2f411eaf53a498640';

/** 20 000 000 µs → 1 000 000 µs, 32-bit little-endian, at two sites (offset of the instruction, its bytes). */
const FAST_SAM_SITES: readonly { readonly at: number; readonly instruction: string; readonly immediateOffset: number }[] = [
  { at: 0x2f8c43, instruction: '48c7442460002d3101', immediateOffset: 5 }, // ProcessSessionCreate
  { at: 0x2f814a, instruction: '498d8424002d3101', immediateOffset: 4 }, // readiness timer handler
];
const ONE_SECOND_US_LE = Buffer.from('40420f00', 'hex');

export type I2pdPatch = 'reserved-range' | 'fast-sam';

export interface PreparedI2pd {
  readonly path: string;
  readonly sha256: string;
  readonly patches: readonly I2pdPatch[];
}

export interface PrepareI2pdOptions {
  /** The packaged binary to copy (default /usr/sbin/i2pd). */
  source?: string;
  /** Folder for the private copy (created). */
  binDir: string;
  /** Apply the fast-SAM patch when the input is the exact Debian 2.45.1 build (default true). */
  fastSam?: boolean;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function refuse(message: string): VeilError {
  return new VeilError('VEIL_I2PD_PATCH_REFUSED', message);
}

/** Applies patch 1 in place. Throws VEIL_I2PD_PATCH_REFUSED unless the pattern occurs exactly once. */
export function patchReservedRange(binary: Buffer): void {
  const first = binary.indexOf(RESERVED_PATTERN);
  if (first < 0) throw refuse('i2pd reserved-range patch: the 127.0.0.0/8 table entry was not found (unknown i2pd build)');
  if (binary.indexOf(RESERVED_PATTERN, first + 1) >= 0) throw refuse('i2pd reserved-range patch: the pattern occurs more than once');
  const at = first + RESERVED_BYTE_OFFSET;
  if (binary[at] !== 0x37) throw refuse('i2pd reserved-range patch: unexpected byte at the patch site');
  binary[at] = 0x36; // '7' → '6': 127.255.255.255 → 126.255.255.255
}

/** Applies patch 2 in place. Throws VEIL_I2PD_PATCH_REFUSED unless the sha256 and the instruction bytes match. */
export function patchFastSam(binary: Buffer): void {
  const digest = sha256(binary);
  if (digest !== I2PD_RESERVED_PATCHED_SHA256) throw refuse(`i2pd fast-SAM patch: input sha256 ${digest} is not the patched Debian 2.45.1 build`);
  for (const site of FAST_SAM_SITES) {
    const actual = binary.subarray(site.at, site.at + site.instruction.length / 2).toString('hex');
    if (actual !== site.instruction) throw refuse(`i2pd fast-SAM patch: unexpected bytes at 0x${site.at.toString(16)}`);
  }
  for (const site of FAST_SAM_SITES) ONE_SECOND_US_LE.copy(binary, site.at + site.immediateOffset);
}

/**
 * Copies the packaged i2pd into `binDir/i2pd` (written atomically) and patches the copy.
 * Throws VEIL_I2PD_PATCH_REFUSED.
 */
export async function prepareI2pdBinary(options: PrepareI2pdOptions): Promise<PreparedI2pd> {
  const source = options.source ?? '/usr/sbin/i2pd';
  const wantFast = options.fastSam ?? true;
  await mkdir(options.binDir, { recursive: true });
  const path = join(options.binDir, 'i2pd');
  const binary = await readFile(source);
  const sourceSha = sha256(binary);
  const patches: I2pdPatch[] = [];
  patchReservedRange(binary);
  patches.push('reserved-range');
  if (wantFast && sourceSha === I2PD_2_45_1_SHA256) {
    patchFastSam(binary);
    patches.push('fast-sam');
  } else if (wantFast) {
    log.info('fast-SAM patch skipped: the i2pd binary is not the Debian 2.45.1 build', sourceSha);
  }
  const digest = sha256(binary);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, binary, { mode: 0o755 });
  await chmod(tmp, 0o755);
  await rename(tmp, path);
  return { path, sha256: digest, patches };
}
