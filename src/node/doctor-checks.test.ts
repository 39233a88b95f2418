import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VeilError } from '../core/index.js';
import { parseNodeConfig } from '../config/index.js';
import { bootstrapCheck, circuitCheck, configCheck, controlErrorCheck, hasFailure, isTorVersionSupported, parseTorVersion, torBinaryCheck, webPortCheck } from './doctor-checks.js';

const config = (text: string) => parseNodeConfig(text, { nodeDir: '/n' });

test('configCheck: valid, IP leak (each key with its safe value), invalid', () => {
  assert.equal(configCheck(config('[node]\nreveal-IP-address = true\ntub.port = disabled\ntub.location = disabled\n')).status, 'ok');
  let leak: unknown;
  try {
    config('[node]\nreveal-IP-address = false\ntub.port = tcp:4000\ntub.location = tcp:example.net:4000\n');
  } catch (err) {
    leak = err;
  }
  const c = configCheck(leak as VeilError);
  assert.equal(c.status, 'failure');
  assert.match(c.message, /\[connections\] tcp = tcp -> set it to: tor/);
  assert.match(c.message, /\[node\] tub\.port/);
  assert.match(c.fix ?? '', /set \[connections\] tcp = tor/);
  let invalid: unknown;
  try {
    config('[node]\nbogus = 1\n');
  } catch (err) {
    invalid = err;
  }
  const i = configCheck(invalid as VeilError);
  assert.equal(i.status, 'failure');
  assert.match(i.message, /bogus/);
});

test('webPortCheck: loopback ok; all interfaces is a failure when hiding the IP', () => {
  const base = 'tub.port = disabled\ntub.location = disabled\n';
  assert.equal(webPortCheck(config(`[node]\n${base}web.port = tcp:8080:interface=127.0.0.1\n`)).status, 'ok');
  assert.equal(webPortCheck(config(`[node]\n${base}web.port = disabled\n`)).status, 'ok');
  const open = webPortCheck(config(`[node]\n${base}web.port = tcp:8080\n`));
  assert.equal(open.status, 'warning');
  assert.equal(open.fix, 'set [node] web.port = tcp:8080:interface=127.0.0.1');
});

test('tor version parsing and the tor-binary check', () => {
  assert.equal(parseTorVersion('Tor version 0.4.9.11.\nThis build ...'), '0.4.9.11');
  assert.equal(parseTorVersion('Tor version 0.4.8.1-alpha (git-abc).'), '0.4.8.1-alpha');
  assert.equal(parseTorVersion('nope'), undefined);
  assert.ok(isTorVersionSupported('0.4.8.0') && isTorVersionSupported('0.5.0.1') && !isTorVersionSupported('0.4.7.16'));
  assert.equal(torBinaryCheck('tor', 'Tor version 0.4.9.11.', true).status, 'ok');
  assert.equal(torBinaryCheck('tor', 'Tor version 0.4.5.1.', true).status, 'warning');
  const missing = Object.assign(new Error('spawn tor ENOENT'), { code: 'ENOENT' });
  assert.equal(torBinaryCheck('tor', missing, true).status, 'failure');
  assert.equal(torBinaryCheck('tor', missing, false).status, 'warning');
  assert.match(torBinaryCheck('tor', missing, true).fix ?? '', /apt install tor/);
});

test('controlErrorCheck names the cause and its fix', () => {
  const c = (code: ConstructorParameters<typeof VeilError>[0]) => controlErrorCheck('tcp:127.0.0.1:9051', new VeilError(code, 'x'));
  assert.match(c('VEIL_LOCAL_DAEMON_UNREACHABLE').fix ?? '', /start tor/);
  assert.match(c('VEIL_TOR_AUTH_COOKIE_UNREADABLE').fix ?? '', /debian-tor/);
  assert.match(c('VEIL_TOR_AUTH_COOKIE').fix ?? '', /cookie file does not belong/);
  assert.match(c('VEIL_TOR_AUTH_UNSUPPORTED').fix ?? '', /CookieAuthentication 1/);
  for (const code of ['VEIL_LOCAL_DAEMON_UNREACHABLE', 'VEIL_TOR_AUTH_COOKIE', 'VEIL_TOR_CONTROL_CLOSED'] as const) assert.equal(c(code).status, 'failure');
});

test('bootstrap and circuits; hasFailure', () => {
  assert.equal(bootstrapCheck(100, 'Done', undefined).status, 'ok');
  assert.equal(bootstrapCheck(45, 'Loading', undefined).status, 'warning');
  assert.equal(bootstrapCheck(10, 'Connecting', 'Connection refused').status, 'failure');
  assert.equal(circuitCheck('1').status, 'ok');
  assert.equal(circuitCheck('0').status, 'failure');
  assert.equal(hasFailure([circuitCheck('1'), bootstrapCheck(45, undefined, undefined)]), false);
  assert.equal(hasFailure([circuitCheck('0')]), true);
  assert.equal(circuitCheck('1').fix, undefined, 'an ok check has no fix');
});
