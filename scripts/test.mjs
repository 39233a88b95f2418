#!/usr/bin/env node
// The test run (`npm test`): unit tests and integration tests, against ONE private network on 127.0.0.1 that this
// script starts for the whole run and stops at the end (also on failure or Ctrl-C). The network is described in
// <dir>/testnet.json, whose path the suites read from VEIL_TESTNET. scripts/setup.mjs (the pretest step) has
// installed tor/i2pd and built dist/.
//
// Usage: npm test [-- FILTER...]   (FILTER: substrings of test file paths; default all)
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const log = (msg) => process.stderr.write(`test: ${msg}\n`);

function findTests(dir) {
  const out = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out; // folder absent: nothing built there
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = [...findTests(join(dist, 'src')), ...findTests(join(dist, 'test'))]
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();
if (files.length === 0) {
  log('no test files found (is the build in dist/ missing?)');
  process.exit(1);
}
const needsNetwork = files.some((f) => f.includes(`${join('dist', 'test', 'integration')}`));

const testnet = await import(pathToFileURL(join(dist, 'src', 'testnet', 'index.js')).href);
const dir = mkdtempSync(join(tmpdir(), 'veil-testnet-'));
const handles = [];
const controller = new AbortController();
let stopping = false;
async function stopAll() {
  if (stopping) return;
  stopping = true;
  controller.abort();
  await Promise.allSettled(handles.map((h) => h.close()));
  rmSync(dir, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`${sig}: stopping the private network`);
    void stopAll().then(() => process.exit(130));
  });
}

let status = 1;
try {
  const env = { ...process.env };
  if (needsNetwork) {
    const started = Date.now();
    log(`starting the private networks in ${dir}`);
    let info;
    const onProgress = (e) => {
      if (e.type.endsWith(':ready') || e.type.endsWith(':started')) log(`${e.type} ${JSON.stringify(e.detail)}`);
      if (e.type === 'i2pd:exited') log(`${e.detail.name} (pid ${e.detail.pid}) exited by itself (${e.detail.how}); starting it again`);
      if (e.type === 'i2pd:restarted' && info?.i2p) {
        // A router of the private network was started again (see KeptI2pd): suites loaded from now on read its new PID.
        const router = info.i2p.routers.find((r) => `i2pd ${r.name}` === e.detail.name);
        if (router) router.pid = e.detail.pid;
        writeFileSync(join(dir, 'testnet.json'), JSON.stringify(info, null, 2));
        log(`${e.detail.name} runs again, pid ${e.detail.pid}`);
      }
    };
    // Both networks start side by side; whatever started is stopped even if the other one failed.
    const settled = await Promise.allSettled([
      testnet.startTorTestnet({ dir: join(dir, 'tor'), signal: controller.signal, onProgress }),
      testnet.startI2pTestnet({ dir: join(dir, 'i2p'), signal: controller.signal, onProgress }),
    ]);
    for (const s of settled) if (s.status === 'fulfilled') handles.push(s.value);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [tor, i2p] = settled.map((s) => s.value);
    info = { dir, tor: tor.info, i2p: i2p?.info && { ...i2p.info, routers: i2p.info.routers.map((r) => ({ ...r })) } };
    const infoPath = join(dir, 'testnet.json');
    writeFileSync(infoPath, JSON.stringify(info, null, 2));
    env.VEIL_TESTNET = infoPath;
    log(`private networks ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const args = ['--enable-source-maps', '--test', '--test-concurrency=2', '--test-timeout=600000', ...files];
  status = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
} catch (err) {
  log(`could not run the tests: ${err?.stack ?? err}`);
  status = 1;
} finally {
  // A shared tor or i2pd that died during the run fails every suite that needs it later; say so last, where a
  // reader of the run's tail looks first, with the daemon's own last words.
  const exits = (await Promise.all(handles.map((h) => h.unexpectedExits?.() ?? []))).flat();
  for (const line of exits) log(`a daemon of the private network died during the run: ${line}`);
  await stopAll();
}
process.exit(status);
