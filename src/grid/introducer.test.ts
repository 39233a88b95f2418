/**
 * Signed announcements (sign/verify, forgery, hostile input with fast-check) and the introducer behind the peer
 * stream server (HTTPS with a pinned key) over loopback TCP opened by this test: announce, list, long poll, stale
 * and forged announcements refused with nothing stored, expiry, restart with a state file, and a subscription
 * that keeps a ServerDirectory equal to the verified announcements.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { request, Agent } from 'undici';
import { isVeilError } from '../core/index.js';
import { createPeerStreamServer, startPinnedTls, type HttpListener, type PeerStreamServer } from '../net/index.js';
import { generateTlsIdentity, type TlsIdentity } from './tls-identity.js';
import { formatServiceAddress, newSwissnum, type ServiceAddress } from './service-address.js';
import { ANNOUNCEMENT_CONTEXT, ANNOUNCEMENT_LIMITS, nextSeq, parseAnnouncement, signAnnouncement, verifyAnnouncement, type AnnouncementFields } from './announcement.js';
import { openIntroducerServer, type IntroducerServer } from './introducer-server.js';
import { IntroducerClient, IntroducerSubscription, applyAnnouncements, Announcer } from './introducer-client.js';
import { ServerDirectory } from './server-directory.js';
import { StorageClient } from './storage-client.js';
import { loopbackOpener } from '../net/test-helpers.js';

function storageFurlOf(id: TlsIdentity, host = 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzab.onion'): string {
  return formatServiceAddress({ keyHash: id.keyHash, hints: [{ kind: 'tor', host, port: 3457 }], swissnum: newSwissnum() });
}

function fieldsFor(id: TlsIdentity, over: Partial<AnnouncementFields> = {}): AnnouncementFields {
  return { nickname: 'storage-1', storageFurl: storageFurlOf(id), availableBytes: 5_000_000, version: '0.1.0', seq: 1, issuedAt: 1_700_000_000_000, ...over };
}

/** Signs an arbitrary payload text with `id`'s key, as a hostile or broken server would. */
function rawSigned(payload: string, id: TlsIdentity): { payload: string; signature: string } {
  return { payload, signature: sign(null, Buffer.from(ANNOUNCEMENT_CONTEXT + payload), createPrivateKey(id.keyPem)).toString('base64') };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isVeilError(err) ? err.code : `not a VeilError: ${String(err)}`;
  }
  return 'no error';
}

