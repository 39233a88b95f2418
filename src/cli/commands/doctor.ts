import { runDoctor, type DoctorCheck, type DoctorReport } from '../../node/index.js';
import { print, type Command } from '../command.js';

const MARK: Readonly<Record<DoctorCheck['status'], string>> = { ok: 'ok     ', warning: 'WARNING', failure: 'FAILURE', skipped: 'skipped' };

export function formatDoctorReport(report: DoctorReport): string {
  const lines = [`veil doctor: ${report.nodeDir}`];
  for (const c of report.checks) {
    const [first = '', ...rest] = c.message.split('\n');
    lines.push(`  ${MARK[c.status]}  ${c.id}: ${first}`);
    for (const r of rest) lines.push(`             ${r}`);
    if (c.fix !== undefined && c.status !== 'ok') lines.push(`             fix: ${c.fix}`);
  }
  const failures = report.checks.filter((c) => c.status === 'failure').length;
  const warnings = report.checks.filter((c) => c.status === 'warning').length;
  lines.push(failures > 0 ? `${failures} failure(s), ${warnings} warning(s)` : warnings > 0 ? `no failure, ${warnings} warning(s)` : 'everything is ok');
  return lines.join('\n');
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check the node\'s setup: tor, control port, bootstrap, SOCKS, onion services, I2P, config safety',
  usage: 'doctor [NODEDIR] [--json]',
  help: `Checks, each reported as ok, WARNING or FAILURE with the fix:
  config          veil.cfg is valid and, with reveal-IP-address = false, leaks nothing (each leak with its safe value)
  node            the node is running
  web-port        the gateway/status port accepts connections from this machine only
  tor-binary      tor is installed, and its version
  tor-control     the control port is reachable and Veil can authenticate (cookie permissions: debian-tor group)
  tor-bootstrap   tor has bootstrapped
  tor-circuits    tor has established circuits
  onion-service:* each onion service of the node is published (its descriptor built and uploaded)
  tor-socks       the SOCKS port works: a test circuit to one of the node's own onion services
  i2p-sam         the I2P SAM bridge answers (when I2P is configured)
Only this machine is contacted (the test circuit stays inside Tor). Exit status 1 when a check fails.`,
  options: { json: { type: 'boolean' } },
  takesNodeDir: true,
  async run({ io, nodeDir, values, signal }) {
    const report = await runDoctor(nodeDir, { signal });
    print(io.stdout, values['json'] ? JSON.stringify(report, null, 2) : formatDoctorReport(report));
    return report.isHealthy ? 0 : 1;
  },
};
