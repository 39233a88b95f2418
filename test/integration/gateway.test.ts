/**
 * Gateway streaming against a real on-disk blockstore: a ~64 MiB file is imported into NODEDIR/blocks and
 * downloaded over loopback through a deliberately slow client. The gateway must stream with backpressure:
 * bytes read from the blockstore stay close to bytes the client has received, and RSS stays flat.
 * (The 1 GB RSS run belongs in bench/.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { FsBlockstore, importFile, type BlockGetter, type CID } from '../../src/content/index.js';
import { startGateway } from '../../src/gateway/index.js';
import { deterministicStream } from '../../src/content/test-helpers.js';

const SIZE = 64 * 1024 * 1024 + 12345;

test('a 64 MiB file streams with backpressure and flat memory', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'veil-gw-int-'));
  const store = await FsBlockstore.open(join(dir, 'blocks'));
  try {
    const source = createHash('sha256');
    async function* hashed(): AsyncGenerator<Uint8Array> {
      for await (const chunk of deterministicStream(SIZE, 'gateway-integration')) {
        source.update(chunk);
        yield chunk;
      }
    }
    const { cid } = await importFile(hashed(), store);
    const expectedHash = source.digest('hex');

    let bytesFromStore = 0;
    const counting: BlockGetter & Pick<FsBlockstore, 'put' | 'has'> = {
      get: async (c: CID, o) => {
        const b = await store.get(c, o);
        bytesFromStore += b.length;
        return b;
      },
      put: (c, b, o) => store.put(c, b, o),
      has: (c, o) => store.has(c, o),
    };
    await using gw = await startGateway({ listen: { host: '127.0.0.1', port: 0 }, blockstore: counting });

    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    let received = 0;
    let maxAhead = 0;
    const digest = createHash('sha256');
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: gw.host, port: gw.port, path: `/ipfs/${cid.toString()}` }, async (res) => {
        try {
          assert.equal(res.statusCode, 200);
          assert.equal(res.headers['content-length'], String(SIZE));
          let sinceLastPause = 0;
          for await (const chunk of res as AsyncIterable<Buffer>) {
            received += chunk.length;
            digest.update(chunk);
            maxAhead = Math.max(maxAhead, bytesFromStore - received);
            rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
            sinceLastPause += chunk.length;
            if (sinceLastPause >= 1024 * 1024) {
              sinceLastPause = 0;
              await pause(2); // a slow client (rate limit), so the server must hold back
            }
          }
          resolve();
        } catch (err) {
          reject(err);
        }
      });
      req.on('error', reject);
      req.end();
    });
    t.diagnostic(`max read-ahead ${maxAhead} bytes, RSS growth ${rssPeak - rssBefore} bytes`);
    assert.equal(received, SIZE);
    assert.equal(digest.digest('hex'), expectedHash);
    assert.ok(maxAhead < 32 * 1024 * 1024, `server read at most 32 MiB ahead of the client (was ${maxAhead})`);
    assert.ok(rssPeak - rssBefore < 100 * 1024 * 1024, `RSS growth ${Math.round((rssPeak - rssBefore) / 1048576)} MiB < 100 MiB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
