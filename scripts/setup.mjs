#!/usr/bin/env node
// Installs what Veil needs on a fresh machine, then builds it. Run by `npm start`, `npm test` and `npm run bench`
// (as their pre-step) and by .ci/run. Needs only Node.js; uses apt-get (as root) for tor, i2pd and the test tools.
//
// Safety: installing tor or i2pd with apt would normally start their system services, which contact the public
// networks. Every install first writes /usr/sbin/policy-rc.d exiting 101 (forbids service starts) for the
// duration of the install, then checks that no system tor or i2pd is running.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, unlinkSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg) => process.stderr.write(`setup: ${msg}\n`);

// Debian packages providing each binary the project needs at run or test time.
const NEEDED = [
  { bin: 'tor', pkg: 'tor', dirs: ['/usr/sbin', '/usr/bin'] },
  { bin: 'tor-gencert', pkg: 'tor', dirs: ['/usr/bin', '/usr/sbin'] },
  { bin: 'i2pd', pkg: 'i2pd', dirs: ['/usr/sbin', '/usr/bin'] },
  { bin: 'strace', pkg: 'strace', dirs: ['/usr/bin'] },
  { bin: 'curl', pkg: 'curl', dirs: ['/usr/bin'] },
  { bin: 'ss', pkg: 'iproute2', dirs: ['/usr/bin', '/bin', '/usr/sbin', '/sbin'] },
];

function has(entry) {
  const paths = (process.env.PATH ?? '').split(':').concat(entry.dirs);
  return paths.some((d) => d && existsSync(join(d, entry.bin)));
}

function systemDaemonsRunning() {
  const found = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const exe = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0')[0] ?? '';
      const base = exe.split('/').pop();
      if (base !== 'tor' && base !== 'i2pd') continue;
      const owner = statSync(`/proc/${pid}`).uid;
      // A system service runs as debian-tor / i2pd and reads /etc config; ours always passes -f/--conf in a temp dir.
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ');
      if (cmd.includes('/etc/tor') || cmd.includes('/etc/i2pd') || !/(-f |--conf)/.test(cmd) || owner !== 0) found.push(`${pid}: ${cmd.trim()}`);
    } catch {
      continue; // the process ended while we looked
    }
  }
  return found;
}

function installPackages(pkgs) {
  const cmd = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  if (process.getuid?.() !== 0) {
    log(`missing: ${pkgs.join(', ')}. Install them as root, with service starts forbidden, then run again:`);
    log(`  printf '#!/bin/sh\\nexit 101\\n' | sudo tee /usr/sbin/policy-rc.d && sudo chmod +x /usr/sbin/policy-rc.d && sudo sh -c '${cmd}' ; sudo rm -f /usr/sbin/policy-rc.d`);
    process.exit(1);
  }
  const policy = '/usr/sbin/policy-rc.d';
  const hadPolicy = existsSync(policy);
  const previous = hadPolicy ? readFileSync(policy) : undefined;
  writeFileSync(policy, '#!/bin/sh\n# written by Veil setup: no service may start during the install\nexit 101\n');
  chmodSync(policy, 0o755);
  try {
    log(`installing ${pkgs.join(', ')} from Debian's packages (service starts forbidden)`);
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...pkgs]]) {
      const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed with status ${r.status}`);
    }
  } finally {
    if (previous !== undefined) writeFileSync(policy, previous);
    else unlinkSync(policy);
  }
}

function ensureSystemPackages() {
  const missing = [...new Set(NEEDED.filter((e) => !has(e)).map((e) => e.pkg))];
  if (missing.length > 0) installPackages(missing);
  const running = systemDaemonsRunning();
  if (running.length > 0) {
    log('a system tor or i2pd is running; Veil will not run next to a daemon that may reach the public network:');
    for (const r of running) log(`  ${r}`);
    log('stop it (e.g. `systemctl stop tor i2pd`) and run again');
    process.exit(1);
  }
}

function ensureNodeModules() {
  const lock = join(root, 'package-lock.json');
  const marker = join(root, 'node_modules', '.package-lock.json');
  const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000);
  if (!stale) return;
  log('installing npm packages');
  execFileSync('npm', [existsSync(lock) ? 'ci' : 'install', '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

function build() {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    log('TypeScript build failed');
    process.exit(r.status ?? 1);
  }
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 10)) {
  log(`Node.js ${process.versions.node} is too old: Veil needs Node.js 20.10 or later`);
  process.exit(1);
}
if (process.platform !== 'linux') log('warning: only Linux is tested');
if (process.platform === 'linux') ensureSystemPackages();
ensureNodeModules();
build();
