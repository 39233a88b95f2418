/**
 * The safety properties of every torrc the testnet writes (README.md "Why nothing leaves 127.0.0.1"), checked
 * line by line for every role, plus the small pure helpers of torrc.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isVeilError } from '../core/index.js';
import {
  authorityTorrc,
  clientTorrc,
  dirAuthorityLine,
  firstVoteAlignmentDelayMs,
  fingerprintTorrc,
  joinTorrcLines,
  relayTorrc,
  type AuthorityEntry,
} from './torrc.js';

const FP = (c: string): string => c.repeat(40);
const AUTHS: AuthorityEntry[] = [
  { nickname: 'auth1', orPort: 5001, dirPort: 5002, fingerprint: FP('A'), v3Ident: FP('B') },
  { nickname: 'auth2', orPort: 5003, dirPort: 5004, fingerprint: FP('C'), v3Ident: FP('D') },
];
const base = { dataDir: '/tmp/veil-t/tor/x', authorities: AUTHS, emptyFile: '/tmp/veil-t/tor/empty', owningPid: 4242 };

const TORRCS: Record<string, string> = {
  authority: authorityTorrc({ ...base, nickname: 'auth1', orPort: 5001, dirPort: 5002, exitFingerprints: [FP('E')] }),
  exit: relayTorrc({ ...base, nickname: 'exit1', orPort: 5005, isExit: true }),
  relay: relayTorrc({ ...base, nickname: 'relay1', orPort: 5006, isExit: false }),
  client: clientTorrc({ ...base, nickname: 'client1', socksPort: 5007 }),
  fingerprint: fingerprintTorrc('auth1', '/tmp/veil-t/tor/auth1', 5001),
};

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

function values(text: string, key: string): string[] {
  return lines(text)
    .filter((l) => l.split(' ')[0] === key)
    .map((l) => l.slice(key.length + 1));
}

describe('testnet torrcs', () => {
  for (const [role, text] of Object.entries(TORRCS)) {
    describe(role, () => {
      it('sets TestingTorNetwork 1 and names only 127.0.0.1 authorities', () => {
        assert.deepEqual(values(text, 'TestingTorNetwork'), ['1']);
        const dirAuthorities = values(text, 'DirAuthority');
        assert.ok(dirAuthorities.length > 0);
        for (const d of dirAuthorities) assert.match(d, / 127\.0\.0\.1:\d+ [0-9A-F]{40}$/);
        for (const key of ['AlternateDirAuthority', 'FallbackDir', 'Bridge', 'UseBridges']) assert.deepEqual(values(text, key), [], key);
      });

      it('puts every port on 127.0.0.1 (or disables it)', () => {
        for (const key of ['ORPort', 'DirPort', 'SocksPort', 'ControlPort', 'DNSPort', 'TransPort', 'NATDPort', 'HTTPTunnelPort', 'MetricsPort']) {
          // Port flags may follow (clients: ExtendedErrors, for Tor's onion service error codes).
          for (const v of values(text, key)) assert.match(v, /^(0|127\.0\.0\.1:(\d+|auto))( [A-Za-z]+)*$/, `${key} ${v}`);
        }
        if (role !== 'fingerprint') assert.equal(values(text, 'SocksPort').length, 1, 'SocksPort must be explicit (default 9050 would collide)');
      });

      it('never uses the system resolver, a public address or the system torrc', () => {
        for (const v of values(text, 'Address')) assert.equal(v, '127.0.0.1');
        for (const v of values(text, 'OutboundBindAddress')) assert.equal(v, '127.0.0.1');
        if (role !== 'fingerprint') assert.deepEqual(values(text, 'OutboundBindAddress'), ['127.0.0.1']);
        for (const v of values(text, 'ServerDNSResolvConfFile')) assert.ok(v.startsWith('/tmp/veil-t/'), v);
        assert.ok(!text.includes('/etc/tor'));
      });

      it('lets an exit reach 127.0.0.0/8 and nothing else', () => {
        const policy = values(text, 'ExitPolicy');
        if (role === 'exit') {
          assert.deepEqual(policy, ['accept 127.0.0.0/8:*', 'reject *:*']);
          assert.deepEqual(values(text, 'ExitRelay'), ['1']);
        } else if (role !== 'client') {
          assert.deepEqual(values(text, 'ExitRelay'), ['0']);
          if (role !== 'fingerprint') assert.deepEqual(policy, ['reject *:*']);
        }
      });
    });
  }

  it('only the fingerprint torrc disables the network, and it never runs a relay for real', () => {
    assert.deepEqual(values(TORRCS['fingerprint'] ?? '', 'DisableNetwork'), ['1']);
    assert.deepEqual(values(TORRCS['client'] ?? '', 'DisableNetwork'), []);
  });

  it('ties every network tor to its owner unless detached', () => {
    assert.deepEqual(values(TORRCS['client'] ?? '', '__OwningControllerProcess'), ['4242']);
    const detached = clientTorrc({ ...base, owningPid: undefined, nickname: 'client1', socksPort: 5007 });
    assert.deepEqual(values(detached, '__OwningControllerProcess'), []);
  });

  it('gives the Exit flag only to the listed exits', () => {
    assert.deepEqual(values(TORRCS['authority'] ?? '', 'TestingDirAuthVoteExit'), [`$${FP('E')}`]);
    assert.deepEqual(values(TORRCS['authority'] ?? '', 'TestingDirAuthVoteExitIsStrict'), ['1']);
  });

  it('refuses a value with a line break (a bug in Veil, not a torrc injection)', () => {
    assert.throws(
      () => clientTorrc({ ...base, nickname: 'client1\nExitPolicy accept *:*', socksPort: 5007 }),
      (err: unknown) => isVeilError(err, 'VEIL_BUG'),
    );
  });
});

describe('dirAuthorityLine / joinTorrcLines', () => {
  it('formats the DirAuthority line of tor(1)', () => {
    assert.equal(dirAuthorityLine(AUTHS[0]!), `DirAuthority auth1 orport=5001 no-v2 v3ident=${FP('B')} 127.0.0.1:5002 ${FP('A')}`);
  });

  it('gives a joining tor the network, full descriptors and loopback-only outbound sockets', () => {
    const join = joinTorrcLines(AUTHS);
    assert.equal(join[0], 'TestingTorNetwork 1');
    assert.equal(join.filter((l) => l.startsWith('DirAuthority ')).length, 2);
    assert.ok(join.includes('UseMicrodescriptors 0'));
    assert.ok(join.includes('OutboundBindAddress 127.0.0.1'));
  });
});

describe('firstVoteAlignmentDelayMs', () => {
  it('starts at once early or late in the 5-s voting cycle', () => {
    assert.equal(firstVoteAlignmentDelayMs(1_000_000_000_000), 0); // phase 0 s
    assert.equal(firstVoteAlignmentDelayMs(1_000_000_000_400), 0); // phase 0.4 s
    assert.equal(firstVoteAlignmentDelayMs(1_000_000_003_000), 0); // phase 3 s
    assert.equal(firstVoteAlignmentDelayMs(1_000_000_004_900), 0); // phase 4.9 s
  });

  it('waits until 3 s into the cycle otherwise, never more than 2.5 s', () => {
    assert.equal(firstVoteAlignmentDelayMs(1_000_000_001_000), 2_000);
    assert.equal(firstVoteAlignmentDelayMs(1_000_000_002_999), 1);
    for (let ms = 0; ms < 5_000; ms += 37) assert.ok(firstVoteAlignmentDelayMs(1_000_000_000_000 + ms) <= 2_500);
  });
});
