import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isVeilError } from '../core/index.js';
import { startTorTestnet } from './index.js';
import { checkDir, checkSizes } from './plan.js';

describe('testnet options', () => {
  it('defaults to 3 authorities, 2 exit relays and 2 clients', () => {
    assert.deepEqual(checkSizes({}), { authorities: 3, relays: 2, exits: 2, clients: 2 });
    assert.deepEqual(checkSizes({ relays: 1 }), { authorities: 3, relays: 1, exits: 1, clients: 2 });
  });

  it('lists every impossible size at once', () => {
    assert.throws(
      () => checkSizes({ authorities: 0, relays: 2, exits: 3, clients: 1.5 }),
      (err: unknown) =>
        isVeilError(err, 'VEIL_TESTNET_OPTIONS_INVALID') && /authorities/.test(err.message) && /exits/.test(err.message) && /clients/.test(err.message),
    );
  });

  it('needs an absolute directory that can sit on a torrc line', () => {
    assert.equal(checkDir('/tmp/veil-x/./net'), '/tmp/veil-x/net');
    for (const bad of ['relative/dir', '/tmp/with space', '/tmp/new\nline', '/tmp/hash#x']) {
      assert.throws(() => checkDir(bad), (err: unknown) => isVeilError(err, 'VEIL_TESTNET_OPTIONS_INVALID'), bad);
    }
  });

  it('startTorTestnet rejects bad options before starting anything', async () => {
    await assert.rejects(startTorTestnet({ dir: 'relative' }), (err: unknown) => isVeilError(err, 'VEIL_TESTNET_OPTIONS_INVALID'));
    await assert.rejects(startTorTestnet({ dir: '/tmp/veil-never-made', clients: 0 }), (err: unknown) => isVeilError(err, 'VEIL_TESTNET_OPTIONS_INVALID'));
  });

  it('startTorTestnet rejects an aborted signal with VEIL_ABORTED', async () => {
    await assert.rejects(
      startTorTestnet({ dir: '/tmp/veil-never-made', signal: AbortSignal.abort() }),
      (err: unknown) => isVeilError(err, 'VEIL_ABORTED'),
    );
  });
});