describe('signed announcements', () => {
  const a = generateTlsIdentity();
  const b = generateTlsIdentity();

  it('sign then verify gives the fields back, with the KEYHASH of the TLS identity', () => {
    const fields = fieldsFor(a);
    const v = parseAnnouncement(JSON.stringify(signAnnouncement(fields, a.keyPem)));
    assert.equal(v.keyHash, a.keyHash);
    assert.equal(v.address.keyHash, a.keyHash);
    assert.deepEqual({ nickname: v.nickname, storageFurl: v.storageFurl, availableBytes: v.availableBytes, version: v.version, seq: v.seq, issuedAt: v.issuedAt }, fields);
  });

  it('refuses to sign a fURL of another key, and fields a verifier would drop', () => {
    assert.equal(codeOf(() => signAnnouncement(fieldsFor(b), a.keyPem)), 'VEIL_GRID_ANNOUNCEMENT_KEY_MISMATCH');
    assert.equal(codeOf(() => signAnnouncement(fieldsFor(a, { nickname: 'x'.repeat(65) }), a.keyPem)), 'VEIL_GRID_ANNOUNCEMENT_INVALID');
    assert.equal(codeOf(() => signAnnouncement(fieldsFor(a, { nickname: 'evil\u202egnp' }), a.keyPem)), 'VEIL_GRID_ANNOUNCEMENT_INVALID');
    assert.equal(codeOf(() => signAnnouncement(fieldsFor(a, { availableBytes: -1 }), a.keyPem)), 'VEIL_GRID_ANNOUNCEMENT_INVALID');
  });

  it('an announcement signed by the wrong key is refused (SIGNATURE), whichever key it names', () => {
    const good = signAnnouncement(fieldsFor(a), a.keyPem);
    // B signs A's payload (names A's key and A's fURL): the signature does not verify under A.
    assert.equal(codeOf(() => verifyAnnouncement(rawSigned(good.payload, b))), 'VEIL_GRID_ANNOUNCEMENT_SIGNATURE');
    // A's signature on a payload changed by an introducer (another fURL of A's, more space): refused.
    const changed = good.payload.replace('"availableBytes":5000000', '"availableBytes":5000001');
    assert.notEqual(changed, good.payload);
    assert.equal(codeOf(() => verifyAnnouncement({ ...good, payload: changed })), 'VEIL_GRID_ANNOUNCEMENT_SIGNATURE');
  });

  it('a correct signature by B over a fURL of A is refused (KEY_MISMATCH): an introducer cannot substitute fURLs', () => {
    const good = signAnnouncement(fieldsFor(b), b.keyPem);
    const payload = good.payload.replace(/"storageFurl":"[^"]+"/, `"storageFurl":"${storageFurlOf(a)}"`);
    assert.equal(codeOf(() => verifyAnnouncement(rawSigned(payload, b))), 'VEIL_GRID_ANNOUNCEMENT_KEY_MISMATCH');
  });

  it('the domain separation prefix is part of what is signed', () => {
    const good = signAnnouncement(fieldsFor(a), a.keyPem);
    const bare = { payload: good.payload, signature: sign(null, Buffer.from(good.payload), createPrivateKey(a.keyPem)).toString('base64') };
    assert.equal(codeOf(() => verifyAnnouncement(bare)), 'VEIL_GRID_ANNOUNCEMENT_SIGNATURE');
  });

  it('shape errors are INVALID: version, base64, sizes, field types', () => {
    const good = signAnnouncement(fieldsFor(a), a.keyPem);
    const p = JSON.parse(good.payload) as Record<string, unknown>;
    const resigned = (over: Record<string, unknown>): unknown => rawSigned(JSON.stringify({ ...p, ...over }), a);
    for (const bad of [{ v: 2 }, { serverKey: 'AAAA' }, { nickname: 7 }, { seq: 1.5 }, { availableBytes: '1' }, { storageFurl: 'pb://short@tor:x.onion:1/y' }, { issuedAt: -1 }]) {
      assert.equal(codeOf(() => verifyAnnouncement(resigned(bad))), 'VEIL_GRID_ANNOUNCEMENT_INVALID', JSON.stringify(bad));
    }
    assert.equal(codeOf(() => verifyAnnouncement({ ...good, signature: good.signature.slice(1) })), 'VEIL_GRID_ANNOUNCEMENT_INVALID');
    assert.equal(codeOf(() => parseAnnouncement('x'.repeat(ANNOUNCEMENT_LIMITS.maxBytes + 1))), 'VEIL_GRID_ANNOUNCEMENT_INVALID');
    assert.equal(codeOf(() => verifyAnnouncement([good])), 'VEIL_GRID_ANNOUNCEMENT_INVALID');
    assert.equal(codeOf(() => verifyAnnouncement(null)), 'VEIL_GRID_ANNOUNCEMENT_INVALID');
  });

  it('property: random bytes and random JSON only ever give an announcement code', () => {
    const codes = new Set(['VEIL_GRID_ANNOUNCEMENT_INVALID', 'VEIL_GRID_ANNOUNCEMENT_SIGNATURE', 'VEIL_GRID_ANNOUNCEMENT_KEY_MISMATCH']);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => codes.has(codeOf(() => parseAnnouncement(bytes)))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => codes.has(codeOf(() => verifyAnnouncement(value)))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('v', 'nickname', 'serverKey', 'storageFurl', 'availableBytes', 'version', 'seq', 'issuedAt', '__proto__'), fc.jsonValue()), (obj) =>
        codes.has(codeOf(() => verifyAnnouncement(rawSigned(JSON.stringify(obj), a)))),
      ),
      { numRuns: 300 },
    );
  });

  it('property: changing any one character of a signed payload never verifies', () => {
    const good = signAnnouncement(fieldsFor(a), a.keyPem);
    fc.assert(
      fc.property(fc.nat({ max: good.payload.length - 1 }), fc.string({ minLength: 1, maxLength: 1 }), (at, ch) => {
        const payload = good.payload.slice(0, at) + ch + good.payload.slice(at + 1);
        if (payload === good.payload) return true;
        const code = codeOf(() => verifyAnnouncement({ ...good, payload }));
        return code === 'VEIL_GRID_ANNOUNCEMENT_SIGNATURE' || code === 'VEIL_GRID_ANNOUNCEMENT_INVALID';
      }),
      { numRuns: 300 },
    );
  });

  it('nextSeq grows strictly, even when the clock goes back', () => {
    assert.equal(nextSeq(undefined, 1000), 1000);
    assert.equal(nextSeq(1000, 1000), 1001);
    assert.equal(nextSeq(5000, 1000), 5001);
  });
});

