#!/usr/bin/env node
// `npm run bench`: Veil side by side with the floor of the work and with the tools people would use instead
// (issue #8). Every figure is a ratio measured in this run, on the same data, on this machine. Benchmarks
// report; they never fail on a missed target. Every process started here is stopped by PID at the end, on error
// and on Ctrl-C. Options: --size MB (import file, default 1024), --transfer MB (default 50), --seconds S (wrk run,
// default 10), --connections N (default 16), --rounds N (Tor transfers, default 3), --only import,gateway,tor,
// --render FILE (print the table of an earlier run's JSON).
import { cpus } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBenchTools } from './setup.mjs';
import { ROOT, fmt, log, runCleanups, table } from './lib.mjs';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1024' },
    transfer: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string', default: 'import,gateway,tor' },
    render: { type: 'string' },
  },
});
const only = new Set(values.only.split(','));

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping every process the benchmark started`);
    void runCleanups().finally(() => process.exit(130));
  });
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: cpus().length,
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    node: process.version,
    memGiB: Math.round(Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]) / 1024 / 1024),
  };
}

function render(r) {
  const rows = [];
  const ok = (m) => (m === null || m === undefined ? '' : m ? 'met' : 'MISSED');
  if (r.import) {
    const sha = r.import.rows[0];
    for (const row of r.import.rows) {
      if (row.skipped) rows.push(['import', row.name, 'skipped', '', '', '']);
      else rows.push(['import', row.name, `${fmt(row.mbs, 0)} MB/s`, row === sha ? '1.00 (floor)' : fmt(row.ratioToSha, 2), row.name === 'veil importFile → discard' ? '≥ 0.80' : '', row.name === 'veil importFile → discard' ? ok(r.import.targetMet) : '']);
    }
  }
  if (r.gateway) {
    for (const g of r.gateway.results) {
      const isVeil = g.server === 'veil gateway';
      const ratio = g.file === '1 MiB' ? r.gateway.ratio1M : r.gateway.ratio4K;
      rows.push(['gateway', `${g.server} ${g.file} (p50 ${fmt(g.p50Ms, 2)} ms, p99 ${fmt(g.p99Ms, 2)} ms)`, `${fmt(g.rps, 0)} req/s`, isVeil ? fmt(ratio, 2) : '1.00 (ref)', isVeil && g.file === '1 MiB' ? '≥ 0.50' : '', isVeil && g.file === '1 MiB' ? ok(r.gateway.targetMet) : '']);
    }
  }
  if (r.tor) {
    const rd = r.tor.readiness;
    rows.push(['onion ready', rd.floor.what, `${fmt(rd.floor.seconds, 2)} s`, '1.00 (floor)', '', '']);
    if (rd.onionshare?.seconds) rows.push(['onion ready', rd.onionshare.what, `${fmt(rd.onionshare.seconds, 2)} s`, fmt(rd.onionshare.seconds / rd.floor.seconds, 2), '', '']);
    else rows.push(['onion ready', 'onionshare-cli', rd.onionshare?.skipped ? 'not run' : 'failed', rd.onionshare?.skipped ?? (rd.onionshare?.error ? `${rd.onionshare.error.split(':')[0].slice(0, 80)} (JSON)` : ''), '', '']);
    rows.push(['onion ready', rd.veil.what, `${fmt(rd.veil.seconds, 2)} s`, fmt(rd.veilOverFloor, 2), '≤ OnionShare', rd.veilOverOnionshare === undefined ? '' : ok(rd.veilOverOnionshare <= 1)]);
    const t = r.tor.transfer;
    const mb = (t.sizeBytes / 1024 / 1024).toFixed(0);
    const failed = (n) => (n ? `, ${n} failed` : '');
    rows.push(['tor transfer', `curl --socks5-hostname ← python http.server onion (${mb} MiB, new circuit, median of ${t.rounds}${failed(t.failedRuns?.curlPlain)})`, `${fmt(t.mbPerS.curlPlainServer, 2)} MB/s`, '1.00 (ref)', '', '']);
    rows.push(['tor transfer', `\`veil get\` ← onion-only storage server (new process, verify + decrypt${failed(t.failedRuns?.veilGet)})`, `${fmt(t.mbPerS.veilGet, 2)} MB/s`, fmt(t.ratio, 2), '≥ 0.90', ok(t.targetMet)]);
    rows.push(['tor transfer', `\`veil put\` → the same server (encrypt, ${t.upload.blocks} blocks)`, `${fmt(t.upload.mbPerS, 2)} MB/s`, fmt(t.upload.mbPerS / t.mbPerS.curlPlainServer, 2), '', '']);
    rows.push(['tor transfer', 'curl --socks5-hostname ← Veil gateway onion (1 run)', `${fmt(t.mbPerS.curlVeilGateway, 2)} MB/s`, fmt(t.ratioCurlGateway, 2), '', '']);
    rows.push(['tor transfer', 'Veil Tor dialer ← Veil gateway onion (1 run)', `${fmt(t.mbPerS.veilDialerVeilGateway, 2)} MB/s`, fmt(t.ratioGateway, 2), '', '']);
    const f = r.tor.footprint;
    rows.push(['footprint', '`veil run` client, idle RSS', `${fmt(f.clientIdle.rssMB, 0)} MB`, '', '< 120 MB', ok(f.targetMet)]);
    rows.push(['footprint', '`veil run` node + onion service, idle RSS', `${fmt(f.nodeIdle.rssMB, 0)} MB`, '', '', '']);
    rows.push(['footprint', '`veil run` onion-only storage server, idle RSS', `${fmt(f.storageIdle.rssMB, 0)} MB`, '', '< 120 MB', ok(f.storageIdle.rssMB < 120)]);
    rows.push(['footprint', 'storage server RSS after the transfers (peak)', `${fmt(f.storageAfterTransfer.rssMB, 0)} MB (${fmt(f.storageAfterTransfer.hwmMB, 0)})`, '', '', '']);
    rows.push(['footprint', 'node RSS after the gateway transfer (peak)', `${fmt(f.nodeAfterTransfer.rssMB, 0)} MB (${fmt(f.nodeAfterTransfer.hwmMB, 0)})`, '', '', '']);
    rows.push(['footprint', '`veil run` → ready (client / node / storage), tor running', `${fmt(f.clientReadySeconds, 2)} s / ${fmt(f.nodeReadySeconds, 2)} s / ${fmt(f.storageReadySeconds, 2)} s`, '', '', '']);
  }
  return table(['section', 'what', 'result', 'ratio', 'target', ''], rows);
}

