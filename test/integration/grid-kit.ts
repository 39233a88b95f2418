/**
 * Shared setup of the grid suites: a temp directory per suite and the `veil run` processes it starts, stopped
 * (latest first) and removed by after(); making node directories; counting the blocks a storage server holds.
 */
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { veil, VeilRun } from './cli-helpers.js';

export interface GridWorkspace {
  /** The suite's temp directory (made in before()). */
  readonly root: string;
  /** Starts `veil run` on a node directory; after() stops it. */
  start(dir: string): VeilRun;
}

/** Registers the suite's before/after hooks; `prefix` names its temp directory ('veil-grid-tor-'). */
export function useGridWorkspace(prefix: string): GridWorkspace {
  let root: string | undefined;
  const running: VeilRun[] = [];
  before(() => {
    root = mkdtempSync(join(tmpdir(), prefix));
  });
  after(async () => {
    for (const r of running.reverse()) {
      await r.stop();
      r.dispose();
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return {
    get root(): string {
      if (root === undefined) throw new Error('the grid workspace is made in before()');
      return root;
    },
    start(dir) {
      const r = new VeilRun(dir);
      running.push(r);
      return r;
    },
  };
}

/** The block files (`<shard>/<key>.data`) under a storage directory. */
export function blockFiles(storageDir: string): string[] {
  const out: string[] = [];
  for (const shard of readdirSync(storageDir, { withFileTypes: true })) {
    if (shard.isDirectory()) for (const f of readdirSync(join(storageDir, shard.name))) if (f.endsWith('.data')) out.push(join(storageDir, shard.name, f));
  }
  return out;
}

/** How many blocks a storage directory holds. */
export function storedBlocks(storageDir: string): number {
  return blockFiles(storageDir).length;
}

/** Runs a `veil` command that makes a node directory (3 min limit); fails the test unless it exits 0. */
export async function created(args: readonly string[]): Promise<void> {
  const r = await veil(args, { timeoutMs: 180_000 });
  assert.equal(r.code, 0, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
}