// --- the introducer over loopback ---

let root: string;
const cleanup: (() => Promise<void>)[] = [];

interface TestIntroducer {
  intro: IntroducerServer;
  server: PeerStreamServer;
  listener: HttpListener;
  address: ServiceAddress;
  port: number;
}

const loopback = loopbackOpener;

async function startIntroducer(options: { now?: () => number; stateFile?: string; longPollMs?: number; swissnum?: string; id?: TlsIdentity } = {}): Promise<TestIntroducer> {
  const id = options.id ?? generateTlsIdentity();
  const swissnum = options.swissnum ?? newSwissnum();
  const intro = await openIntroducerServer({ swissnum, ttlMs: 60_000, longPollMs: options.longPollMs ?? 20_000, now: options.now, stateFile: options.stateFile });
  const server = createPeerStreamServer({
    keyPem: id.keyPem,
    certPem: id.certPem,
    tlsHandler: (req, res) => {
      if (!intro.handle(req, res)) res.writeHead(404).end();
    },
    plainHandler: (_req, res) => res.writeHead(404).end(),
  });
  const listener = await server.listen({ kind: 'tcp', host: '127.0.0.1', port: 0 });
  const port = listener.target.kind === 'tcp' ? listener.target.port : 0;
  const t = { intro, server, listener, port, address: { keyHash: id.keyHash, hints: [{ kind: 'tcp' as const, host: '127.0.0.1', port }], swissnum } };
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await intro.close();
    await server.close();
  };
  cleanup.push(close);
  return Object.assign(t, { close });
}

function clientOf(t: TestIntroducer, address: Partial<ServiceAddress> = {}): IntroducerClient {
  const c = new IntroducerClient({ ...t.address, ...address }, { open: loopback(t.port), requestTimeoutMs: 30_000 });
  cleanup.push(() => c.close());
  return c;
}

/** A raw HTTPS request to the introducer (hostile clients do not use IntroducerClient). */
async function raw(t: TestIntroducer, method: string, path: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const agent = new Agent({ connect: (_o, cb) => void loopback(t.port)('', 0, {}).then((s) => startPinnedTls(s, t.address.keyHash)).then((tls) => cb(null, tls), (e: Error) => cb(e, null)) });
  try {
    const res = await request(`https://veil-peer${path}`, { dispatcher: agent, method, body });
    return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
  } finally {
    await agent.close();
  }
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'veil-introducer-'));
});

after(async () => {
  for (const c of cleanup.reverse()) await c();
  rmSync(root, { recursive: true, force: true });
});

