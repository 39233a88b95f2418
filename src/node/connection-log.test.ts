import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import { ConnectionLog } from './connection-log.js';

test('connection log: inbound streams counted while open, outbound dials with their outcome, most recent first, bounded', async () => {
  const log = new ConnectionLog();
  const a = new PassThrough();
  const b = new PassThrough();
  log.inbound('i2p:peer.b32.i2p', 'i2p', a);
  log.inbound('i2p:peer.b32.i2p', 'i2p', b);
  log.outbound('tor:x.onion:3457', 'tor', 'connected');
  let list = log.list();
  assert.deepEqual(list.map((c) => [c.direction, c.peer, c.transport]), [['outbound', 'tor:x.onion:3457', 'tor'], ['inbound', 'i2p:peer.b32.i2p', 'i2p']]);
  assert.match(list[0]!.status, /^Connected to tor:x\.onion:3457 via tor \(\d+ s ago\)$/);
  assert.match(list[1]!.status, /^Connected from i2p:peer\.b32\.i2p via i2p \(2 open, 2 connections in all\)$/);

  a.destroy();
  b.destroy();
  await once(b, 'close');
  log.outbound('tor:x.onion:3457', 'tor', 'failed: timed out');
  list = log.list();
  assert.match(list[1]!.status, /^Was connected from i2p:peer\.b32\.i2p via i2p \(2 connections in all, last \d+ s ago\)$/);
  assert.match(list[0]!.status, /^Could not connect to tor:x\.onion:3457 via tor: timed out/);

  for (let i = 0; i < 100; i++) log.outbound(`i2p:p${i}.b32.i2p`, 'i2p', 'connected');
  list = log.list();
  assert.equal(list.length, 64, 'at most 64 peers are kept');
  assert.equal(list[0]!.peer, 'i2p:p99.b32.i2p');
});
