/**
 * Issue #5 §2, "memory stays flat for a 1 GB file": a deterministic 1 GiB file is imported into a node's
 * NODEDIR/blocks (on disk, deleted afterwards), then downloaded in full through `veil run`'s gateway. The node
 * process's peak resident set (VmHWM from /proc, so no sampling and no timing) must stay under 200 MB, and the
 * bytes must hash to the source's SHA-256.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlockstore, importFile } from '../../src/content/index.js';
import { allocatePort } from '../../src/net/index.js';
import { deterministicStream } from '../../src/content/test-helpers.js';
import { getTorTestnet } from './testnet-env.js';
import { veil, VeilRun } from './cli-helpers.js';

const SIZE = 1024 * 1024 * 1024;
const MAX_RSS_MB = 200;
const tor = getTorTestnet();
const client = tor.clients[0];
assert.ok(client, 'the private network needs a client');

/** Peak and current resident set of a process (MB), from /proc/PID/status. */
async function memoryOf(pid: number): Promise<{ rssMB: number; peakMB: number }> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rssMB: kb('VmRSS') / 1024, peakMB: kb('VmHWM') / 1024 };
}

test('a 1 GiB file streams through veil run’s gateway with the node’s peak RSS under 200 MB', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'veil-gw-1gb-'));
  const nodeDir = join(root, 'node');
  const webPort = await allocatePort();
  const created = await veil(['create-client', nodeDir, '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${client.controlPort}`, `--webport=tcp:${webPort}:interface=127.0.0.1`]);
  assert.equal(created.code, 0, created.stderr);
  let node: VeilRun | undefined;
  try {
    const source = createHash('sha256');
    async function* hashed(): AsyncGenerator<Uint8Array> {
      for await (const chunk of deterministicStream(SIZE, 'gateway-1gb')) {
        source.update(chunk);
        yield chunk;
      }
    }
    const { cid } = await importFile(hashed(), await FsBlockstore.open(join(nodeDir, 'blocks')));
    const expected = source.digest('hex');

    node = new VeilRun(nodeDir);
    await node.ready();
    const pid = node.child.pid!;
    const before = await memoryOf(pid);
    const received = createHash('sha256');
    let bytes = 0;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: webPort, path: `/ipfs/${cid.toString()}` }, (res) => {
        res.on('data', (c: Buffer) => {
          received.update(c);
          bytes += c.length;
        });
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    const after = await memoryOf(pid);
    t.diagnostic(`node RSS: ${before.rssMB.toFixed(0)} MB ready, ${after.rssMB.toFixed(0)} MB after; peak ${after.peakMB.toFixed(0)} MB for ${bytes} bytes`);
    assert.equal(status, 200);
    assert.equal(bytes, SIZE);
    assert.equal(received.digest('hex'), expected);
    assert.ok(after.peakMB < MAX_RSS_MB, `peak RSS ${after.peakMB.toFixed(0)} MB is over ${MAX_RSS_MB} MB`);
  } finally {
    if (node) {
      assert.equal(await node.stop(), 0, node.stderr);
      node.dispose();
    }
    await rm(root, { recursive: true, force: true });
  }
});
