/** Tahoe cases I1–I6 (TAHOE-BEHAVIOURS.md, "[i2p]"), at the configuration level. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NODE_DIR, cfg, parseOk, problemAt, problemsOf } from './test-kit.js';

describe('[i2p] (I1-I6)', () => {
  it('I1: sam.port together with launch = true is rejected', () => {
    const p = problemAt(problemsOf(cfg('[i2p]', 'sam.port = tcp:127.0.0.1:7656', 'launch = true')), 'i2p', 'launch');
    assert.match(p.message, /must not set both sam\.port and launch/);
    assert.equal(p.line, 3);
  });

  it('I2: dest = true without sam.port, launch or i2p.configdir is rejected', () => {
    const p = problemAt(problemsOf(cfg('[i2p]', 'dest = true', 'dest.port = 3457', 'dest.private_key_file = private/i2p_dest.privkey')), 'i2p', 'dest');
    assert.match(p.message, /none of sam\.port, launch = true or i2p\.configdir/);
  });

  it('I3: dest = true with sam.port but no dest.port, then no dest.private_key_file, lists both in order', () => {
    const problems = problemsOf(cfg('[i2p]', 'sam.port = tcp:127.0.0.1:7656', 'dest = true'));
    assert.deepEqual(problems.map((p) => p.key), ['dest.port', 'dest.private_key_file']);
    assert.match(problems[0]?.message ?? '', /dest\.port is missing/);
  });

  it('I4: dest = true with launch = true is accepted (Veil implements I2P launch; Tahoe did not)', () => {
    const c = parseOk(cfg('[i2p]', 'launch = true', 'dest = true', 'dest.port = 3457', 'dest.private_key_file = private/i2p_dest.privkey'));
    assert.equal(c.i2p.launch, true);
    assert.equal(c.i2p.configDir, `${NODE_DIR}/private/i2p`);
    assert.equal(c.i2p.samEndpoint, undefined, 'known once the router is launched');
    assert.deepEqual(c.i2p.dest, { port: 3457, privateKeyFile: `${NODE_DIR}/private/i2p_dest.privkey` });
  });

  it('I5: dest.private_key_file=K, dest.port=3457 and a SAM endpoint give the destination listener settings', () => {
    const c = parseOk(cfg('[i2p]', 'sam.port = tcp:127.0.0.1:7656', 'dest = true', 'dest.port = 3457', 'dest.private_key_file = K'));
    assert.deepEqual(c.i2p.dest, { port: 3457, privateKeyFile: `${NODE_DIR}/K` });
    assert.deepEqual(c.i2p.samEndpoint, { kind: 'tcp', host: '127.0.0.1', port: 7656 });
  });

  it('I5 (Veil): Tahoe passes sam.port verbatim ("good:port"); Veil parses it and rejects a non-endpoint', () => {
    const p = problemAt(problemsOf(cfg('[i2p]', 'sam.port = good:port')), 'i2p', 'sam.port');
    assert.match(p.message, /unknown endpoint type "good"/);
  });

  it('I6: defaults use the SAM bridge at tcp:127.0.0.1:7656', () => {
    const c = parseOk('');
    assert.deepEqual(c.i2p.samEndpoint, { kind: 'tcp', host: '127.0.0.1', port: 7656 });
    assert.equal(c.i2p.samPort, undefined);
    assert.equal(c.i2p.dest, undefined);
  });
});
