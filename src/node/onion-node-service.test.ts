import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVeilError } from '../core/index.js';
import { loadNodeConfig, writeNodeFormat } from '../config/index.js';
import { generateOnionServiceKey } from './onion-keys.js';
import { nodeServiceAddress, rewriteNodeServiceConfig, rotateNodeOnionService } from './onion-node-service.js';

const OLD = generateOnionServiceKey();
const CFG = `## my node
[node]
# hidden node
reveal-IP-address = false
tub.port = tcp:4000:interface=127.0.0.1
tub.location = tor:${OLD.serviceId}.onion:3457
web.port = tcp:8080:interface=127.0.0.1

[connections]
tcp = tor

[tor]
control.port = tcp:127.0.0.1:9051
onion = true
onion.local_port = 4000
onion.external_port = 3457
; the key
onion.private_key_file = private/tor_onion.privkey
`;

test('rewriteNodeServiceConfig changes only tub.location and onion.private_key_file, keeps comments, validates', () => {
  const key = generateOnionServiceKey();
  const r = rewriteNodeServiceConfig(CFG, '/nodedir', key, 'private/new.privkey');
  assert.equal(r.oldAddress, `${OLD.serviceId}.onion`);
  assert.equal(r.newAddress, `${key.serviceId}.onion`);
  const before = CFG.split('\n');
  const after = r.text.split('\n');
  assert.equal(after.length, before.length);
  const changed = after.map((l, i) => (l === before[i] ? -1 : i)).filter((i) => i >= 0);
  assert.deepEqual(changed.map((i) => after[i]), [`tub.location = tor:${key.serviceId}.onion:3457`, 'onion.private_key_file = private/new.privkey']);
  assert.ok(r.text.includes('# hidden node') && r.text.includes('; the key'));
});

test('rewriteNodeServiceConfig refuses a node without its own onion service', () => {
  const noOnion = CFG.replace('onion = true', 'onion = false').replace(/onion\.[a-z_]+ = .*\n/g, '').replace(/tub\.location = .*/, 'tub.location = disabled').replace(/tub\.port = .*/, 'tub.port = disabled');
  assert.throws(() => rewriteNodeServiceConfig(noOnion, '/nodedir', generateOnionServiceKey(), 'private/k'), (e: unknown) => isVeilError(e) && (e.code === 'VEIL_ONION_NODE_SERVICE_MISSING' || e.code.startsWith('VEIL_CONFIG')));
});

test('rotateNodeOnionService writes a new key (0600), rewrites veil.cfg atomically and keeps the old key', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'veil-onion-node-'));
  try {
    await mkdir(join(dir, 'private'), { mode: 0o700 });
    await writeFile(join(dir, 'private', 'tor_onion.privkey'), `${OLD.privateKey}\n`, { mode: 0o600 });
    await writeFile(join(dir, 'veil.cfg'), CFG, { mode: 0o600 });
    await writeNodeFormat(dir);
    const r = await rotateNodeOnionService(dir);
    assert.equal(r.oldAddress, `${OLD.serviceId}.onion`);
    const config = await loadNodeConfig(dir);
    assert.equal(nodeServiceAddress(config), r.newAddress);
    assert.equal(config.tor.onion?.privateKeyFile, r.keyFile);
    assert.equal((await stat(r.keyFile)).mode & 0o777, 0o600);
    assert.match(await readFile(r.keyFile, 'utf8'), /^ED25519-V3:/);
    assert.equal(await readFile(r.oldKeyFile, 'utf8'), `${OLD.privateKey}\n`);
    assert.ok((await readFile(join(dir, 'veil.cfg'), 'utf8')).includes('## my node'));
    assert.deepEqual((await readdir(dir)).filter((f) => f.includes('.tmp')), [], 'no temp file left');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
