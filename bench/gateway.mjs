// Section 2, gateway: requests/s and p50/p99 of Veil's gateway vs nginx (its own config, 127.0.0.1, one worker,
// started with -c/-p in a temp dir, stopped by PID) serving the same bytes, measured with wrk, bounded in time.
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, ROOT, Owned, deterministicBytes, log, summarizeProfile, tempDir, wrk } from './lib.mjs';

const content = await import(join(DIST, 'content', 'index.js'));
const { allocatePort } = await import(join(DIST, 'net', 'index.js'));

const FILES = [
  { name: '4 KiB', file: 'small.bin', size: 4096 },
  { name: '1 MiB', file: 'large.bin', size: 1024 * 1024 },
];

function nginxConf(prefix, port, root) {
  return `worker_processes 1;
daemon off;
master_process on;
user root;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path ${prefix}/tmp-body;
  proxy_temp_path ${prefix}/tmp-proxy;
  fastcgi_temp_path ${prefix}/tmp-fastcgi;
  uwsgi_temp_path ${prefix}/tmp-uwsgi;
  scgi_temp_path ${prefix}/tmp-scgi;
  types { application/octet-stream bin; }
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`;
}

async function check(url, expected) {
  const res = await fetch(url);
  const body = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200 || body.length !== expected.length || !Buffer.from(body).equals(expected)) {
    throw new Error(`${url}: status ${res.status}, ${body.length} bytes (expected ${expected.length} identical bytes)`);
  }
}

export async function benchGateway({ seconds, connections, nginxAvailable }) {
  const dir = tempDir('veil-bench-gw-');
  const www = join(dir, 'www');
  mkdirSync(www);
  chmodSync(dir, 0o755);
  const store = await content.FsBlockstore.open(join(dir, 'blocks'));
  for (const f of FILES) {
    f.bytes = deterministicBytes(f.size, f.size % 251);
    writeFileSync(join(www, f.file), f.bytes);
    f.cid = (await content.importFile([f.bytes], store, { profile: 'kubo-v1-raw' })).cid.toString();
  }
  const veil = new Owned(process.execPath, [join(ROOT, 'bench', 'gateway-server.mjs'), join(dir, 'blocks')], { name: 'veil gateway' });
  const veilUrl = (await veil.waitFor(/listening (http:\/\/127\.0\.0\.1:\d+)/, 20_000))[1];
  let nginx;
  let nginxUrl;
  if (nginxAvailable) {
    const prefix = join(dir, 'nginx');
    mkdirSync(prefix);
    const port = await allocatePort();
    writeFileSync(join(prefix, 'nginx.conf'), nginxConf(prefix, port, www));
    nginx = new Owned('nginx', ['-p', prefix, '-e', join(prefix, 'error.log'), '-c', join(prefix, 'nginx.conf')], { name: 'nginx', stopSignal: 'SIGQUIT' });
    nginxUrl = `http://127.0.0.1:${port}`;
  }
  const results = [];
  try {
    for (const f of FILES) {
      const targets = [{ server: 'veil gateway', url: `${veilUrl}/ipfs/${f.cid}` }];
      if (nginx) targets.push({ server: 'nginx', url: `${nginxUrl}/${f.file}` });
      for (const t of targets) {
        // Correctness first (same bytes), then a short warm-up (caches, JIT), then the measured run.
        for (let i = 0; ; i++) {
          try {
            await check(t.url, f.bytes);
            break;
          } catch (err) {
            if (i > 40) throw err;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        await wrk(t.url, { connections, seconds: 2 });
        log(`gateway: ${t.server} ${f.name} (${seconds} s, ${connections} connections)`);
        const m = await wrk(t.url, { connections, seconds });
        results.push({ file: f.name, server: t.server, ...m, mbPerS: (m.rps * f.size) / 1024 / 1024 });
      }
    }
  } finally {
    await veil.stop();
    if (nginx) await nginx.stop();
  }
  const ratioFor = (file) => {
    const v = results.find((r) => r.file === file && r.server === 'veil gateway');
    const n = results.find((r) => r.file === file && r.server === 'nginx');
    return v && n ? v.rps / n.rps : null;
  };
  const ratio1M = ratioFor('1 MiB');
  let profile;
  if (ratio1M !== null && ratio1M < 0.5) {
    // Where the time goes: the same gateway under --cpu-prof, 5 s of wrk on the 1 MiB file.
    const profDir = join(dir, 'prof');
    const p = new Owned(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, join(ROOT, 'bench', 'gateway-server.mjs'), join(dir, 'blocks')], { name: 'veil gateway (profiled)' });
    const url = (await p.waitFor(/listening (http:\/\/127\.0\.0\.1:\d+)/, 20_000))[1];
    await wrk(`${url}/ipfs/${FILES[1].cid}`, { connections, seconds: 5 });
    await p.stop();
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    profile = file ? summarizeProfile(join(profDir, file), 10) : undefined;
  }
  return {
    profile_top_self_time_1MiB: profile,
    tool: `wrk -t1 -c${connections} -d${seconds}s --latency`,
    nginxWorkers: 1,
    veilProcesses: 1,
    results,
    ratio4K: ratioFor('4 KiB'),
    ratio1M,
    target: 0.5,
    targetMet: ratio1M === null ? null : ratio1M >= 0.5,
  };
}
