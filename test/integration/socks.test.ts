/**
 * The Tor dialer against the REAL private Tor network (getTorTestnet()): fetch over HTTP through an exit,
 * stream isolation seen from the control port, RESOLVE/RESOLVE_PTR as Tor answers, onion service failures,
 * and the shared dialer conformance suite.
 *
 * Tor only sends the extended onion service codes (0xF0-0xF7) on a SocksPort with the ExtendedErrors flag; the
 * private network's clients (src/testnet/torrc.ts) and every tor Veil launches set it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { VeilError, isVeilError } from '../../src/core/index.js';
import { connectLocal } from '../../src/net/local-daemon.js';
import { createTorDialer, type TorDialer } from '../../src/net/socks-dialer.js';
import { onionAddressFromPublicKey, openTorControl, type StreamEvent, type TorControl } from '../../src/tor/index.js';
import { runDialerConformance } from './dialer-conformance.js';
import { getTorTestnet } from './testnet-env.js';

const DIAL_TIMEOUT_MS = 60_000;

const testnet = getTorTestnet();
const client = testnet.clients[0];
if (!client) throw new Error('the private Tor network has no client tor');

let control: TorControl;
let socksPort = client.socksPort;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

before(async () => {
  ({ control } = await openTorControl(connectLocal, { kind: 'tcp', host: '127.0.0.1', port: client.controlPort }, { cookiePath: client.cookiePath }));
  const ports = (await control.getConf(['SocksPort'])).get('SocksPort') ?? [];
  const extended = ports.find((p) => /\bExtendedErrors\b/i.test(p));
  assert.ok(extended, `the private network's client SocksPort has no ExtendedErrors flag: ${JSON.stringify(ports)}`);
  socksPort = Number(/:(\d+)/.exec(extended)?.[1] ?? client.socksPort);
});

after(async () => {
  await control.close();
});

const makeDialer = (): TorDialer => createTorDialer({ socks: { kind: 'tcp', host: '127.0.0.1', port: socksPort }, timeoutMs: DIAL_TIMEOUT_MS });

// A refused connect at a 127.0.0.1 exit comes back to the client as END reason MISC (seen with tor 0.4.9), so
// the client detaches the stream and retries other exits until it gives up: Tor reports a general failure, or
// nothing before our deadline. Any of these typed errors is right; an untyped error or a success is not.
runDialerConformance('Tor (private network)', makeDialer, {
  dialTimeoutMs: DIAL_TIMEOUT_MS,
  refusedTimeoutMs: 10_000,
  refusedCodes: ['VEIL_DIAL_REFUSED', 'VEIL_SOCKS_GENERAL_FAILURE', 'VEIL_DIAL_UNREACHABLE', 'VEIL_SOCKS_TTL_EXPIRED', 'VEIL_TIMEOUT'],
});

function readAll(stream: Duplex, deadlineMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error('no end of response before the deadline')), deadlineMs);
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    stream.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

describe('Tor dialer on the private network', () => {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`hello over tor: ${req.url}`);
  });
  let httpPort = 0;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    httpPort = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('fetches from an HTTP server on 127.0.0.1 through a Tor exit', async () => {
    const stream = await makeDialer().dial('127.0.0.1', httpPort);
    const response = readAll(stream, DIAL_TIMEOUT_MS);
    stream.write(`GET /via-exit HTTP/1.1\r\nHost: 127.0.0.1:${httpPort}\r\nConnection: close\r\n\r\n`);
    const text = await response;
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /hello over tor: \/via-exit$/);
    stream.destroy();
  });

  test('streams with different isolation tokens use different circuits; the same token shares one', async () => {
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
    const echoPort = (echo.address() as net.AddressInfo).port;
    // Tor remaps IP targets to exit notation (`127.0.0.1.$FP.exit:port`) in later STREAM events.
    const ours = new RegExp(`^127\\.0\\.0\\.1(\\..*\\.exit)?:${echoPort}$`);
    const succeeded = new Map<string, string>();
    const waiters: Array<() => void> = [];
    // Subscribe before dialing (STYLE: subscribe before the command that triggers the event).
    const sub = await control.subscribe('STREAM', (e: StreamEvent) => {
      if (e.status === 'SUCCEEDED' && ours.test(e.target)) {
        succeeded.set(e.streamId, e.circuitId);
        for (const w of waiters.splice(0)) w();
      }
    });
    const streams: Duplex[] = [];
    try {
      const d = makeDialer();
      const circuitIds: string[] = [];
      for (const token of ['peer-a', 'peer-b', 'peer-a']) {
        const seen = new Set(succeeded.keys());
        streams.push(await d.dial('127.0.0.1', echoPort, { isolationToken: token }));
        // Events may trail the SOCKS reply: wait for this stream's SUCCEEDED.
        await waitUntil(() => succeeded.size > seen.size, waiters, 10_000);
        circuitIds.push(succeeded.get([...succeeded.keys()].find((k) => !seen.has(k))!)!);
      }
      // Tor 0.4.9 may carry a stream on either leg of a conflux set (two circuits, one CONFLUX_ID, only one
      // leg listing the SOCKS credentials): compare sets, and read the credentials from any leg.
      const status = (await control.getInfo(['circuit-status'])).get('circuit-status') ?? '';
      const lines = status.split('\n');
      const lineOf = (id: string): string => lines.find((l) => l.startsWith(`${id} `)) ?? '';
      const setOf = (id: string): string => /CONFLUX_ID=(\w+)/.exec(lineOf(id))?.[1] ?? `circuit ${id}`;
      const passwordOf = (id: string): string | undefined => {
        const set = setOf(id);
        const legs = lines.filter((l) => l.startsWith(`${id} `) || l.includes(`CONFLUX_ID=${set}`));
        return legs.map((l) => /SOCKS_PASSWORD="([^"]*)"/.exec(l)?.[1]).find((p) => p !== undefined);
      };
      const [a1, b, a2] = circuitIds.map((id) => id!);
      assert.notEqual(setOf(a1!), setOf(b!), 'different tokens must not share a circuit');
      assert.equal(setOf(a1!), setOf(a2!), 'the same token reuses its circuit');
      // The circuit records our SOCKS credentials (control-spec "CIRC": SOCKS_USERNAME, SOCKS_PASSWORD).
      assert.equal(passwordOf(a1!), 'peer-a');
      assert.equal(passwordOf(b!), 'peer-b');
    } finally {
      for (const s of streams) s.destroy();
      await sub.close();
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
  });

  test('RESOLVE: an IP literal resolves to itself; a name no exit can resolve gives a typed error', async () => {
    const d = makeDialer();
    assert.equal(await d.resolve('127.0.0.1', { timeoutMs: DIAL_TIMEOUT_MS }), '127.0.0.1');
    // The exits' only nameserver is 127.0.0.1, where nothing answers: Tor reports the failure.
    const err = await d.resolve('nothing-here.veil-testnet.example', { timeoutMs: DIAL_TIMEOUT_MS }).then(
      () => assert.fail('resolved a name that cannot resolve'),
      (e: unknown) => e,
    );
    // tor answers a failed RESOLVE with reply 0x04 "host unreachable" (and ATYP 0).
    assert.ok(err instanceof VeilError, String(err));
    assert.equal(err.code, 'VEIL_DIAL_UNREACHABLE', err.message);
    assert.equal(err.details['socksReply'], 4);
  });

  test('RESOLVE_PTR answers with a name or a typed error', async () => {
    try {
      const name = await makeDialer().resolvePtr('127.0.0.1', { timeoutMs: DIAL_TIMEOUT_MS });
      assert.match(name, /\S/);
    } catch (err) {
      // No nameserver answers the exits, so tor reports "host unreachable" (0x04).
      assert.ok(err instanceof VeilError, String(err));
      assert.equal(err.code, 'VEIL_DIAL_UNREACHABLE', err.message);
    }
  });

  test('a valid onion service address that nobody publishes gives VEIL_TOR_ONION_NOT_FOUND within a deadline', async () => {
    const address = onionAddressFromPublicKey(generateKeyPairSync('ed25519').publicKey);
    const started = Date.now();
    const err = await makeDialer()
      .dial(address, 80, { timeoutMs: DIAL_TIMEOUT_MS })
      .then(
        () => assert.fail('connected to an onion service that does not exist'),
        (e: unknown) => e,
      );
    assert.ok(isVeilError(err), String(err));
    assert.ok(
      ['VEIL_TOR_ONION_NOT_FOUND', 'VEIL_TOR_ONION_DESC_INVALID', 'VEIL_TOR_ONION_INTRO_FAILED'].includes(err.code),
      `${err.code}: ${err.message}`,
    );
    assert.equal(err.category, 'peer');
    assert.ok(Date.now() - started < DIAL_TIMEOUT_MS);
  });

  test('an invalid onion service address fails before Tor is asked', async () => {
    const address = onionAddressFromPublicKey(generateKeyPairSync('ed25519').publicKey);
    const broken = `${address.slice(0, 10)}${address[10] === 'a' ? 'b' : 'a'}${address.slice(11)}`;
    const unreachable = createTorDialer({ socks: { kind: 'tcp', host: '127.0.0.1', port: await freePort() } });
    // No SOCKS port listens there: only the local check can answer.
    await assert.rejects(unreachable.dial(broken, 80), { code: 'VEIL_TOR_ONION_ADDRESS_INVALID' });
  });
});

/** Waits for `condition`, re-checked whenever an event handler calls the waiters; rejects after `deadlineMs`. */
function waitUntil(condition: () => boolean, waiters: Array<() => void>, deadlineMs: number): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the STREAM event did not arrive before the deadline')), deadlineMs);
    const check = (): void => {
      if (condition()) {
        clearTimeout(timer);
        resolve();
      } else waiters.push(check);
    };
    waiters.push(check);
  });
}
