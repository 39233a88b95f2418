import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, delay, raceAbort, withTimeout, isVeilError, logger, setLogSink, sensitive, type LogRecord } from './index.js';

test('Scope closes children in reverse order, once, and aborts its signal first', async () => {
  const order: string[] = [];
  const scope = new Scope();
  let closes = 0;
  scope.adopt({ close: async () => void order.push('a') });
  scope.defer(() => void order.push('b'));
  scope.adopt({
    close: async () => {
      closes += 1;
      order.push(`c:${scope.signal.aborted}`);
    },
  });
  await Promise.all([scope.close(), scope.close()]);
  assert.deepEqual(order, ['c:true', 'b', 'a']);
  assert.equal(closes, 1);
  // adopting into a closed scope closes the child at once
  let late = false;
  scope.adopt({ close: async () => void (late = true) });
  await new Promise((r) => setImmediate(r));
  assert.equal(late, true);
});

test('Scope reports a failing child but still closes the others', async () => {
  const scope = new Scope();
  let closed = false;
  scope.adopt({ close: async () => void (closed = true) });
  scope.adopt({ close: async () => Promise.reject(new Error('boom')) });
  await assert.rejects(scope.close(), /boom/);
  assert.equal(closed, true);
});

test('raceAbort rejects with VEIL_TIMEOUT on a deadline and runs the cleanup; listener removed after success', async () => {
  let cleaned = false;
  // AbortSignal.timeout's timer does not keep the event loop alive; a real caller always has a socket open.
  const keepAlive = setInterval(() => undefined, 1000);
  const never = new Promise<void>(() => undefined);
  await assert.rejects(raceAbort(never, withTimeout(undefined, 20), 'wait', () => (cleaned = true)), (e: unknown) => isVeilError(e, 'VEIL_TIMEOUT'));
  clearInterval(keepAlive);
  assert.equal(cleaned, true);
  const c = new AbortController();
  assert.equal(await raceAbort(Promise.resolve(7), c.signal, 'x'), 7);
  c.abort();
});

test('delay rejects with VEIL_ABORTED when aborted', async () => {
  const c = new AbortController();
  const p = delay(10_000, { signal: c.signal });
  c.abort();
  await assert.rejects(p, (e: unknown) => isVeilError(e, 'VEIL_ABORTED'));
});

test('logger redacts sensitive values and rate-limits repeated warnings', () => {
  const records: LogRecord[] = [];
  setLogSink((r) => records.push(r));
  try {
    const log = logger('test:redact');
    log.warn('peer', sensitive('abcdefghijklmnop.onion'));
    log.warn('peer', sensitive('other.onion'));
    assert.equal(records.length, 1);
    assert.equal(records[0]?.message, 'peer [redacted]');
    assert.equal(records[0]?.namespace, 'veil:test:redact');
  } finally {
    setLogSink(undefined);
  }
});
