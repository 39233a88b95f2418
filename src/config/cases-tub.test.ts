/** Tahoe cases L1–L7 (TAHOE-BEHAVIOURS.md, "tub.port / tub.location"); L3 is not listed there. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cfg, parseOk, problemAt, problemsOf } from './test-kit.js';

const ONION = ['[tor]', 'control.port = tcp:127.0.0.1:9051', 'onion = true', 'onion.local_port = 3457', 'onion.external_port = 3457', 'onion.private_key_file = private/tor_onion.privkey'];
const DEST = ['[i2p]', 'sam.port = tcp:127.0.0.1:7656', 'dest = true', 'dest.port = 3457', 'dest.private_key_file = private/i2p_dest.privkey'];

describe('tub.port / tub.location (L1-L7)', () => {
  it('L1: an empty tub.port or tub.location is rejected, both reported at once', () => {
    const problems = problemsOf(cfg('[node]', 'tub.port =', 'tub.location ='));
    assert.match(problemAt(problems, 'node', 'tub.port').message, /tub\.port must not be empty/);
    assert.match(problemAt(problems, 'node', 'tub.location').message, /tub\.location must not be empty/);
    assert.deepEqual(problems.map((p) => p.line), [2, 3]);
  });

  it('L2: only tub.port disabled, or only tub.location disabled, is rejected; both disabled means no listener', () => {
    assert.match(problemAt(problemsOf(cfg('[node]', 'tub.port = disabled')), 'node', 'tub.port').message, /tub\.port is disabled, but tub\.location is not/);
    assert.match(
      problemAt(problemsOf(cfg('[node]', 'tub.port = tcp:1234', 'tub.location = disabled')), 'node', 'tub.location').message,
      /tub\.location is disabled, but tub\.port is not/,
    );
    const c = parseOk(cfg('[node]', 'tub.port = disabled', 'tub.location = disabled'));
    assert.equal(c.node.tubPort.kind, 'disabled');
  });

  it('L4: a bare integer tub.port means tcp:PORT; no tub.port means AUTO (reuse client.port or allocate)', () => {
    assert.deepEqual(parseOk(cfg('[node]', 'tub.port = 1234')).node.tubPort, { kind: 'listeners', listeners: [{ kind: 'tcp', port: 1234 }] });
    assert.deepEqual(parseOk('').node.tubPort, { kind: 'auto' });
  });

  it('L5: storage enabled while the tub is not listening is rejected', () => {
    const p = problemAt(problemsOf(cfg('[node]', 'tub.port = disabled', 'tub.location = disabled', '[storage]', 'enabled = true')), 'storage', 'enabled');
    assert.match(p.message, /storage is enabled, but the tub is not listening/);
    assert.equal(p.line, 5);
  });

  it('L6: tub.port = listen:i2p,listen:tor keeps the providers in order', () => {
    const c = parseOk(cfg('[node]', 'tub.port = listen:i2p,listen:tor', 'tub.location = tor:u33m4y7klhz3b.onion:3457', ...ONION, ...DEST));
    assert.deepEqual(c.node.tubPort, { kind: 'listeners', listeners: [{ kind: 'i2p' }, { kind: 'tor' }] });
  });

  it('L6: listen:tor without an onion service and listen:i2p without a destination are rejected', () => {
    const problems = problemsOf(cfg('[node]', 'tub.port = listen:i2p,listen:tor', 'tub.location = tor:u33m4y7klhz3b.onion:3457'));
    const messages = problems.filter((p) => p.key === 'tub.port').map((p) => p.message);
    assert.equal(messages.length, 2);
    assert.ok(messages.some((m) => /listen:tor needs an onion service/.test(m)));
    assert.ok(messages.some((m) => /listen:i2p needs a destination/.test(m)));
  });

  it('L7: an unknown section is rejected naming "invalid section" and the nearest known one', () => {
    const problems = problemsOf(cfg('[node]', 'nickname = x', '[conections]', 'tcp = tor', '[helper]', 'enabled = true'));
    const p = problemAt(problems, 'conections');
    assert.match(p.message, /invalid section/);
    assert.match(p.message, /\[connections\]/);
    assert.equal(p.line, 3);
    assert.match(problemAt(problems, 'helper').message, /invalid section/);
  });
});
