import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVeilError } from '../core/index.js';
import { generateClientAuthKeyPair, generateOnionServiceKey } from './onion-keys.js';
import { desiredKeys, nextWithdrawal } from './onion-publisher.js';
import {
  addOnionClient,
  addOnionService,
  listOnionClients,
  listOnionServices,
  removeOnionClient,
  removeOnionService,
  rotateOnionService,
} from './onion-manager.js';
import { pruneRetired, readSavedService, readSavedServices, registryDir, validateSavedService, type SavedOnionService } from './onion-registry.js';

async function withNodeDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'veil-onion-reg-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

test('onion add saves key and metadata (0700/0600) without a running node; list shows it unpublished', async () => {
  await withNodeDir(async (dir) => {
    const added = await addOnionService(dir, { name: 'ssh', target: '127.0.0.1:22' });
    assert.equal(added.publication.kind, 'node-not-running');
    assert.match(added.address, /^[a-z2-7]{56}\.onion$/);
    assert.equal(added.service.virtualPort, 22);
    assert.equal(added.clientAuthLine, undefined);
    const sdir = join(registryDir(dir), 'ssh');
    assert.equal(await mode(registryDir(dir)), 0o700);
    assert.equal(await mode(sdir), 0o700);
    assert.deepEqual((await readdir(sdir)).sort(), [`${added.service.current.serviceId}.key`, 'service.json'].sort());
    for (const f of await readdir(sdir)) assert.equal(await mode(join(sdir, f)), 0o600, f);
    assert.deepEqual(await readSavedService(dir, 'ssh'), added.service);
    await assert.rejects(addOnionService(dir, { name: 'ssh', target: '22' }), (e: unknown) => isVeilError(e, 'VEIL_ONION_SERVICE_EXISTS'));
    await assert.rejects(addOnionService(dir, { name: 'lan', target: '192.168.0.2:22' }), (e: unknown) => isVeilError(e, 'VEIL_ONION_TARGET_NOT_LOCAL'));
    await assert.rejects(addOnionService(dir, { name: 'sock', target: 'unix:/run/x.sock' }), (e: unknown) => isVeilError(e, 'VEIL_ONION_TARGET_INVALID'));
    const list = await listOnionServices(dir);
    assert.equal(list.length, 1);
    assert.equal(list[0]?.published, 'not published');
    assert.equal(list[0]?.note, 'the node is not running');
  });
});

test('rotate keeps the old key (retiring, until its grace ends) and a later write deletes it', async () => {
  await withNodeDir(async (dir) => {
    const added = await addOnionService(dir, { name: 'web', target: '127.0.0.1:8080', virtualPort: 80 });
    const oldId = added.service.current.serviceId;
    const r = await rotateOnionService(dir, 'web', 60_000);
    assert.equal(r.oldAddress, `${oldId}.onion`);
    assert.notEqual(r.newAddress, r.oldAddress);
    const s = await readSavedService(dir, 'web');
    assert.equal(s.retiring.length, 1);
    assert.equal(s.retiring[0]?.serviceId, oldId);
    assert.ok(Date.parse(s.retiring[0]!.withdrawAt) - Date.now() > 50_000);
    const files = await readdir(join(registryDir(dir), 'web'));
    assert.ok(files.includes(`${oldId}.key`) && files.includes(`${s.current.serviceId}.key`));
    // A rotation with no grace: the previous current key retires now; the first one is still in its grace.
    await rotateOnionService(dir, 'web', 0);
    const s2 = await readSavedService(dir, 'web');
    assert.equal(s2.retiring.length, 2);
    assert.equal(pruneRetired(s2, new Date()).retiring.length, 1);
    await assert.rejects(rotateOnionService(dir, 'nope', 0), (e: unknown) => isVeilError(e, 'VEIL_ONION_SERVICE_UNKNOWN'));
    await assert.rejects(rotateOnionService(dir, 'web', -1), (e: unknown) => isVeilError(e, 'VEIL_INPUT_INVALID'));
  });
});

