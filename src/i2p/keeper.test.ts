/**
 * KeptI2pd's bookkeeping with scripted processes (the real thing, a SIGKILLed i2pd started again under a running
 * node, is in test/integration/node-i2p-launch.test.ts): restarts after an exit, retries a failed restart with a
 * growing wait, records each exit with the log's last lines, and close() stops whatever runs, even mid-restart.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { I2pdExit } from './i2pd-process.js';
import { KeptI2pd, type KeptProcess } from './keeper.js';

class ScriptedProcess implements KeptProcess {
  readonly exited: Promise<I2pdExit>;
  closed = 0;
  #exit!: (e: I2pdExit) => void;
  constructor(readonly pid: number) {
    this.exited = new Promise((resolve) => (this.#exit = resolve));
  }
  die(exit: I2pdExit): void {
    this.#exit(exit);
  }
  close(): Promise<void> {
    this.closed++;
    this.#exit({ code: 0, signal: null });
    return Promise.resolve();
  }
}

async function until(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 5 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('KeptI2pd', () => {
  it('starts the router again after it exits by itself, and records the exit with its log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veil-keeper-'));
    try {
      writeFileSync(join(dir, 'i2pd.log'), 'line one\nline two\nfree(): corrupted unsorted chunks\n');
      const first = new ScriptedProcess(100);
      const started: ScriptedProcess[] = [];
      const events: string[] = [];
      const kept = new KeptI2pd(first, {
        name: 'i2pd test',
        logFile: join(dir, 'i2pd.log'),
        backoffStartMs: 10,
        onProgress: (e) => events.push(e.type),
        restart: async () => {
          const p = new ScriptedProcess(101 + started.length);
          started.push(p);
          return p;
        },
      });
      assert.equal(kept.pid, 100);
      first.die({ code: null, signal: 'SIGABRT' });
      await until('restarted', () => kept.pid === 101);
      assert.equal(kept.exits.length, 1);
      assert.equal(kept.exits[0]!.pid, 100);
      assert.equal(kept.exits[0]!.how, 'SIGABRT');
      assert.match(kept.exits[0]!.logTail, /line two \| free\(\): corrupted unsorted chunks/);
      assert.deepEqual(events, ['i2pd:exited', 'i2pd:restarted']);

      started[0]!.die({ code: 1, signal: null });
      await until('restarted twice', () => kept.pid === 102);
      assert.equal(kept.exits[1]!.how, 'exit status 1');

      await kept.close();
      assert.ok(started[1]!.closed >= 1, 'close() stops the running router');
      assert.equal(started.length, 2, 'no restart after close()');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('retries a restart that fails, waiting longer each time', async () => {
    const first = new ScriptedProcess(200);
    const attempts: number[] = [];
    const kept = new KeptI2pd(first, {
      name: 'i2pd test',
      backoffStartMs: 20,
      restart: async () => {
        attempts.push(Date.now());
        if (attempts.length < 3) throw new Error('SAM port not listening');
        return new ScriptedProcess(201);
      },
    });
    first.die({ code: null, signal: 'SIGSEGV' });
    await until('third attempt succeeds', () => kept.pid === 201);
    assert.equal(attempts.length, 3);
    const [a, b, c] = attempts as [number, number, number];
    assert.ok(c - b >= 35, `second wait (${c - b} ms) is about twice the first (${b - a} ms)`);
    assert.equal(kept.exits.length, 1, 'one exit, whatever the number of attempts');
    assert.equal(kept.exits[0]!.logTail, '', 'no log file given');
    await kept.close();
  });

  it('close() during the wait before a restart starts nothing; during a restart, closes what it started', async () => {
    const first = new ScriptedProcess(300);
    let restarts = 0;
    const waiting = new KeptI2pd(first, { name: 'i2pd test', backoffStartMs: 10_000, restart: async () => (restarts++, new ScriptedProcess(301)) });
    first.die({ code: null, signal: 'SIGKILL' });
    await until('exit recorded', () => waiting.exits.length === 1);
    await waiting.close();
    assert.equal(restarts, 0);

    const second = new ScriptedProcess(400);
    const late = new ScriptedProcess(401);
    let release!: () => void;
    const kept = new KeptI2pd(second, {
      name: 'i2pd test',
      backoffStartMs: 1,
      restart: () => new Promise<KeptProcess>((resolve) => (release = () => resolve(late))),
    });
    second.die({ code: null, signal: 'SIGABRT' });
    await until('restart under way', () => release !== undefined);
    const closing = kept.close();
    release();
    await closing;
    assert.equal(late.closed >= 1, true, 'the router that finished starting after close() was stopped');
  });
});