// --render FILE: print the table of an earlier run's JSON (for the README) and run nothing.
if (values.render) {
  const earlier = JSON.parse(readFileSync(values.render, 'utf8'));
  process.stdout.write(`${render(earlier)}\n`);
  process.exit(0);
}

const started = Date.now();
const result = { date: new Date().toISOString(), machine: machine(), options: values };
let exitCode = 0;
try {
  const missing = ensureBenchTools();
  if (only.has('import')) {
    const { benchImport } = await import('./import.mjs');
    result.import = await benchImport({ sizeMB: Number(values.size) });
  }
  if (only.has('gateway')) {
    const { benchGateway } = await import('./gateway.mjs');
    result.gateway = await benchGateway({ seconds: Number(values.seconds), connections: Number(values.connections), nginxAvailable: !missing.includes('nginx') && !missing.includes('wrk') });
  }
  if (only.has('tor')) {
    const { benchTor } = await import('./tor.mjs');
    result.tor = await benchTor({ transferMB: Number(values.transfer), rounds: Number(values.rounds), onionshareAvailable: !missing.includes('onionshare-cli') });
  }
} catch (err) {
  result.error = String(err?.stack ?? err);
  log(`failed: ${err?.message ?? err}`);
  exitCode = 1;
} finally {
  await runCleanups();
}
result.totalSeconds = (Date.now() - started) / 1000;
const text = render(result);
result.table = text;
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
// A partial run (--only) never overwrites the day's full results.
const partial = ['import', 'gateway', 'tor'].some((s) => !only.has(s)) ? `-${[...only].join('-')}` : '';
const out = join(ROOT, 'bench', 'results', `${result.date.slice(0, 10)}${partial}.json`);
writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
process.stdout.write(`\nVeil benchmarks — ${result.machine.nproc} × ${result.machine.cpuModel}, Node ${result.machine.node}, ${result.totalSeconds.toFixed(0)} s\n\n${text}\n\nJSON: ${out}\n`);
if (result.import?.profile_top_self_time) process.stdout.write(`\nimport profile (top self time): ${result.import.profile_top_self_time.map((p) => `${p.fn} ${p.percent}%`).join('; ')}\n`);
if (result.gateway?.profile_top_self_time_1MiB) process.stdout.write(`gateway profile, 1 MiB (top self time): ${result.gateway.profile_top_self_time_1MiB.map((p) => `${p.fn} ${p.percent}%`).join('; ')}\n`);
if (result.tor?.transfer?.profile_top_self_time_veil_get) process.stdout.write(`veil get profile (top self time): ${result.tor.transfer.profile_top_self_time_veil_get.map((p) => `${p.fn} ${p.percent}%`).join('; ')}\n`);
process.exitCode = exitCode;
