import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeView, newTorView, parseRouterStatuses } from './readiness.js';

// Two router status entries in the form of `GETINFO ns/all` (dir-spec 3.4.1), identities base64 without padding.
const A = Buffer.alloc(20, 0xaa);
const B = Buffer.alloc(20, 0xbb);
const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '');
const NS_ALL = [
  `r auth1 ${b64(A)} ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGk 2026-11-24 05:40:40 127.0.0.1 5001 5002`,
  's Authority Fast Guard HSDir Running Stable V2Dir Valid',
  'w Bandwidth=0 Unmeasured=1',
  `r exit1 ${b64(B)} ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGk 2026-11-24 05:40:40 127.0.0.1 5003 0`,
  's Exit Fast Guard HSDir Running Stable V2Dir Valid',
  'p accept 1-65535',
].join('\n');

describe('parseRouterStatuses', () => {
  it('maps upper-case hex fingerprints to their flags', () => {
    const flags = parseRouterStatuses(NS_ALL);
    assert.equal(flags.size, 2);
    assert.ok(flags.get('AA'.repeat(20))?.has('Authority'));
    assert.ok(flags.get('BB'.repeat(20))?.has('Exit'));
    assert.equal(flags.get('AA'.repeat(20))?.has('Exit'), false);
  });

  it('ignores malformed entries instead of guessing', () => {
    const flags = parseRouterStatuses('r short AAAA\ns Running\ns Exit\nr\ngarbage');
    assert.equal(flags.size, 0);
  });
});

describe('describeView', () => {
  it('says what a tor is still missing', () => {
    const target = { name: 'client1', controlPort: 1, cookiePath: '/x', isClient: true, relayFingerprints: ['A', 'B', 'C'], exitFingerprints: ['C'] };
    const view = { ...newTorView(), bootstrapProgress: 75, bootstrapTag: 'enough_dirinfo', runningRelays: 2 };
    assert.equal(describeView(target, view), 'client1: bootstrap 75% (enough_dirinfo), 2/3 relays running, 0/1 exits flagged, 0/3 descriptors');
  });
});
