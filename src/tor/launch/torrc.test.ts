import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isVeilError } from '../../core/index.js';
import { buildTorrc, checkLaunchSafety, torrcValue } from './torrc.js';
import { parseControlPortFile, parseSocksListeners } from './launch.js';

/** A documentation address (RFC 5737): only ever used to prove that launch refuses it; no tor starts with it. */
const NOT_LOOPBACK = '192.0.2.1';

const unsafe = (e: unknown): boolean => isVeilError(e, 'VEIL_TOR_LAUNCH_UNSAFE');

const JOIN = [
  'TestingTorNetwork 1',
  'DirAuthority auth1 orport=5000 no-v2 v3ident=0123456789ABCDEF0123456789ABCDEF01234567 127.0.0.1:7000 0123 4567 89AB CDEF 0123 4567 89AB CDEF 0123 4567',
];

test('network mode: disabled, private (loopback DirAuthority + TestingTorNetwork), public only when allowed', () => {
  assert.equal(checkLaunchSafety({ torrcLines: [], disableNetwork: true }), 'disabled');
  assert.equal(checkLaunchSafety({ torrcLines: JOIN }), 'private');
  assert.equal(checkLaunchSafety({ torrcLines: [], allowPublicNetwork: true }), 'public');
  assert.throws(() => checkLaunchSafety({ torrcLines: [] }), unsafe);
  assert.throws(() => checkLaunchSafety({ torrcLines: [JOIN[0]!] }), unsafe);
  assert.throws(() => checkLaunchSafety({ torrcLines: [JOIN[1]!] }), unsafe);
  assert.throws(() => checkLaunchSafety({ torrcLines: ['TestingTorNetwork 1', `DirAuthority a orport=1 v3ident=AB ${NOT_LOOPBACK}:7000 FF`] }), unsafe);
  assert.throws(() => checkLaunchSafety({ torrcLines: [...JOIN, `FallbackDir ${NOT_LOOPBACK}:80 orport=9001 id=AB`] }), unsafe);
  assert.throws(() => checkLaunchSafety({ torrcLines: ['TestingTorNetwork 1', 'DirAuthority a orport=1 v3ident=AB dirauth.example.org:7000 FF'] }), unsafe);
});

test('reserved keys and line breaks in extra lines are refused whatever the mode', () => {
  for (const line of ['ControlPort 9051', 'datadirectory /x', 'SocksPort 0.0.0.0:9050', 'DisableNetwork 0', '%include /etc/tor/torrc', '__OwningControllerProcess 1', 'CookieAuthFile /tmp/c']) {
    assert.throws(() => checkLaunchSafety({ torrcLines: [line], disableNetwork: true }), unsafe, line);
    assert.throws(() => checkLaunchSafety({ torrcLines: [line], allowPublicNetwork: true }), unsafe, line);
  }
  assert.throws(() => checkLaunchSafety({ torrcLines: ['Nickname a\nDisableNetwork 0'], disableNetwork: true }), unsafe);
  assert.equal(checkLaunchSafety({ torrcLines: ['# comment', '', 'Nickname veil'], disableNetwork: true }), 'disabled');
});

test('buildTorrc writes ownership, cookie, control-port file and quoted paths', () => {
  const torrc = buildTorrc({
    torrcLines: ['Nickname veil'],
    disableNetwork: true,
    dataDir: '/tmp/a dir/tor',
    controlPortFile: '/tmp/a dir/tor/control-port',
    cookiePath: '/tmp/a dir/tor/control_auth_cookie',
    noticeLogPath: '/tmp/a dir/tor/notice.log',
    socksPort: 'auto',
    controlPort: 9999,
    ownerPid: 4242,
  });
  const lines = torrc.split('\n');
  for (const expected of [
    'DataDirectory "/tmp/a dir/tor"',
    'ControlPort 127.0.0.1:9999',
    'ControlPortWriteToFile "/tmp/a dir/tor/control-port"',
    'CookieAuthentication 1',
    '__OwningControllerProcess 4242',
    'SocksPort 127.0.0.1:auto ExtendedErrors',
    'DisableNetwork 1',
    'Nickname veil',
  ]) {
    assert.ok(lines.includes(expected), expected);
  }
  assert.equal(torrcValue('a"b\\c'), '"a\\"b\\\\c"');
  assert.throws(() => torrcValue('a\nb'), unsafe);
});

test('control-port file and SOCKS listener parsing', () => {
  assert.deepEqual(parseControlPortFile('PORT=127.0.0.1:39819\n'), { kind: 'tcp', host: '127.0.0.1', port: 39819 });
  assert.deepEqual(parseControlPortFile('UNIX_PORT=/run/x/control\n'), { kind: 'unix', path: '/run/x/control' });
  assert.equal(parseControlPortFile('PORT=127.0.0.1:'), undefined);
  assert.equal(parseControlPortFile(''), undefined);
  assert.deepEqual(parseSocksListeners('"127.0.0.1:9050" "[::1]:9050"'), { kind: 'tcp', host: '127.0.0.1', port: 9050 });
  assert.deepEqual(parseSocksListeners('"unix:/run/tor/socks"'), { kind: 'unix', path: '/run/tor/socks' });
  assert.equal(parseSocksListeners(''), undefined);
  assert.throws(() => parseSocksListeners('"evil host:1"'), (e: unknown) => isVeilError(e, 'VEIL_TOR_CONTROL_PROTOCOL'));
});
