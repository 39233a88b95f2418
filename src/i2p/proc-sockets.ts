/**
 * Which sockets a process holds, and which local ports are in use, read from Linux /proc (no socket is
 * opened: only src/net may do that). Used to check that an i2pd we launched listens where we told it to,
 * holds nothing off loopback, and to choose free ports.
 *
 * /proc/net/{tcp,udp}[6] (proc(5)): `local_address` and `rem_address` are hex `ADDR:PORT`; IPv4 ADDR is
 * one 32-bit word and IPv6 four, each in host (little-endian) byte order; `st` 0A is TCP LISTEN;
 * the 10th column is the socket inode, which /proc/PID/fd links name as `socket:[INODE]`.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';
import { VeilError } from '../core/index.js';

export type SocketProto = 'tcp' | 'tcp6' | 'udp' | 'udp6';

export interface ProcSocket {
  readonly proto: SocketProto;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** TCP state from /proc (0A = LISTEN, 01 = ESTABLISHED); UDP sockets show 07. */
  readonly state: string;
  readonly inode: number;
}

const PROTOS: readonly SocketProto[] = ['tcp', 'tcp6', 'udp', 'udp6'];
export const TCP_LISTEN = '0A';

function hexToIpv4(word: string): string {
  const n = parseInt(word, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

function hexToIpv6(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  // IPv4-mapped ::ffff:a.b.c.d
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}

function parseEndpoint(text: string, v6: boolean): { address: string; port: number } {
  const [addr = '', port = '0'] = text.split(':');
  return { address: v6 ? hexToIpv6(addr) : hexToIpv4(addr), port: parseInt(port, 16) };
}

/** Parses one /proc/net/<proto> table. */
export function parseProcNetTable(text: string, proto: SocketProto): ProcSocket[] {
  const out: ProcSocket[] = [];
  const v6 = proto.endsWith('6');
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = parseEndpoint(f[1]!, v6);
    const remote = parseEndpoint(f[2]!, v6);
    out.push({ proto, localAddress: local.address, localPort: local.port, remoteAddress: remote.address, remotePort: remote.port, state: f[3]!, inode: Number(f[9]) });
  }
  return out;
}

async function readTables(root: string): Promise<ProcSocket[]> {
  const all: ProcSocket[] = [];
  for (const proto of PROTOS) {
    const text = await readFile(`${root}/net/${proto}`, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return ''; // no IPv6 in this kernel/namespace
      throw err;
    });
    all.push(...parseProcNetTable(text, proto));
  }
  return all;
}

/** Every TCP/UDP socket held by process `pid` (all its threads share one fd table). */
export async function listProcessSockets(pid: number): Promise<ProcSocket[]> {
  const inodes = new Set<number>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return ''; // the fd was closed while we listed them
      throw err;
    });
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(Number(m[1]));
  }
  return (await readTables(`/proc/${pid}`)).filter((s) => inodes.has(s.inode));
}

/** Local ports in use by any TCP or UDP socket in this network namespace. */
export async function usedLocalPorts(): Promise<Set<number>> {
  return new Set((await readTables('/proc/self')).map((s) => s.localPort));
}

/** True for 127.0.0.0/8 (as printed by this module). */
export function isLoopbackV4(address: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/**
 * Picks `count` consecutive free ports (TCP and UDP) at a random place in [low, high). Consecutive ports
 * keep SAM's datagram port (SAM port − 1) free too. Throws VEIL_I2PD_PORT_BUSY. Another process may still take a port before i2pd
 * binds it; launchers check afterwards that the process really holds its ports.
 */
export async function pickFreePortBlock(count: number, low = 20_000, high = 60_000): Promise<number> {
  const used = await usedLocalPorts();
  for (let attempt = 0; attempt < 200; attempt++) {
    const start = low + Math.floor(Math.random() * (high - low - count));
    let free = true;
    for (let p = start; p < start + count; p++) if (used.has(p)) free = false;
    if (free) return start;
  }
  throw new VeilError('VEIL_I2PD_PORT_BUSY', `no block of ${count} free ports found in ${low}-${high}`);
}
