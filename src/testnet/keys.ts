/**
 * Offline key material for the private network, made before any tor starts:
 * - each authority's v3 identity key, signing key and certificate (tor-gencert(1), dir-spec 3.1 "key
 *   certificates"), whose `fingerprint` line is the v3ident of its DirAuthority line;
 * - each relay's RSA identity key, made by `tor --list-fingerprint` with a DisableNetwork torrc, whose
 *   fingerprint goes into the DirAuthority line (authorities) and into TestingDirAuthVoteExit (exits).
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError, abortError, quoteUntrusted, throwIfAborted, type AbortOptions } from '../core/index.js';
import { fingerprintTorrc } from './torrc.js';

const MAX_OUTPUT_BYTES = 64 * 1024;

export interface ToolPaths {
  readonly torBinary: string;
  readonly torGencertBinary: string;
  /** The empty file passed as --defaults-torrc (never /etc/tor/torrc). */
  readonly emptyTorrc: string;
}

/**
 * Creates keys/authority_{identity_key,signing_key,certificate} in `dataDir` (12 months, address
 * 127.0.0.1:dirPort, empty passphrase on fd 0) and returns the v3 identity fingerprint (40 upper-case hex).
 * Throws VEIL_TESTNET_TOOL_FAILED. Honours `signal`.
 */
export async function makeAuthorityKeys(tools: ToolPaths, dataDir: string, dirPort: number, options: AbortOptions = {}): Promise<string> {
  const keys = join(dataDir, 'keys');
  await mkdir(keys, { recursive: true, mode: 0o700 });
  const cert = join(keys, 'authority_certificate');
  await runTool(
    tools.torGencertBinary,
    ['--create-identity-key', '--passphrase-fd', '0', '-m', '12', '-a', `127.0.0.1:${dirPort}`,
      '-i', join(keys, 'authority_identity_key'), '-s', join(keys, 'authority_signing_key'), '-c', cert],
    '\n',
    options,
  );
  const text = await readFile(cert, 'latin1');
  const m = /^fingerprint ([0-9A-F]{40})$/m.exec(text);
  if (!m?.[1]) {
    throw new VeilError('VEIL_TESTNET_TOOL_FAILED', `tor-gencert wrote a certificate without a fingerprint line: ${quoteUntrusted(text)}`);
  }
  return m[1];
}

/**
 * Creates the relay identity key in `dataDir` with `tor --list-fingerprint` and returns its fingerprint
 * (40 upper-case hex, from the `fingerprint` file tor writes). Throws VEIL_TESTNET_TOOL_FAILED. Honours `signal`.
 */
export async function makeRelayIdentity(
  tools: ToolPaths,
  nickname: string,
  dataDir: string,
  orPort: number,
  options: AbortOptions = {},
): Promise<string> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const torrc = join(dataDir, 'fingerprint.torrc');
  await writeFile(torrc, fingerprintTorrc(nickname, dataDir, orPort));
  await runTool(tools.torBinary, ['--list-fingerprint', '-f', torrc, '--defaults-torrc', tools.emptyTorrc], '', options);
  const text = await readFile(join(dataDir, 'fingerprint'), 'latin1');
  const m = /^(\S+) ([0-9A-F]{40})\s*$/.exec(text);
  if (!m?.[2] || m[1] !== nickname) {
    throw new VeilError('VEIL_TESTNET_TOOL_FAILED', `tor --list-fingerprint wrote an unexpected fingerprint file: ${quoteUntrusted(text)}`);
  }
  return m[2];
}

/** Runs a short-lived tool to completion; rejects with VEIL_TESTNET_TOOL_FAILED quoting its output. */
async function runTool(binary: string, args: readonly string[], stdin: string, options: AbortOptions): Promise<void> {
  const what = `run ${binary}`;
  throwIfAborted(options.signal, what);
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let size = 0;
  const collect = (chunk: Buffer): void => {
    if (size >= MAX_OUTPUT_BYTES) return;
    chunks.push(chunk);
    size += chunk.length;
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  child.stdin.on('error', () => undefined); // EPIPE when the tool exits early: its exit status says what happened.
  child.stdin.end(stdin);
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(new VeilError('VEIL_TESTNET_TOOL_FAILED', `cannot ${what}: ${err.code ?? err.message}`, { cause: err }));
    });
    child.once('close', (code, sig) => {
      if (code === 0) {
        resolve();
        return;
      }
      const output = Buffer.concat(chunks).toString('utf8').trim().split('\n').slice(-5).join(' | ');
      reject(new VeilError('VEIL_TESTNET_TOOL_FAILED', `${binary} ${args[0] ?? ''} failed (${sig ?? `exit ${code}`}): ${quoteUntrusted(output, 400)}`));
    });
  });
  // On abort: kill, wait for the exit (nothing half-built survives), then reject with VEIL_ABORTED.
  const { signal } = options;
  const onAbort = (): void => {
    child.kill('SIGKILL');
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await done;
  } catch (err) {
    if (signal?.aborted) throw abortError(signal, what);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
