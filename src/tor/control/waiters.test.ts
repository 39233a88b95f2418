import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isVeilError } from '../../core/index.js';
import { HsDescWatcher, waitForBootstrap, waitForHsDescUploaded } from './waiters.js';
import { connectFake } from './fake-tor.test-util.js';
import { parseEvent } from './events.js';
import { ReplyDecoder, NEED_MORE, type ControlReply } from './reply-codec.js';

const hasCode = (code: string) => (e: unknown): boolean => isVeilError(e) && e.code === code;

/** AbortSignal.timeout() timers are unref'd and the in-memory fake has no socket: keep the loop alive. */
async function keepAlive<T>(body: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 1000);
  try {
    return await body();
  } finally {
    clearInterval(timer);
  }
}
const ID = 'b'.repeat(56);

test('waitForBootstrap subscribes before reading the phase, reports progress once each, resolves at 100', async () => {
  const { control, fake } = connectFake((line, f) => {
    if (line === 'GETINFO status/bootstrap-phase') {
      f.send('250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=10 TAG=conn_done SUMMARY="Connected to a relay"\r\n250 OK\r\n');
      f.send('650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=10 TAG=conn_done SUMMARY="again"\r\n');
      f.send('650 STATUS_CLIENT WARN BOOTSTRAP PROGRESS=50 TAG=x SUMMARY="y" WARNING="no route" REASON=NOROUTE\r\n');
      f.send('650 STATUS_CLIENT NOTICE CIRCUIT_ESTABLISHED\r\n');
      f.send('650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"\r\n');
      return undefined;
    }
    return '250 OK\r\n';
  });
  const seen: unknown[] = [];
  const status = await waitForBootstrap(control, { onProgress: (e) => seen.push([e.type, e.detail['progress'], e.detail['warning']]) });
  assert.equal(status.progress, 100);
  assert.deepEqual(seen, [
    ['tor:bootstrap', 10, undefined],
    ['tor:bootstrap', 50, 'no route'],
    ['tor:bootstrap', 100, undefined],
  ]);
  assert.deepEqual(fake.lines, ['SETEVENTS STATUS_CLIENT', 'GETINFO status/bootstrap-phase', 'SETEVENTS']);
  await control.close();
});

test('waitForBootstrap resolves at once when tor is already bootstrapped, and rejects on its deadline', async () => {
  const done = connectFake((line) =>
    line.startsWith('GETINFO') ? '250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"\r\n250 OK\r\n' : '250 OK\r\n',
  );
  assert.equal((await waitForBootstrap(done.control)).tag, 'done');
  await done.control.close();
  const stuck = connectFake((line) =>
    line.startsWith('GETINFO') ? '250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=0 TAG=starting SUMMARY="Starting"\r\n250 OK\r\n' : '250 OK\r\n',
  );
  await keepAlive(() => assert.rejects(waitForBootstrap(stuck.control, { signal: AbortSignal.timeout(50) }), hasCode('VEIL_TIMEOUT')));
  assert.equal(stuck.fake.lines.at(-1), 'SETEVENTS');
  await stuck.control.close();
});

test('waitForHsDescUploaded subscribes, triggers, ignores other services and FAILED, resolves on UPLOADED', async () => {
  const other = 'c'.repeat(56);
  const { control, fake } = connectFake((line, f) => {
    if (line.startsWith('ADD_ONION')) {
      f.send(`250-ServiceID=${ID}\r\n250 OK\r\n`);
      f.send(`650 HS_DESC UPLOADED ${other} UNKNOWN $AAAA~relay1\r\n`);
      f.send(`650 HS_DESC FAILED ${ID} UNKNOWN $BBBB~relay2 REASON=UPLOAD_REJECTED\r\n`);
      f.send(`650 HS_DESC UPLOADED ${ID} UNKNOWN $CCCC~relay3\r\n`);
      return undefined;
    }
    return '250 OK\r\n';
  });
  const types: string[] = [];
  const event = await waitForHsDescUploaded(control, ID, {
    trigger: () => control.addOnion({ privateKey: 'ED25519-V3:QUJD', ports: [{ virtualPort: 80 }] }),
    onProgress: (e) => types.push(e.type),
  });
  assert.equal(event.hsDir, '$CCCC~relay3');
  assert.deepEqual(types, ['onion:descriptor-uploaded', 'onion:descriptor-upload-failed', 'onion:descriptor-uploaded']);
  assert.deepEqual(fake.lines, ['SETEVENTS HS_DESC', 'ADD_ONION ED25519-V3:QUJD Port=80', 'SETEVENTS']);
  await control.close();
});

test('HsDescWatcher remembers uploads seen before uploaded() is called; abort rejects', async () => {
  const { control, fake } = connectFake(() => '250 OK\r\n');
  const watcher = await HsDescWatcher.start(control);
  fake.send(`650 HS_DESC UPLOADED ${ID} UNKNOWN $DDDD~r\r\n`);
  assert.equal((await watcher.uploaded(ID)).hsDir, '$DDDD~r');
  await keepAlive(() => assert.rejects(watcher.uploaded('d'.repeat(56), { signal: AbortSignal.timeout(30) }), hasCode('VEIL_TIMEOUT')));
  await watcher.close();
  await watcher.close();
  assert.deepEqual(fake.lines, ['SETEVENTS HS_DESC', 'SETEVENTS']);
  await control.close();
});

function event(text: string): ControlReply {
  const d = new ReplyDecoder();
  d.push(Buffer.from(text));
  const r = d.next();
  assert.notEqual(r, NEED_MORE);
  return r as ControlReply;
}

test('typed events keep unknown fields raw; missing fields are protocol errors', () => {
  const stream = parseEvent(event('650 STREAM 12 SUCCEEDED 7 example.com:443 SOURCE_ADDR=127.0.0.1:5000 FUTURE=x\r\n'));
  assert.equal(stream.name, 'STREAM');
  assert.deepEqual([Reflect.get(stream, 'streamId'), Reflect.get(stream, 'status'), Reflect.get(stream, 'circuitId'), Reflect.get(stream, 'target')], ['12', 'SUCCEEDED', '7', 'example.com:443']);
  assert.equal(stream.args.get('FUTURE'), 'x');
  const circ = parseEvent(event('650 CIRC 3 LAUNCHED BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL\r\n'));
  assert.deepEqual(Reflect.get(circ, 'path'), []);
  const unknown = parseEvent(event('650 NEWFUTUREEVENT a b K=V\r\n'));
  assert.deepEqual([unknown.name, unknown.positional, unknown.args.get('K')], ['NEWFUTUREEVENT', ['a', 'b'], 'V']);
  assert.throws(() => parseEvent(event('650 HS_DESC UPLOADED\r\n')), hasCode('VEIL_TOR_CONTROL_PROTOCOL'));
});
