// Sections 3-5 on one private Tor network (startTorTestnet, 127.0.0.1 only, stopped at the end):
//  3. onion readiness: `veil onion add` on a running node vs a plain tor ADD_ONION (the floor) vs onionshare-cli
//     (pointed at the private network's control port), each until the first successful fetch through client B;
//  4. transfer of 50 MB over Tor: `veil get` (a new process, as a user runs it) from an onion-only storage server
//     (`create-node --listen=tor --hide-ip`, [storage] enabled, `veil run`) vs curl --socks5-hostname fetching the
//     same bytes from a plain HTTP server behind an onion service on the same tor (3 + 3 hops each), alternating,
//     median of the rounds; both on a new circuit each run. Also Veil's gateway behind an onion service;
//  5. footprint: RSS of idle `veil run` client, node and storage server, and time from `veil run` to ready with a
//     running tor.
import { createHash } from 'node:crypto';
import { appendFileSync, createReadStream, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, VEIL_BIN, Owned, curlTor, defer, firstFetch, log, median, rssOf, sleep, summarizeProfile, tempDir, writeDeterministicFile } from './lib.mjs';

const testnet = await import(join(DIST, 'testnet', 'index.js'));
const node = await import(join(DIST, 'node', 'index.js'));
const content = await import(join(DIST, 'content', 'index.js'));
const net = await import(join(DIST, 'net', 'index.js'));
const tor = await import(join(DIST, 'tor', 'index.js'));
const core = await import(join(DIST, 'core', 'index.js'));

const ONION = /([a-z2-7]{56}\.onion)/;

async function veilRun(nodeDir, name) {
  const t0 = Date.now();
  const p = new Owned(process.execPath, [VEIL_BIN, 'run', nodeDir], { name });
  await p.waitFor(/^ready$/m, 120_000);
  return { proc: p, readySeconds: (Date.now() - t0) / 1000 };
}

/** Runs `veil ARGS` to completion; throws with its output on a non-zero exit. Node options (--cpu-prof) first. */
async function veilCli(args, { name = `veil ${args[0]}`, nodeOptions = [] } = {}) {
  const t0 = process.hrtime.bigint();
  const p = new Owned(process.execPath, [...nodeOptions, VEIL_BIN, ...args], { name });
  const code = await p.exited;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`${name} failed (${code}): ${p.stdout}\n${p.stderr}`.slice(0, 3000));
  return { stdout: p.stdout, stderr: p.stderr, seconds };
}

async function sha256Of(path) {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c);
  return h.digest('hex');
}

async function idleRss(pid) {
  await sleep(3000);
  return rssOf(pid);
}

/** Veil's own client path: Tor dialer on client B's SOCKS port + undici agent; returns { bytes, seconds, sha256 }. */
async function veilDownload(socksPort, url) {
  const dialer = net.createTorDialer({ socks: { kind: 'tcp', host: '127.0.0.1', port: socksPort } });
  const agent = net.createDialerAgent({ open: (host, port, options) => dialer.dial(host, port, options) });
  const { request } = await import('undici');
  const t0 = process.hrtime.bigint();
  try {
    const res = await request(url, { dispatcher: agent, headersTimeout: 120_000, bodyTimeout: 120_000 });
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    const h = createHash('sha256');
    let bytes = 0;
    for await (const chunk of res.body) {
      bytes += chunk.length;
      h.update(chunk);
    }
    return { bytes, seconds: Number(process.hrtime.bigint() - t0) / 1e9, sha256: h.digest('hex') };
  } finally {
    await agent.close();
  }
}

