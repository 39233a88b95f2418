import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { isVeilError, type VeilError } from '../../core/index.js';
import { connectFake, okScript } from './fake-tor.test-util.js';
import type { StatusEvent } from './events.js';

const hasCode = (code: string) => (e: unknown): boolean => isVeilError(e) && e.code === code;

test('one command in flight: the second is written only after the first reply (FIFO)', async () => {
  let replyFirst: () => void = () => undefined;
  const { control, fake } = connectFake((line, f) => {
    if (line === 'GETINFO version') {
      replyFirst = () => f.send('250-version=0.4.9.11\r\n250 OK\r\n');
      return undefined;
    }
    return '250-net/listeners/socks="127.0.0.1:9050"\r\n250 OK\r\n';
  });
  const first = control.getInfo(['version']);
  const second = control.getInfo(['net/listeners/socks']);
  await fake.received(1);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(fake.lines, ['GETINFO version'], 'second command must wait');
  replyFirst();
  assert.equal((await first).get('version'), '0.4.9.11');
  assert.equal((await second).get('net/listeners/socks'), '"127.0.0.1:9050"');
  assert.deepEqual(fake.lines, ['GETINFO version', 'GETINFO net/listeners/socks']);
  await control.close();
});

test('650 events go to listeners, also between lines of a reply; a throwing listener does not stop others', async () => {
  const { control } = connectFake(
    okScript({
      'GETINFO version':
        '250-version=1\r\n650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=42 TAG=x SUMMARY="a b"\r\n650 CIRC 7 BUILT $AA~a,$BB~b PURPOSE=GENERAL\r\n250 OK\r\n',
    }),
  );
  const seen: StatusEvent[] = [];
  const circuits: string[] = [];
  control.on('STATUS_CLIENT', () => {
    throw new Error('listener bug');
  });
  control.on('STATUS_CLIENT', (e) => seen.push(e));
  control.on('CIRC', (e) => circuits.push(`${e.circuitId} ${e.status} ${e.path.join('|')} ${e.purpose}`));
  const info = await control.getInfo(['version']);
  assert.equal(info.get('version'), '1');
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.action, 'BOOTSTRAP');
  assert.equal(seen[0]!.args.get('SUMMARY'), 'a b');
  assert.deepEqual(circuits, ['7 BUILT $AA~a|$BB~b GENERAL']);
  await control.close();
});

test('disconnect rejects every pending command with VEIL_TOR_CONTROL_CLOSED naming the command', async () => {
  const { control, fake } = connectFake((line, f) => {
    if (line.startsWith('GETINFO')) {
      f.send('250-version=partial\r\n');
      f.socket.destroy();
    }
  });
  const a = control.getInfo(['version']);
  const b = control.signal('NEWNYM');
  const [ra, rb] = await Promise.allSettled([a, b]);
  assert.equal(ra.status, 'rejected');
  assert.equal(rb.status, 'rejected');
  const ea = (ra as PromiseRejectedResult).reason as VeilError;
  const eb = (rb as PromiseRejectedResult).reason as VeilError;
  assert.equal(ea.code, 'VEIL_TOR_CONTROL_CLOSED');
  assert.equal(ea.details['command'], 'GETINFO');
  assert.match(ea.message, /GETINFO.*middle of a reply/);
  assert.equal(eb.code, 'VEIL_TOR_CONTROL_CLOSED');
  assert.equal(eb.details['command'], 'SIGNAL');
  assert.equal(control.isClosed, true);
  await control.closed;
  await assert.rejects(control.getInfo(['version']), hasCode('VEIL_TOR_CONTROL_CLOSED'));
  assert.equal(fake.lines.length, 1);
});

test('hostile replies: an over-long line or a reply to no command closes with VEIL_TOR_CONTROL_PROTOCOL', async () => {
  const long = connectFake(() => `250 ${'x'.repeat(70 * 1024)}\r\n`);
  await assert.rejects(long.control.getInfo(['version']), hasCode('VEIL_TOR_CONTROL_PROTOCOL'));
  await long.control.closed;
  assert.equal(long.control.isClosed, true);

  const garbage = connectFake(() => 'HTTP/1.0 400 Bad Request\r\n');
  await assert.rejects(garbage.control.getInfo(['version']), hasCode('VEIL_TOR_CONTROL_PROTOCOL'));

  const unsolicited = connectFake(() => undefined);
  const pendingClose = unsolicited.control.closed;
  unsolicited.fake.send('250 OK\r\n');
  await pendingClose;
  await assert.rejects(unsolicited.control.getInfo(['version']), hasCode('VEIL_TOR_CONTROL_PROTOCOL'));
});

