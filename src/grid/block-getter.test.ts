import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VeilError, isVeilError } from '../core/index.js';
import { CODEC, cidFor } from '../content/index.js';
import type { StorageClient } from './storage-client.js';
import { gridBlockGetter } from './transfer.js';

const bytes = new TextEncoder().encode('a block');
const cid = cidFor(bytes, CODEC.raw);

/** A stand-in for a StorageClient: answers each get() with the next scripted outcome. */
function scripted(name: string, outcomes: (Uint8Array | undefined | VeilError)[]): StorageClient & { calls: number } {
  const server = {
    name,
    calls: 0,
    async get(): Promise<Uint8Array | undefined> {
      const next = outcomes[Math.min(server.calls++, outcomes.length - 1)];
      if (next instanceof VeilError) throw next;
      return next;
    },
  };
  return server as unknown as StorageClient & { calls: number };
}

test('gridBlockGetter asks the servers once more after a network failure (a reset Tor stream)', async () => {
  const reset = new VeilError('VEIL_HTTP_REQUEST_FAILED', 'GET failed: other side closed');
  const a = scripted('server a', [reset, bytes]);
  assert.deepEqual(await gridBlockGetter([a]).get(cid), bytes);
  assert.equal(a.calls, 2);

  const b = scripted('server b', [reset]);
  await assert.rejects(gridBlockGetter([b]).get(cid), (err) => isVeilError(err, 'VEIL_GRID_BLOCK_UNAVAILABLE'));
  assert.equal(b.calls, 2, 'two rounds, no more');
});

test('gridBlockGetter does not repeat answers that are not network failures: missing, refused, lying', async () => {
  for (const answer of [undefined, new VeilError('VEIL_GRID_UNAUTHORIZED', 'wrong swissnum'), new VeilError('VEIL_CONTENT_BLOCK_MISMATCH', 'lies')]) {
    const s = scripted('server s', [answer, bytes]);
    await assert.rejects(gridBlockGetter([s]).get(cid), (err) => isVeilError(err, 'VEIL_GRID_BLOCK_UNAVAILABLE'));
    assert.equal(s.calls, 1);
  }
  // The next server's copy is taken in the same round.
  const missing = scripted('server m', [undefined]);
  const good = scripted('server g', [bytes]);
  assert.deepEqual(await gridBlockGetter([missing, good]).get(cid), bytes);
  assert.equal(missing.calls + good.calls, 2);
});
