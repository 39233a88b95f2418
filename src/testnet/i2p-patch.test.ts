import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VeilError } from '../core/index.js';
import { I2PD_2_45_1_SHA256, I2PD_FAST_SAM_PATCHED_SHA256, patchFastSam, patchReservedRange, prepareI2pdBinary } from './i2p-patch.js';

const PATTERN = '\u0000127.0.0.0\u0000127.255.255.255\u0000169.254.0.0\u0000';
const refused = (e: unknown): boolean => e instanceof VeilError && e.code === 'VEIL_I2PD_PATCH_REFUSED';

describe('i2pd reserved-range patch', () => {
  it('changes exactly one byte: 127.255.255.255 → 126.255.255.255', () => {
    const b = Buffer.from(`head${PATTERN}tail`, 'latin1');
    const before = Buffer.from(b);
    patchReservedRange(b);
    assert.equal(b.toString('latin1'), `head${PATTERN.replace('127.255', '126.255')}tail`);
    assert.equal([...b].filter((x, i) => x !== before[i]).length, 1);
  });

  it('refuses when the pattern is missing or occurs twice', () => {
    assert.throws(() => patchReservedRange(Buffer.from('nothing here', 'latin1')), refused);
    assert.throws(() => patchReservedRange(Buffer.from(PATTERN + PATTERN, 'latin1')), refused);
  });

  it('refuses the fast-SAM patch on any other build', () => {
    assert.throws(() => patchFastSam(Buffer.from(PATTERN, 'latin1')), refused);
  });
});

describe('prepareI2pdBinary on the packaged i2pd', () => {
  it('writes a private executable copy with both patches and leaves the system binary alone', async () => {
    const systemSha = createHash('sha256').update(await readFile('/usr/sbin/i2pd')).digest('hex');
    assert.equal(systemSha, I2PD_2_45_1_SHA256, 'this suite needs the Debian i2pd 2.45.1 binary');
    const dir = await mkdtemp(join(tmpdir(), 'veil-i2pd-patch-'));
    try {
      const p = await prepareI2pdBinary({ binDir: dir });
      assert.deepEqual(p.patches, ['reserved-range', 'fast-sam']);
      assert.equal(p.sha256, I2PD_FAST_SAM_PATCHED_SHA256);
      assert.equal(createHash('sha256').update(await readFile(p.path)).digest('hex'), I2PD_FAST_SAM_PATCHED_SHA256);
      assert.equal(createHash('sha256').update(await readFile('/usr/sbin/i2pd')).digest('hex'), I2PD_2_45_1_SHA256);
      const fake = join(dir, 'fake-i2pd');
      await writeFile(fake, `x${PATTERN}y`);
      const q = await prepareI2pdBinary({ binDir: join(dir, 'q'), source: fake });
      assert.deepEqual(q.patches, ['reserved-range']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