describe('introducer', () => {
  it('keeps verified announcements; a newer seq replaces, an older one is refused (STALE)', async () => {
    const t = await startIntroducer();
    const client = clientOf(t);
    const s1 = generateTlsIdentity();
    const s2 = generateTlsIdentity();
    assert.ok((await client.announce(signAnnouncement(fieldsFor(s1, { seq: 10 }), s1.keyPem))) > 0);
    await client.announce(signAnnouncement(fieldsFor(s2, { nickname: 'two' }), s2.keyPem));
    let list = await client.list();
    assert.deepEqual(list.announcements.map((a) => a.keyHash).sort(), [s1.keyHash, s2.keyHash].sort());
    await client.announce(signAnnouncement(fieldsFor(s1, { seq: 11, nickname: 'renamed' }), s1.keyPem));
    await assert.rejects(client.announce(signAnnouncement(fieldsFor(s1, { seq: 9 }), s1.keyPem)), (e) => isVeilError(e, 'VEIL_GRID_ANNOUNCEMENT_STALE'));
    list = await client.list();
    assert.equal(list.announcements.find((a) => a.keyHash === s1.keyHash)?.nickname, 'renamed');
    assert.equal(list.announcements.length, 2);
  });

  it('an announcement signed by the wrong key is refused with its code, and nothing is stored', async () => {
    const t = await startIntroducer();
    const client = clientOf(t);
    const s = generateTlsIdentity();
    const thief = generateTlsIdentity();
    const good = signAnnouncement(fieldsFor(s), s.keyPem);
    await assert.rejects(client.announce(rawSigned(good.payload, thief)), (e) => isVeilError(e, 'VEIL_GRID_ANNOUNCEMENT_SIGNATURE') && /refused/.test(e.message));
    const p = JSON.parse(signAnnouncement(fieldsFor(thief), thief.keyPem).payload) as Record<string, unknown>;
    await assert.rejects(client.announce(rawSigned(JSON.stringify({ ...p, storageFurl: storageFurlOf(s) }), thief)), (e) => isVeilError(e, 'VEIL_GRID_ANNOUNCEMENT_KEY_MISMATCH'));
    assert.equal(t.intro.list().length, 0);
    assert.equal((await client.list()).announcements.length, 0);
  });

  it('hostile requests: wrong swissnum 403, oversized and malformed bodies 4xx, unknown paths 404; nothing stored', async () => {
    const t = await startIntroducer();
    const prefix = `/veil/v1/introducer/${t.address.swissnum}/`;
    assert.equal((await raw(t, 'GET', `/veil/v1/introducer/${newSwissnum()}/announcements`)).status, 403);
    await assert.rejects(clientOf(t, { swissnum: newSwissnum() }).list(), (e) => isVeilError(e, 'VEIL_GRID_UNAUTHORIZED'));
    const big = await raw(t, 'POST', `${prefix}announce`, 'x'.repeat(ANNOUNCEMENT_LIMITS.maxBytes + 10));
    assert.deepEqual([big.status, big.json['code']], [413, 'VEIL_GRID_ANNOUNCEMENT_INVALID']);
    for (const body of ['', 'null', '{"payload":1}', '[]', '{"payload":"{}","signature":"' + 'A'.repeat(88) + '"}', '\u0000\uffff']) {
      const r = await raw(t, 'POST', `${prefix}announce`, body);
      assert.equal(r.status, 400, body);
      assert.equal(r.json['code'], 'VEIL_GRID_ANNOUNCEMENT_INVALID');
    }
    assert.equal((await raw(t, 'GET', `${prefix}announce`)).status, 405);
    assert.equal((await raw(t, 'GET', `${prefix}nothing`)).status, 404);
    assert.equal(t.intro.list().length, 0);
  });

  it('a long poll answers when an announcement arrives', async () => {
    const t = await startIntroducer();
    const client = clientOf(t);
    const first = await client.list();
    const waiting = client.list({ since: first.generation, wait: true });
    const s = generateTlsIdentity();
    await clientOf(t).announce(signAnnouncement(fieldsFor(s), s.keyPem));
    const next = await waiting;
    assert.notEqual(next.generation, first.generation);
    assert.deepEqual(next.announcements.map((a) => a.keyHash), [s.keyHash]);
    // A generation from another run of the introducer is answered at once.
    assert.equal((await client.list({ since: 'other.0', wait: true })).announcements.length, 1);
  });

  it('announcements expire unless renewed; a renewal keeps them', async () => {
    let clock = 1_000_000;
    const t = await startIntroducer({ now: () => clock });
    const client = clientOf(t);
    const s1 = generateTlsIdentity();
    const s2 = generateTlsIdentity();
    const a1 = signAnnouncement(fieldsFor(s1), s1.keyPem);
    await client.announce(a1);
    await client.announce(signAnnouncement(fieldsFor(s2), s2.keyPem));
    clock += 40_000;
    await client.announce(a1); // the same announcement again: renewed
    clock += 30_000;
    assert.deepEqual((await client.list()).announcements.map((a) => a.keyHash), [s1.keyHash]);
    clock += 60_000;
    assert.equal((await client.list()).announcements.length, 0);
  });

  it('a restarted introducer with a state file still has the announcements', async () => {
    const stateFile = join(root, 'introducer-state.json');
    const id = generateTlsIdentity();
    const swissnum = newSwissnum();
    const t1 = await startIntroducer({ stateFile, id, swissnum });
    const s = generateTlsIdentity();
    await clientOf(t1).announce(signAnnouncement(fieldsFor(s), s.keyPem));
    await (t1 as TestIntroducer & { close(): Promise<void> }).close();
    const t2 = await startIntroducer({ stateFile, id, swissnum });
    assert.deepEqual((await clientOf(t2).list()).announcements.map((a) => a.keyHash), [s.keyHash]);
  });

  it('a subscription fills a ServerDirectory, follows changes and removals, and ignores replayed older announcements', async () => {
    let clock = Date.now();
    const t = await startIntroducer({ now: () => clock });
    const announcer = clientOf(t);
    const directory = new ServerDirectory();
    cleanup.push(() => directory.close());
    const made: ServiceAddress[] = [];
    const connect = (address: ServiceAddress): StorageClient => {
      made.push(address);
      return new StorageClient(address, { open: loopback(1) });
    };
    const sub = new IntroducerSubscription({ client: clientOf(t), directory, connect }).start();
    cleanup.push(() => sub.close());
    await sub.firstList();
    assert.equal(directory.size, 0);
    const s1 = generateTlsIdentity();
    const changes: number[] = [];
    const seen = new Promise<void>((resolve) =>
      directory.onChange((servers) => {
        changes.push(servers.length);
        if (servers.length === 1) resolve();
      }),
    );
    await announcer.announce(signAnnouncement(fieldsFor(s1, { nickname: 'one', seq: 5 }), s1.keyPem));
    await seen;
    assert.equal(directory.get(s1.keyHash)?.nickname, 'one');
    assert.equal(directory.get(s1.keyHash)?.availableBytes, 5_000_000);

    // Directly: a replayed older announcement does not replace the newer one; absent servers are removed.
    const seqs = new Map<string, number>();
    const d2 = new ServerDirectory();
    cleanup.push(() => d2.close());
    const newer = verifyAnnouncement(signAnnouncement(fieldsFor(s1, { seq: 7, nickname: 'new' }), s1.keyPem));
    const older = verifyAnnouncement(signAnnouncement(fieldsFor(s1, { seq: 6, nickname: 'old' }), s1.keyPem));
    applyAnnouncements(d2, [newer], connect, seqs);
    applyAnnouncements(d2, [older], connect, seqs);
    assert.equal(d2.get(s1.keyHash)?.nickname, 'new');
    applyAnnouncements(d2, [], connect, seqs);
    assert.equal(d2.size, 0);

    // Expiry at the introducer reaches the subscriber's directory.
    const gone = new Promise<void>((resolve) => directory.onChange((servers) => servers.length === 0 && resolve()));
    clock += 120_000;
    t.intro.sweep();
    await gone;
    assert.equal(directory.size, 0);
  });

  it('an Announcer announces at start, again on update(), and stops on close()', async () => {
    const t = await startIntroducer();
    const s = generateTlsIdentity();
    let seq = 0;
    const furl = storageFurlOf(s);
    const announcer = new Announcer({ client: clientOf(t), sign: async () => signAnnouncement(fieldsFor(s, { storageFurl: furl, seq: ++seq }), s.keyPem), intervalMs: 3_600_000 });
    const client = clientOf(t);
    let list = await client.list();
    announcer.start();
    list = await client.list({ since: list.generation, wait: true });
    assert.equal(list.announcements[0]?.seq, 1);
    announcer.update();
    list = await client.list({ since: list.generation, wait: true });
    assert.equal(list.announcements[0]?.seq, 2);
    await announcer.close();
    assert.ok(announcer.lastAccepted !== undefined);
  });
});