test('client auth: add, list, remove; the last removal withdraws instead of going public', async () => {
  await withNodeDir(async (dir) => {
    const added = await addOnionService(dir, { name: 'priv', target: '22', clientAuth: true, clientName: 'alice' });
    assert.match(added.clientAuthLine ?? '', new RegExp(`^${added.service.current.serviceId}:descriptor:x25519:[A-Z2-7]{52}$`));
    const bob = await addOnionClient(dir, 'priv', 'bob');
    assert.match(bob.authLine, /:descriptor:x25519:/);
    await assert.rejects(addOnionClient(dir, 'priv', 'bob'), (e: unknown) => isVeilError(e, 'VEIL_ONION_CLIENT_EXISTS'));
    assert.deepEqual((await listOnionClients(dir, 'priv')).clients.map((c) => c.name), ['alice', 'bob']);
    let s = await readSavedService(dir, 'priv');
    assert.equal(desiredKeys([s], Date.now()).length, 1);
    assert.match(desiredKeys([s], Date.now())[0]!.fingerprint, / [A-Z2-7]{52},[A-Z2-7]{52}$/);
    await removeOnionClient(dir, 'priv', 'alice');
    const last = await removeOnionClient(dir, 'priv', 'bob');
    assert.equal(last.remaining, 0);
    await assert.rejects(removeOnionClient(dir, 'priv', 'bob'), (e: unknown) => isVeilError(e, 'VEIL_ONION_CLIENT_UNKNOWN'));
    s = await readSavedService(dir, 'priv');
    assert.equal(s.clientAuth, true);
    assert.deepEqual(desiredKeys([s], Date.now()), [], 'nothing is published: never a public service');
  });
});

test('a corrupt service is reported by name and the others stay usable; remove deletes the directory', async () => {
  await withNodeDir(async (dir) => {
    await addOnionService(dir, { name: 'good', target: '22' });
    await addOnionService(dir, { name: 'bad', target: '23' });
    await writeFile(join(registryDir(dir), 'bad', 'service.json'), '{"version":1,"name":"bad"');
    const { services, problems } = await readSavedServices(dir);
    assert.deepEqual(services.map((s) => s.name), ['good']);
    assert.ok(isVeilError(problems.get('bad'), 'VEIL_ONION_STATE_CORRUPT'));
    const list = await listOnionServices(dir);
    assert.equal(list.find((s) => s.name === 'bad')?.address, undefined);
    await removeOnionService(dir, 'good');
    assert.deepEqual((await readdir(registryDir(dir))).sort(), ['.generation', 'bad']);
    await assert.rejects(readSavedService(dir, 'good'), (e: unknown) => isVeilError(e, 'VEIL_ONION_SERVICE_UNKNOWN'));
  });
});

test('validateSavedService refuses hostile content (limits, names, targets, keys)', () => {
  const key = generateOnionServiceKey();
  const at = new Date().toISOString();
  const base: SavedOnionService = {
    version: 1,
    name: 'x',
    target: '127.0.0.1:22',
    virtualPort: 22,
    createdAt: at,
    clientAuth: false,
    current: { serviceId: key.serviceId, keyFile: `${key.serviceId}.key`, createdAt: at },
    retiring: [],
    clients: [],
  };
  assert.deepEqual(validateSavedService(JSON.parse(JSON.stringify(base)), 'f'), base);
  const bad: unknown[] = [
    null,
    [],
    { ...base, version: 2 },
    { ...base, name: '../x' },
    { ...base, target: '10.0.0.1:22' },
    { ...base, virtualPort: 0 },
    { ...base, current: { ...base.current, keyFile: '../../etc/passwd' } },
    { ...base, clients: [{ name: 'a', publicKey: 'x', addedAt: at }] },
    { ...base, clients: [{ name: 'a', publicKey: generateClientAuthKeyPair().publicKey, addedAt: at }, { name: 'a', publicKey: generateClientAuthKeyPair().publicKey, addedAt: at }] },
    { ...base, retiring: Array.from({ length: 17 }, () => ({ ...base.current, withdrawAt: at })) },
  ];
  for (const b of bad) assert.throws(() => validateSavedService(b, 'f', 'x'), (e: unknown) => isVeilError(e) && ['VEIL_ONION_STATE_CORRUPT', 'VEIL_ONION_NAME_INVALID'].includes(e.code), JSON.stringify(b)?.slice(0, 80));
});

test('desiredKeys and nextWithdrawal follow the grace periods', () => {
  const at = new Date(1000).toISOString();
  const k = (n: number) => {
    const id = generateOnionServiceKey().serviceId;
    return { serviceId: id, keyFile: `${id}.key`, createdAt: at, withdrawAt: new Date(n).toISOString() };
  };
  const s: SavedOnionService = {
    version: 1, name: 's', target: '127.0.0.1:1', virtualPort: 1, createdAt: at, clientAuth: false,
    current: k(0), retiring: [k(5000), k(9000)], clients: [],
  };
  assert.deepEqual(desiredKeys([s], 1000).map((d) => d.role), ['current', 'retiring', 'retiring']);
  assert.deepEqual(desiredKeys([s], 6000).map((d) => d.role), ['current', 'retiring']);
  assert.equal(nextWithdrawal([s], 1000), 5000);
  assert.equal(nextWithdrawal([s], 9000), undefined);
});
