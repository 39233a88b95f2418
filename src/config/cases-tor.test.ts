/** Tahoe cases T1–T10 (TAHOE-BEHAVIOURS.md, "[tor]"), at the configuration level. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isVeilError } from '../core/index.js';
import { parseLocalEndpoint } from './endpoint.js';
import { NODE_DIR, cfg, parseOk, problemAt, problemsOf } from './test-kit.js';

const ONION_KEYS = ['onion.local_port = 3457', 'onion.external_port = 3457', 'onion.private_key_file = private/tor_onion.privkey'];

describe('[tor] (T1-T10)', () => {
  it('T1: enabled = false: no tor handler, tor: hints are ignored', () => {
    const c = parseOk(cfg('[tor]', 'enabled = false'));
    assert.equal(c.tor.enabled, false);
    assert.equal(c.connectionHandlers.tor.handler, 'none');
  });

  it('T2: an empty [tor] section tries SOCKS at 127.0.0.1:9050 then 9150', () => {
    const c = parseOk(cfg('[tor]'));
    assert.deepEqual(c.tor.socksCandidates, [
      { kind: 'tcp', host: '127.0.0.1', port: 9050 },
      { kind: 'tcp', host: '127.0.0.1', port: 9150 },
    ]);
    assert.equal(c.tor.socksPort, undefined);
  });

  it('T3: socks.port = tcp:127.0.0.1:1234 or unix:PATH is the one SOCKS endpoint; relative paths are in NODEDIR', () => {
    assert.deepEqual(parseOk(cfg('[tor]', 'socks.port = tcp:127.0.0.1:1234')).tor.socksCandidates, [{ kind: 'tcp', host: '127.0.0.1', port: 1234 }]);
    assert.deepEqual(parseOk(cfg('[tor]', 'socks.port = unix:/var/run/tor/socks')).tor.socksPort, { kind: 'unix', path: '/var/run/tor/socks' });
    assert.deepEqual(parseOk(cfg('[tor]', 'socks.port = unix:private/socks')).tor.socksPort, { kind: 'unix', path: `${NODE_DIR}/private/socks` });
  });

  it('T4: socks.port = meow:unsupported names the unknown endpoint type; tcp:localhost:kumquat names the port', () => {
    const problems = problemsOf(cfg('[tor]', 'socks.port = meow:unsupported', 'control.port = tcp:localhost:kumquat'));
    const socks = problemAt(problems, 'tor', 'socks.port');
    assert.match(socks.message, /unknown endpoint type "meow"/);
    assert.equal(socks.line, 2);
    const control = problemAt(problems, 'tor', 'control.port');
    assert.match(control.message, /"kumquat" is not an integer/);
    assert.throws(() => parseLocalEndpoint('meow:unsupported'), (e: unknown) => isVeilError(e, 'VEIL_CONFIG_VALUE'));
  });

  it('T5: control.port = ENDPOINT: connect there and ask tor for its SOCKS port (no default candidates)', () => {
    const c = parseOk(cfg('[tor]', 'control.port = tcp:127.0.0.1:9051'));
    assert.deepEqual(c.tor.controlPort, { kind: 'tcp', host: '127.0.0.1', port: 9051 });
    assert.deepEqual(c.tor.socksCandidates, []);
  });

  it('T6: launch = true: state in private/tor-statedir, control at unix:private/tor.control, tor.executable picks the binary', () => {
    const c = parseOk(cfg('[tor]', 'launch = true', 'tor.executable = /usr/sbin/tor'));
    assert.equal(c.tor.launch, true);
    assert.equal(c.tor.executable, '/usr/sbin/tor');
    assert.equal(c.tor.launchDataDir, `${NODE_DIR}/private/tor-statedir`);
    assert.deepEqual(c.tor.launchControlEndpoint, { kind: 'unix', path: `${NODE_DIR}/private/tor.control` });
    assert.deepEqual(c.tor.socksCandidates, []);
  });

  it('T6 (Veil): launch with control.port or socks.port, or tor.executable without launch, is rejected, not ignored', () => {
    const problems = problemsOf(cfg('[tor]', 'launch = true', 'control.port = tcp:127.0.0.1:9051', 'socks.port = tcp:127.0.0.1:9050'));
    problemAt(problems, 'tor', 'control.port');
    problemAt(problems, 'tor', 'socks.port');
    problemAt(problemsOf(cfg('[tor]', 'tor.executable = /usr/sbin/tor')), 'tor', 'tor.executable');
  });

  it('T7: onion = true with neither launch nor control.port is rejected', () => {
    const p = problemAt(problemsOf(cfg('[tor]', 'onion = true', ...ONION_KEYS)), 'tor', 'onion');
    assert.match(p.message, /neither launch = true nor control\.port/);
  });

  it('T8: onion = true with onion.* keys missing lists each missing key, in Tahoe order', () => {
    const problems = problemsOf(cfg('[tor]', 'launch = true', 'onion = true'));
    assert.deepEqual(
      problems.map((p) => p.key),
      ['onion.local_port', 'onion.external_port', 'onion.private_key_file'],
    );
    assert.match(problems[0]?.message ?? '', /onion\.local_port is missing/);
    const one = problemsOf(cfg('[tor]', 'launch = true', 'onion = true', 'onion.local_port = 1', 'onion.external_port = 2'));
    assert.deepEqual(one.map((p) => p.key), ['onion.private_key_file']);
  });

  it('T9: a complete onion = true gives the ports, the absolute key path, and a loopback listener is accepted when hidden', () => {
    const c = parseOk(
      cfg(
        '[node]',
        'reveal-IP-address = false',
        'tub.port = tcp:3457:interface=127.0.0.1',
        'tub.location = tor:u33m4y7klhz3b.onion:3457',
        '[connections]',
        'tcp = tor',
        '[tor]',
        'control.port = unix:/var/run/tor/control',
        'onion = true',
        ...ONION_KEYS,
        'onion.client_auth_dir = private/onion-auth',
      ),
    );
    assert.deepEqual(c.tor.onion, {
      localPort: 3457,
      externalPort: 3457,
      privateKeyFile: `${NODE_DIR}/private/tor_onion.privkey`,
      clientAuthDir: `${NODE_DIR}/private/onion-auth`,
    });
  });

  it('T9 (Veil): onion.* keys without onion = true are rejected, not ignored', () => {
    const problems = problemsOf(cfg('[tor]', ...ONION_KEYS));
    assert.equal(problems.length, 3);
    assert.ok(problems.every((p) => /only used with onion = true/.test(p.message)));
  });

  it('T10: onion = true with tor unavailable ([tor] enabled = false in Veil) is rejected', () => {
    const p = problemAt(problemsOf(cfg('[tor]', 'enabled = false', 'control.port = tcp:127.0.0.1:9051', 'onion = true', ...ONION_KEYS)), 'tor', 'onion');
    assert.match(p.message, /enabled = false/);
  });
});
