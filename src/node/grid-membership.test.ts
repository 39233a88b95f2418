/**
 * Connection status per grid peer (Tahoe's words, TAHOE-BEHAVIOURS.md S1, S3) and the introducer fURL check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { VeilError, isVeilError } from '../core/index.js';
import { parseNodeConfig } from '../config/index.js';
import type { Router } from '../net/index.js';
import { generateTlsIdentity, newSwissnum, type ServiceAddress } from '../grid/index.js';
import { ConnectionTracker, introducerAddress } from './grid-membership.js';

const onion = `${'a'.repeat(56)}.onion`;

test('ConnectionTracker: unstarted, then "Connected to HINT via tor", then the failure; one isolation token per peer', async () => {
  const peerIds: string[] = [];
  let fail = false;
  const router = {
    async dialFirst(_hints: unknown, options: { peerId: string }) {
      peerIds.push(options.peerId);
      if (fail) throw new VeilError('VEIL_ROUTE_ALL_FAILED', 'could not connect through any of 1 connection hint(s)');
      return { stream: new PassThrough(), transport: 'tor', hint: undefined, attempts: [{ hint: `tor:${onion}:3457`, transport: 'tor', outcome: 'connected' }] };
    },
  } as unknown as Router;
  const tracker = new ConnectionTracker();
  const a: ServiceAddress = { keyHash: generateTlsIdentity().keyHash, hints: [{ kind: 'tor', host: onion, port: 3457 }], swissnum: newSwissnum() };
  const b: ServiceAddress = { ...a, keyHash: generateTlsIdentity().keyHash };
  const openA = tracker.opener(router, a, 'storage server A');
  const openB = tracker.opener(router, b, 'storage server B');
  assert.deepEqual(tracker.list(), [
    { peer: 'storage server A', status: 'unstarted' },
    { peer: 'storage server B', status: 'unstarted' },
  ]);
  (await openA('veil-peer', 0, {})).destroy();
  tracker.label(a.keyHash, 'storage server "one"');
  assert.deepEqual(tracker.list()[0], { peer: 'storage server "one"', status: `Connected to tor:${onion}:3457 via tor` });
  fail = true;
  await assert.rejects(openB('veil-peer', 0, {}), (e) => isVeilError(e, 'VEIL_ROUTE_ALL_FAILED'));
  assert.match(tracker.list()[1]!.status, /^Failed to connect: VEIL_ROUTE_ALL_FAILED: /);
  assert.deepEqual(peerIds, [a.keyHash, b.keyHash], 'each peer is dialed under its own KEYHASH (its own isolation token)');
  tracker.forget(b.keyHash);
  assert.equal(tracker.list().length, 1);
});

test('introducerAddress: none without [client] introducer.furl; a Tahoe fURL that is not a Veil address is refused', () => {
  assert.equal(introducerAddress(parseNodeConfig('', { nodeDir: '/n' })), undefined);
  const keyHash = generateTlsIdentity().keyHash;
  const ok = parseNodeConfig(`[client]\nintroducer.furl = pb://${keyHash}@tor:${onion}:3457/${newSwissnum()}\n`, { nodeDir: '/n' });
  assert.equal(introducerAddress(ok)?.keyHash, keyHash);
  const tahoe = parseNodeConfig('[client]\nintroducer.furl = pb://ok45ssoklj4y7eok5c3xkmj@tor:u33m4y7klhz3b.onion:44801/ii3uumo\n', { nodeDir: '/n' });
  assert.throws(() => introducerAddress(tahoe), (e) => isVeilError(e, 'VEIL_GRID_ADDRESS_INVALID'));
});
