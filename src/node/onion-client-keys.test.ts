import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVeilError } from '../core/index.js';
import type { TorControl } from '../tor/index.js';
import { applySavedClientKeys, saveClientKey, CLIENT_KEYS_DIR } from './onion-client-keys.js';
import { formatAuthPrivateLine, generateClientAuthKeyPair, generateOnionServiceKey } from './onion-keys.js';

test('client keys are kept (0600, one file per onion service) and given to tor again on every connect', async () => {
  const nodeDir = mkdtempSync(join(tmpdir(), 'veil-client-keys-'));
  try {
    const service = generateOnionServiceKey();
    const pair = generateClientAuthKeyPair();
    const line = formatAuthPrivateLine(service.serviceId, pair.privateKey);
    assert.equal(await saveClientKey(nodeDir, line), service.serviceId);
    const file = join(nodeDir, CLIENT_KEYS_DIR, `${service.serviceId}.auth_private`);
    assert.equal(readFileSync(file, 'utf8'), `${line}\n`);
    assert.equal(statSync(file).mode & 0o777, 0o600);

    await assert.rejects(saveClientKey(nodeDir, 'not a key line'), (e: unknown) => isVeilError(e));
    assert.deepEqual(readdirSync(join(nodeDir, CLIENT_KEYS_DIR)), [`${service.serviceId}.auth_private`]);

    const sent: string[][] = [];
    const control = { send: async (keyword: string, args: string[]) => void sent.push([keyword, ...args]) } as unknown as TorControl;
    assert.equal(await applySavedClientKeys(control, nodeDir), 1);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]![0], 'ONION_CLIENT_AUTH_ADD');
    assert.equal(sent[0]![1], service.serviceId);
    assert.match(sent[0]![2]!, /^x25519:/);
    assert.equal(await applySavedClientKeys(control, join(nodeDir, 'nowhere')), 0, 'no saved keys: nothing sent');
  } finally {
    rmSync(nodeDir, { recursive: true, force: true });
  }
});
