import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isVeilError, type VeilError } from '../../core/index.js';
import { SAFECOOKIE_CLIENT_KEY, SAFECOOKIE_SERVER_KEY, authenticate, safeCookieHash, type AuthenticateOptions } from './auth.js';
import { connectFake, type FakeTor } from './fake-tor.test-util.js';

const hasCode = (code: string) => (e: unknown): boolean => isVeilError(e) && e.code === code;

interface FakeAuth {
  methods: string;
  cookie: Buffer;
  /** Tor's answer uses a different cookie (an impostor, or a cookie of another tor). */
  isImpostor?: boolean;
  password?: string;
}

/** A fake tor implementing PROTOCOLINFO, AUTHCHALLENGE and AUTHENTICATE (control-spec 3.5, 3.21, 3.24). */
function fakeAuthTor(cfg: FakeAuth): { run: (opts: AuthenticateOptions) => ReturnType<typeof authenticate>; fake: FakeTor } {
  let clientNonce = Buffer.alloc(0);
  const serverNonce = randomBytes(32);
  const { control, fake } = connectFake((line) => {
    if (line === 'PROTOCOLINFO 1') {
      return `250-PROTOCOLINFO 1\r\n250-AUTH METHODS=${cfg.methods} COOKIEFILE="/var/lib/tor/control_auth_cookie"\r\n250-VERSION Tor="0.4.9.11"\r\n250 OK\r\n`;
    }
    const challenge = /^AUTHCHALLENGE SAFECOOKIE ([0-9A-F]{64})$/.exec(line);
    if (challenge) {
      clientNonce = Buffer.from(challenge[1]!, 'hex');
      const cookie = cfg.isImpostor ? randomBytes(32) : cfg.cookie;
      const hash = safeCookieHash(SAFECOOKIE_SERVER_KEY, cookie, clientNonce, serverNonce).toString('hex').toUpperCase();
      return `250 AUTHCHALLENGE SERVERHASH=${hash} SERVERNONCE=${serverNonce.toString('hex').toUpperCase()}\r\n`;
    }
    if (line.startsWith('AUTHENTICATE')) {
      const arg = line.slice('AUTHENTICATE'.length).trim();
      const accepted = [
        safeCookieHash(SAFECOOKIE_CLIENT_KEY, cfg.cookie, clientNonce, serverNonce).toString('hex').toUpperCase(),
        cfg.cookie.toString('hex').toUpperCase(),
        cfg.password === undefined ? undefined : JSON.stringify(cfg.password),
        cfg.methods === 'NULL' ? '' : undefined,
      ];
      return accepted.includes(arg) ? '250 OK\r\n' : '515 Authentication failed: Safe cookie response did not match expected value.\r\n';
    }
    return '510 Unrecognized command\r\n';
  });
  return { run: (opts) => authenticate(control, opts), fake };
}

test('SAFECOOKIE is preferred and the cookie itself never crosses the connection', async () => {
  const cookie = randomBytes(32);
  const { run, fake } = fakeAuthTor({ methods: 'COOKIE,SAFECOOKIE,HASHEDPASSWORD', cookie });
  let readPath = '';
  const result = await run({ readFile: async (p) => ((readPath = p), cookie) });
  assert.equal(result.method, 'SAFECOOKIE');
  assert.equal(result.protocolInfo.torVersion, '0.4.9.11');
  assert.equal(readPath, '/var/lib/tor/control_auth_cookie');
  assert.ok(!fake.lines.some((l) => l.includes(cookie.toString('hex').toUpperCase())));
  assert.match(fake.lines[1]!, /^AUTHCHALLENGE SAFECOOKIE [0-9A-F]{64}$/);
});

test('a server hash that does not match our cookie is VEIL_TOR_AUTH_COOKIE and AUTHENTICATE is never sent', async () => {
  const { run, fake } = fakeAuthTor({ methods: 'SAFECOOKIE', cookie: randomBytes(32), isImpostor: true });
  await assert.rejects(run({ readFile: async () => randomBytes(32) }), hasCode('VEIL_TOR_AUTH_COOKIE'));
  assert.ok(!fake.lines.some((l) => l.startsWith('AUTHENTICATE')));
});

test('tor rejecting a COOKIE is VEIL_TOR_AUTH_COOKIE', async () => {
  const { run } = fakeAuthTor({ methods: 'COOKIE', cookie: randomBytes(32) });
  await assert.rejects(run({ readFile: async () => randomBytes(32) }), hasCode('VEIL_TOR_AUTH_COOKIE'));
});

test('an unreadable cookie is VEIL_TOR_AUTH_COOKIE_UNREADABLE with the debian-tor hint', async () => {
  const { run } = fakeAuthTor({ methods: 'SAFECOOKIE', cookie: randomBytes(32) });
  const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  await assert.rejects(
    run({
      readFile: async () => {
        throw denied;
      },
    }),
    (e: unknown) => hasCode('VEIL_TOR_AUTH_COOKIE_UNREADABLE')(e) && /debian-tor/.test((e as VeilError).hint) && /permission denied/.test((e as VeilError).message),
  );
  const short = fakeAuthTor({ methods: 'COOKIE', cookie: randomBytes(32) });
  await assert.rejects(short.run({ readFile: async () => Buffer.alloc(31) }), hasCode('VEIL_TOR_AUTH_COOKIE_UNREADABLE'));
});

test('HASHEDPASSWORD: quoted password accepted; missing or wrong password is VEIL_TOR_AUTH_PASSWORD', async () => {
  const ok = fakeAuthTor({ methods: 'HASHEDPASSWORD', cookie: randomBytes(32), password: 'p "w" d' });
  assert.equal((await ok.run({ password: 'p "w" d' })).method, 'HASHEDPASSWORD');
  const none = fakeAuthTor({ methods: 'HASHEDPASSWORD', cookie: randomBytes(32), password: 'x' });
  await assert.rejects(none.run({}), hasCode('VEIL_TOR_AUTH_PASSWORD'));
  const wrong = fakeAuthTor({ methods: 'HASHEDPASSWORD', cookie: randomBytes(32), password: 'x' });
  await assert.rejects(wrong.run({ password: 'y' }), hasCode('VEIL_TOR_AUTH_PASSWORD'));
  const injected = fakeAuthTor({ methods: 'HASHEDPASSWORD', cookie: randomBytes(32), password: 'x' });
  await assert.rejects(injected.run({ password: 'x\r\nSIGNAL HALT' }), hasCode('VEIL_TOR_CONTROL_ARGUMENT'));
  assert.ok(!injected.fake.lines.some((l) => l.includes('SIGNAL')));
});

test('NULL auth, and no usable method is VEIL_TOR_AUTH_UNSUPPORTED', async () => {
  assert.equal((await fakeAuthTor({ methods: 'NULL', cookie: randomBytes(32) }).run({})).method, 'NULL');
  await assert.rejects(fakeAuthTor({ methods: 'FUTUREMETHOD', cookie: randomBytes(32) }).run({}), hasCode('VEIL_TOR_AUTH_UNSUPPORTED'));
  await assert.rejects(fakeAuthTor({ methods: 'COOKIE', cookie: randomBytes(32) }).run({ methods: ['SAFECOOKIE'] }), hasCode('VEIL_TOR_AUTH_UNSUPPORTED'));
});
