#!/usr/bin/env node
// Installs the comparison tools the benchmarks need (run by bench/run.mjs after scripts/setup.mjs):
// nginx-light (the static file server compared with Veil's gateway), wrk (the load generator) and
// onionshare-cli (the onion readiness comparison). Same safety as scripts/setup.mjs: /usr/sbin/policy-rc.d exits
// 101 during the install so that no system service (nginx, tor) starts; the benchmarks start their own nginx
// with their own config on 127.0.0.1 and point onionshare-cli at the private network's control port.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const log = (msg) => process.stderr.write(`bench setup: ${msg}\n`);

const NEEDED = [
  { bin: 'nginx', pkg: 'nginx-light', dirs: ['/usr/sbin'] },
  { bin: 'wrk', pkg: 'wrk', dirs: ['/usr/bin'] },
  { bin: 'onionshare-cli', pkg: 'onionshare-cli', dirs: ['/usr/bin'], optional: true },
];

function has(entry) {
  return (process.env.PATH ?? '').split(':').concat(entry.dirs).some((d) => d && existsSync(join(d, entry.bin)));
}

function install(pkgs) {
  const policy = '/usr/sbin/policy-rc.d';
  const previous = existsSync(policy) ? readFileSync(policy) : undefined;
  writeFileSync(policy, '#!/bin/sh\n# written by Veil bench setup: no service may start during the install\nexit 101\n');
  chmodSync(policy, 0o755);
  try {
    log(`installing ${pkgs.join(', ')} from Debian's packages (service starts forbidden)`);
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...pkgs]]) {
      const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      if (r.status !== 0) return false;
    }
    return true;
  } finally {
    if (previous !== undefined) writeFileSync(policy, previous);
    else unlinkSync(policy);
  }
}

/** Returns the names of the tools still missing (optional ones only warn). */
export function ensureBenchTools() {
  const missing = NEEDED.filter((e) => !has(e));
  if (missing.length > 0) {
    if (process.getuid?.() !== 0) {
      log(`missing: ${missing.map((e) => e.pkg).join(', ')}; install them as root (with /usr/sbin/policy-rc.d exiting 101) and run again`);
    } else if (!install(missing.map((e) => e.pkg))) {
      log('apt-get failed; the comparisons that need the missing tools are skipped');
    }
  }
  const still = NEEDED.filter((e) => !has(e));
  for (const e of still) log(`${e.bin} unavailable: its comparison is skipped${e.optional ? '' : ' (required for the gateway section)'}`);
  return still.map((e) => e.bin);
}

if (import.meta.url === `file://${process.argv[1]}`) ensureBenchTools();
