/**
 * Leak audit: runs a command under `strace -f -e trace=connect,sendto,sendmsg` and lists every socket address it
 * contacted, so a test can assert that a node which hides its IP only ever talks to the local Tor SOCKS/control
 * ports, the SAM bridge, or Unix sockets. Any direct dial added anywhere shows up here.
 */
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type AuditedAddress =
  | { readonly family: 'inet' | 'inet6'; readonly host: string; readonly port: number; readonly call: string; readonly line: string }
  | { readonly family: 'unix'; readonly path: string; readonly call: string; readonly line: string };

const INET = /sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)/;
const INET6 = /sa_family=AF_INET6, sin6_port=htons\((\d+)\),.*?inet_pton\(AF_INET6, "([^"]+)"/;
const UNIX = /sa_family=AF_UNIX, sun_path=@?"([^"]*)"/;
const CALL = /\b(connect|sendto|sendmsg)\(/;

/** Parses strace output (with -f, possibly with "[pid N]" or "N " prefixes) into the addresses contacted. */
export function parseStraceAddresses(text: string): AuditedAddress[] {
  const out: AuditedAddress[] = [];
  for (const line of text.split('\n')) {
    const call = CALL.exec(line)?.[1];
    if (!call) continue;
    const inet = INET.exec(line);
    if (inet) {
      out.push({ family: 'inet', host: inet[2]!, port: Number(inet[1]), call, line });
      continue;
    }
    const inet6 = INET6.exec(line);
    if (inet6) {
      out.push({ family: 'inet6', host: inet6[2]!, port: Number(inet6[1]), call, line });
      continue;
    }
    const unix = UNIX.exec(line);
    if (unix) out.push({ family: 'unix', path: unix[1]!, call, line });
  }
  return out;
}

export interface AuditResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly addresses: AuditedAddress[];
}

/**
 * Runs `argv` under strace until it exits or `signal` fires (then SIGTERM to strace, which forwards nothing:
 * we signal the traced command's process group through strace's own exit). Returns every contacted address.
 */
export async function runAudited(
  argv: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; signal?: AbortSignal; onStdout?: (chunk: string) => void } = {},
): Promise<AuditResult> {
  const dir = mkdtempSync(join(tmpdir(), 'veil-audit-'));
  const traceFile = join(dir, 'trace');
  try {
    const child = spawn('strace', ['-f', '-qq', '-e', 'trace=connect,sendto,sendmsg', '-o', traceFile, '--', ...argv], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      options.onStdout?.(c);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const onAbort = (): void => void child.kill('SIGINT');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    options.signal?.removeEventListener('abort', onAbort);
    const addresses = parseStraceAddresses(readFileSync(traceFile, 'utf8'));
    return { exitCode, stdout, stderr, addresses };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Addresses outside `allowed` (a predicate), and any datagram to port 53: the leaks. */
export function findLeaks(addresses: readonly AuditedAddress[], allowed: (a: AuditedAddress) => boolean): AuditedAddress[] {
  return addresses.filter((a) => (a.family !== 'unix' && a.port === 53) || !allowed(a));
}