export async function benchTor({ transferMB, rounds, onionshareAvailable, profile = true }) {
  const dir = tempDir('veil-bench-tor-');
  const result = { readiness: {}, transfer: {}, footprint: {} };
  log('tor: starting the private Tor network on 127.0.0.1');
  const t0 = Date.now();
  const handle = await testnet.startTorTestnet({ dir: join(dir, 'net') });
  defer(() => handle.close());
  result.testnetStartSeconds = (Date.now() - t0) / 1000;
  const [a, b] = handle.info.clients;

  // Data: the transfer file on disk (plain server) and in the node's blockstore (gateway), and a small file.
  const www = join(dir, 'www');
  mkdirSync(www);
  const bigSize = transferMB * 1024 * 1024;
  await writeDeterministicFile(join(www, 'big.bin'), bigSize, 9);
  writeFileSync(join(www, 'small.txt'), 'hello from the bench\n');

  // A node behind an onion service on client A (as `veil demo` sets it up), and a client on client B.
  const nodeDir = join(dir, 'node');
  const webPort = await net.allocatePort();
  await node.createNode({
    kind: 'node', nodeDir, listen: 'tor', hideIp: true, nickname: 'bench-node',
    torControlPort: `tcp:127.0.0.1:${a.controlPort}`, webport: `tcp:${webPort}:interface=127.0.0.1`,
    testnet: { allowLoopbackExit: true },
  });
  const store = await content.FsBlockstore.open(join(nodeDir, 'blocks'));
  const big = await content.importFile(join(www, 'big.bin'), store, { profile: 'kubo-v1-raw' });
  const small = await content.importFile(join(www, 'small.txt'), store, { profile: 'kubo-v1-raw' });
  const clientDir = join(dir, 'client');
  await node.createNode({ kind: 'client', nodeDir: clientDir, hideIp: true, nickname: 'bench-client', torControlPort: `tcp:127.0.0.1:${b.controlPort}`, testnet: { allowLoopbackExit: true } });

  // 5. Footprint: `veil run` to ready with a running tor, then idle RSS.
  log('tor: veil run (client, then node)');
  const client = await veilRun(clientDir, 'veil run client');
  result.footprint.clientReadySeconds = client.readySeconds;
  result.footprint.clientIdle = await idleRss(client.proc.pid);
  const veilNode = await veilRun(nodeDir, 'veil run node');
  result.footprint.nodeReadySeconds = veilNode.readySeconds;
  result.footprint.nodeIdle = await idleRss(veilNode.proc.pid);

  // An onion-only storage server on client A and a grid client (shares 1 of 1) on client B, made with the CLI.
  log('tor: veil run (storage server)');
  const storageDir = join(dir, 'storage');
  await veilCli(['create-node', storageDir, '--listen=tor', '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${a.controlPort}`, '--webport=disabled', '--nickname=bench-storage', '--allow-loopback-exit']);
  const storage = await veilRun(storageDir, 'veil run storage server');
  result.footprint.storageReadySeconds = storage.readySeconds;
  result.footprint.storageIdle = await idleRss(storage.proc.pid);
  const furl = readFileSync(join(storageDir, 'private', 'storage.furl'), 'utf8').trim();
  const gridDir = join(dir, 'grid-client');
  await veilCli(['create-client', gridDir, '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${b.controlPort}`, '--webport=disabled', '--allow-loopback-exit']);
  appendFileSync(join(gridDir, 'veil.cfg'), '\n[client]\nshares.needed = 1\nshares.happy = 1\nshares.total = 1\n');

  // A plain HTTP server (python3 http.server, not ours) serving the same bytes, for curl and the floor.
  const pyPort = await net.allocatePort();
  const py = new Owned('python3', ['-m', 'http.server', String(pyPort), '--bind', '127.0.0.1', '--directory', www], { name: 'python3 http.server', env: { PYTHONUNBUFFERED: '1' } });
  await py.waitFor(/Serving HTTP/, 20_000);

  // 3a. Floor: ADD_ONION on client A's control port, wait for the descriptor upload, fetch through client B.
  log('tor: readiness, plain ADD_ONION (floor)');
  const { control } = await tor.openTorControl(net.connectLocal, { kind: 'tcp', host: '127.0.0.1', port: a.controlPort });
  defer(() => control.close());
  const watcher = await tor.HsDescWatcher.start(control);
  defer(() => watcher.close());
  // Client B fetches every service; between attempts it forgets failed onion lookups (firstFetch).
  const { control: controlB } = await tor.openTorControl(net.connectLocal, { kind: 'tcp', host: '127.0.0.1', port: b.controlPort });
  defer(() => controlB.close());
  const fetchOptions = { beforeRetry: () => controlB.signal('NEWNYM').catch(() => undefined) };
  let t = Date.now();
  const floor = await control.addOnion({ ports: [{ virtualPort: 80, target: `127.0.0.1:${pyPort}` }], discardPrivateKey: true });
  await watcher.uploaded(floor.serviceId, { signal: core.withTimeout(undefined, 120_000) });
  const floorUploaded = (Date.now() - t) / 1000;
  const floorFetch = await firstFetch(b.socksPort, `http://${floor.serviceId}.onion/small.txt`, fetchOptions);
  result.readiness.floor = { what: 'tor ADD_ONION (control port) → first fetch', uploadedSeconds: floorUploaded, seconds: (Date.now() - t) / 1000, attempts: floorFetch.attempts };

  // 3b. Veil: `veil onion add` on the running node (waits for the upload), then the first fetch through client B.
  log('tor: readiness, veil onion add');
  t = Date.now();
  const add = new Owned(process.execPath, [VEIL_BIN, 'onion', 'add', 'gw', '--target', `127.0.0.1:${webPort}`, '--port', '80', '-d', nodeDir], { name: 'veil onion add' });
  const addCode = await add.exited;
  if (addCode !== 0) throw new Error(`veil onion add failed (${addCode}): ${add.stdout}\n${add.stderr}`);
  const gwAddr = ONION.exec(add.stdout)?.[1];
  const addSeconds = (Date.now() - t) / 1000;
  const gwFetch = await firstFetch(b.socksPort, `http://${gwAddr}/ipfs/${small.cid}`, fetchOptions);
  result.readiness.veil = { what: '`veil onion add` on a running node → first fetch', addCommandSeconds: addSeconds, seconds: (Date.now() - t) / 1000, attempts: gwFetch.attempts };

  // 3c. OnionShare, pointed at client A's control port (connection_type control_port, no bridges), public share.
  if (onionshareAvailable) {
    log('tor: readiness, onionshare-cli');
    const home = join(dir, 'onionshare-home');
    mkdirSync(home);
    const settings = join(home, 'settings.json');
    writeFileSync(settings, JSON.stringify({ connection_type: 'control_port', control_port_address: '127.0.0.1', control_port_port: a.controlPort, auth_type: 'no_auth', bridges_enabled: false, use_autoupdate: false }));
    t = Date.now();
    const os = new Owned('onionshare-cli', ['--config', settings, '--public', '--no-autostop-sharing', join(www, 'small.txt')], {
      name: 'onionshare-cli', stopSignal: 'SIGINT', env: { HOME: home, PYTHONUNBUFFERED: '1', XDG_CONFIG_HOME: home },
    });
    try {
      const addr = (await os.waitFor(/http:\/\/([a-z2-7]{56}\.onion)/, 120_000))[1];
      const printed = (Date.now() - t) / 1000;
      const osFetch = await firstFetch(b.socksPort, `http://${addr}/`, fetchOptions);
      result.readiness.onionshare = { what: 'onionshare-cli 2.6 (control port) → first fetch', urlPrintedSeconds: printed, seconds: (Date.now() - t) / 1000, attempts: osFetch.attempts };
    } catch (err) {
      result.readiness.onionshare = { error: String(err.message).slice(0, 500) };
    } finally {
      await os.stop();
    }
  } else {
    result.readiness.onionshare = { skipped: 'onionshare-cli not installed' };
  }
  result.readiness.veilOverFloor = result.readiness.veil.seconds / result.readiness.floor.seconds;
  if (result.readiness.onionshare?.seconds) result.readiness.veilOverOnionshare = result.readiness.veil.seconds / result.readiness.onionshare.seconds;

  // 4. Transfer: same bytes, same tor client pair, one onion service hop each way (3 + 3 hops).
  log(`tor: transfer of ${transferMB} MiB (${rounds} round(s))`);
  const want = await sha256Of(join(www, 'big.bin'));
  // Upload through the grid first (private, convergent): `veil put`, a new process, as a user runs it.
  const put = await veilCli(['put', join(www, 'big.bin'), '--server', furl, '-d', gridDir, '--json'], { name: 'veil put' });
  const cap = JSON.parse(put.stdout).capability;
  result.transfer.upload = { seconds: put.seconds, blocks: JSON.parse(put.stdout).blocks };
  // Warm-up: the descriptors of both onion services are in client B's cache before timing.
  await curlTor(b.socksPort, `http://${floor.serviceId}.onion/small.txt`, { isolation: 'bench-warm' });
  await veilDownload(b.socksPort, `http://${gwAddr}/ipfs/${small.cid}`);
  const runs = { curlPlain: [], veilGet: [], curlGateway: [], veilGateway: [] };
  const out = join(dir, 'got.bin');
  for (let i = 0; i < rounds; i++) {
    // Alternating, and each on a new circuit: curl with its own SOCKS user name, `veil get` with the per-run
    // isolation token of its router.
    // A failed run (the private network is overloaded by other work) is recorded and left out of the median.
    const pair = [
      async () => runs.curlPlain.push(await curlTor(b.socksPort, `http://${floor.serviceId}.onion/big.bin`, { maxTimeS: 300, isolation: `bench-${i}` }).catch((err) => ({ error: String(err.message).slice(0, 300) }))),
      async () => {
        try {
          const g = await veilCli(['get', cap, '--server', furl, '-o', out, '-d', gridDir], { name: 'veil get' });
          if (statSync(out).size !== bigSize || (await sha256Of(out)) !== want) throw new Error('veil get: wrong bytes');
          rmSync(out);
          runs.veilGet.push({ bytes: bigSize, seconds: g.seconds });
        } catch (err) {
          if (/wrong bytes/.test(err.message)) throw err;
          runs.veilGet.push({ error: String(err.message).slice(0, 300) });
        }
      },
    ];
    for (const fn of i % 2 === 0 ? pair : pair.reverse()) await fn();
  }
  // Veil's gateway behind an onion service (one round: the grid rows above are the target).
  const v = await veilDownload(b.socksPort, `http://${gwAddr}/ipfs/${big.cid}`);
  if (v.sha256 !== want || v.bytes !== bigSize) throw new Error('veil download: wrong bytes');
  runs.veilGateway.push(v);
  runs.curlGateway.push(await curlTor(b.socksPort, `http://${gwAddr}/ipfs/${big.cid}`, { maxTimeS: 300 }));
  const mid = (xs) => median(xs.filter((x) => !x.error).map((x) => x.bytes / 1024 / 1024 / x.seconds));
  result.transfer = {
    ...result.transfer,
    sizeBytes: bigSize,
    rounds,
    mbPerS: { curlPlainServer: mid(runs.curlPlain), veilGet: mid(runs.veilGet), veilDialerVeilGateway: mid(runs.veilGateway), curlVeilGateway: mid(runs.curlGateway) },
    runs,
    note: '`veil get` is timed from process start to exit (Tor access, new circuit, every block verified and decrypted, file written and renamed); curl from start to exit on a new circuit. MB/s = MiB/s.',
  };
  result.transfer.failedRuns = { curlPlain: runs.curlPlain.filter((x) => x.error).length, veilGet: runs.veilGet.filter((x) => x.error).length };
  result.transfer.upload.mbPerS = bigSize / 1024 / 1024 / result.transfer.upload.seconds;
  result.transfer.ratio = result.transfer.mbPerS.veilGet / result.transfer.mbPerS.curlPlainServer;
  result.transfer.ratioGateway = result.transfer.mbPerS.veilDialerVeilGateway / result.transfer.mbPerS.curlPlainServer;
  result.transfer.ratioCurlGateway = result.transfer.mbPerS.curlVeilGateway / result.transfer.mbPerS.curlPlainServer;
  result.transfer.target = 0.9;
  result.transfer.targetMet = result.transfer.ratio >= 0.9;

  // Where `veil get`'s time goes: one more (untimed) run under --cpu-prof.
  if (profile) {
    log('tor: veil get under --cpu-prof');
    const profDir = join(dir, 'prof');
    mkdirSync(profDir);
    await veilCli(['get', cap, '--server', furl, '-o', out, '-d', gridDir], { name: 'veil get (profiled)', nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    result.transfer.profile_top_self_time_veil_get = file ? summarizeProfile(join(profDir, file), 10) : undefined;
  }

  result.footprint.storageAfterTransfer = rssOf(storage.proc.pid);
  result.footprint.nodeAfterTransfer = rssOf(veilNode.proc.pid);
  result.footprint.target = { idleClientRssMB: 120 };
  result.footprint.targetMet = result.footprint.clientIdle.rssMB < 120;

  await py.stop();
  await storage.proc.stop();
  await client.proc.stop();
  await veilNode.proc.stop();
  await watcher.close();
  await control.close();
  await handle.close();
  return result;
}