test('error status rejects with VEIL_TOR_CONTROL_REJECTED carrying the status', async () => {
  const { control } = connectFake(okScript({ GETINFO: '552 Unrecognized key "nope"\r\n' }));
  await assert.rejects(control.getInfo(['nope']), (e: unknown) => hasCode('VEIL_TOR_CONTROL_REJECTED')(e) && (e as VeilError).details['status'] === 552);
  // The connection stays usable after a rejected command.
  await control.signal('NEWNYM');
  await control.close();
});

test('close() is idempotent, resolves when the socket is closed, and later sends reject', async () => {
  const { control, fake } = connectFake(okScript());
  await control.takeOwnership();
  const [p1, p2] = [control.close(), control.close()];
  await Promise.all([p1, p2]);
  assert.equal(fake.socket.readableEnded || fake.socket.destroyed, true);
  await assert.rejects(control.signal('NEWNYM'), hasCode('VEIL_TOR_CONTROL_CLOSED'));
  await control.close();
});

test('abort: a queued command is never written; an in-flight one is abandoned and FIFO stays aligned', async () => {
  let release: () => void = () => undefined;
  const { control, fake } = connectFake((line, f) => {
    if (line === 'GETINFO a') {
      release = () => f.send('250-a=1\r\n250 OK\r\n');
      return undefined;
    }
    return `250-${line.slice(8)}=2\r\n250 OK\r\n`;
  });
  const inflight = new AbortController();
  const queued = new AbortController();
  const a = control.getInfo(['a'], { signal: inflight.signal });
  const b = control.getInfo(['b'], { signal: queued.signal });
  await fake.received(1);
  queued.abort();
  await assert.rejects(b, hasCode('VEIL_ABORTED'));
  inflight.abort();
  await assert.rejects(a, hasCode('VEIL_ABORTED'));
  const c = control.getInfo(['c']);
  release();
  assert.equal((await c).get('c'), '2', 'the reply to the abandoned command must not be given to the next one');
  assert.deepEqual(fake.lines, ['GETINFO a', 'GETINFO c']);
  assert.equal(getEventListeners(inflight.signal, 'abort').length, 0);
  assert.equal(getEventListeners(queued.signal, 'abort').length, 0);
  const timeout = AbortSignal.timeout(1000);
  await control.getInfo(['d'], { signal: timeout });
  assert.equal(getEventListeners(timeout, 'abort').length, 0);
  await control.close();
});

test('subscriptions keep SETEVENTS the union of all needs', async () => {
  const { control, fake } = connectFake(okScript());
  await control.setEvents(['CIRC']);
  const s1 = await control.subscribe('STATUS_CLIENT', () => undefined);
  const s2 = await control.subscribe('HS_DESC', () => undefined);
  await s1.close();
  await s1.close();
  await s2.close();
  assert.deepEqual(fake.lines, ['SETEVENTS CIRC', 'SETEVENTS CIRC STATUS_CLIENT', 'SETEVENTS CIRC HS_DESC STATUS_CLIENT', 'SETEVENTS CIRC HS_DESC', 'SETEVENTS CIRC']);
  await assert.rejects(control.setEvents(['BAD NAME']), hasCode('VEIL_TOR_CONTROL_ARGUMENT'));
  await control.close();
});

test('ADD_ONION / DEL_ONION wire format and reply parsing', async () => {
  const id = 'a'.repeat(56);
  const { control, fake } = connectFake(okScript({ ADD_ONION: `250-ServiceID=${id}\r\n250-PrivateKey=ED25519-V3:c2VjcmV0\r\n250 OK\r\n` }));
  const created = await control.addOnion({ ports: [{ virtualPort: 80, target: '127.0.0.1:8080' }], detach: true });
  assert.deepEqual(created, { serviceId: id, privateKey: 'ED25519-V3:c2VjcmV0' });
  await control.delOnion(id);
  await assert.rejects(control.delOnion(`${id}.onion`), hasCode('VEIL_TOR_CONTROL_ARGUMENT'));
  assert.deepEqual(fake.lines, ['ADD_ONION NEW:ED25519-V3 Flags=Detach Port=80,127.0.0.1:8080', `DEL_ONION ${id}`]);
  await control.close();
});
