/**
 * i2pd.conf text for a router Veil starts (a node's own i2pd, or a router of the private test network).
 * Option names are i2pd 2.45's (docs/configuration in the i2pd repository); the private-network choices
 * and why each is needed are in /work/shared/I2P-TESTNET.md ("Per-router options") and src/testnet/README-i2p.md.
 *
 * Private network (`network.kind = 'private'`): own netid, NTCP2 only, no reseed, no time sync, no UPnP,
 * every listener on loopback. Public network: only reached when a caller explicitly allows it.
 */
import { join } from 'node:path';

export type I2pdNetwork =
  | {
      readonly kind: 'private';
      /** Network id carried in the NTCP2 handshake and RouterInfos (public I2P is 2). */
      readonly netId: number;
      /** Loopback address this router binds and publishes (127.0.0.N). */
      readonly host: string;
      /** Allow peers on 127.0.0.0/8 (needs the patched binary on i2pd < 2.51). */
      readonly allowLoopbackPeers: boolean;
    }
  | { readonly kind: 'public' };

export interface I2pdConfOptions {
  readonly dataDir: string;
  readonly network: I2pdNetwork;
  readonly ntcp2Port: number;
  /** SAM bridge port on 127.0.0.1; undefined disables SAM. SAM also binds UDP port − 1. */
  readonly samPort?: number | undefined;
  /** Web console port on 127.0.0.1; undefined disables it. */
  readonly httpPort?: number | undefined;
  readonly floodfill?: boolean;
  readonly logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** Hops of the router's exploratory tunnels (0 on tiny test networks). */
  readonly exploratoryLength?: number;
  /** Extra raw lines appended at the end (sections allowed). Only from trusted code. */
  readonly extraConf?: string;
}

/** The files an i2pd needs besides its conf, all inside dataDir (kept out of the package's defaults). */
export function i2pdPaths(dataDir: string): { conf: string; tunconf: string; tunnelsDir: string; certsDir: string; pidFile: string; logFile: string } {
  return {
    conf: join(dataDir, 'i2pd.conf'),
    tunconf: join(dataDir, 'tunnels.conf'),
    tunnelsDir: join(dataDir, 'tunnels.d'),
    certsDir: join(dataDir, 'certificates'),
    pidFile: join(dataDir, 'i2pd.pid'),
    logFile: join(dataDir, 'i2pd.log'),
  };
}

/** Command-line arguments that pin every path inside dataDir (never /etc/i2pd or /var/lib/i2pd). */
export function i2pdArgs(dataDir: string): string[] {
  const p = i2pdPaths(dataDir);
  return [
    `--datadir=${dataDir}`,
    `--conf=${p.conf}`,
    `--tunconf=${p.tunconf}`,
    `--tunnelsdir=${p.tunnelsDir}`,
    `--certsdir=${p.certsDir}`,
    `--pidfile=${p.pidFile}`,
  ];
}

function section(name: string, entries: Record<string, string | number | boolean>): string {
  return [`[${name}]`, ...Object.entries(entries).map(([k, v]) => `${k} = ${String(v)}`), ''].join('\n');
}

export function renderI2pdConf(o: I2pdConfOptions): string {
  const paths = i2pdPaths(o.dataDir);
  const privateNet = o.network.kind === 'private' ? o.network : undefined;
  const top: Record<string, string | number | boolean> = {
    log: 'file',
    logfile: paths.logFile,
    loglevel: o.logLevel ?? 'warn',
    daemon: false,
    ipv4: true,
    ipv6: false,
    nat: false,
    floodfill: o.floodfill ?? false,
    bandwidth: 'X',
    notransit: false,
    port: o.ntcp2Port,
  };
  if (privateNet) {
    Object.assign(top, {
      netid: privateNet.netId,
      host: privateNet.host,
      address4: privateNet.host,
      reservedrange: !privateNet.allowLoopbackPeers,
    });
  }
  const parts = [
    '# Written by Veil. Do not edit: it is rewritten at every start.',
    ...Object.entries(top).map(([k, v]) => `${k} = ${String(v)}`),
    '',
    section('limits', { transittunnels: 1000 }),
    section('ntcp2', { enabled: true, published: true, port: o.ntcp2Port }),
    // SSU2 does not work on loopback even with the patch (I2P-TESTNET.md, "Other gotchas").
    section('ssu2', privateNet ? { enabled: false, published: false } : { enabled: true }),
    section('http', o.httpPort === undefined ? { enabled: false } : { enabled: true, address: '127.0.0.1', port: o.httpPort, strictheaders: false }),
    section('httpproxy', { enabled: false }),
    section('socksproxy', { enabled: false }),
    section('bob', { enabled: false }),
    section('i2cp', { enabled: false }),
    section('i2pcontrol', { enabled: false }),
    section('upnp', { enabled: false }),
    section('sam', o.samPort === undefined ? { enabled: false } : { enabled: true, address: '127.0.0.1', port: o.samPort }),
    // Address book stays enabled (i2pd < 2.54 dereferences it from SAM) but never downloads anything.
    section('addressbook', { enabled: true, defaulturl: '', subscriptions: '' }),
    section('persist', { profiles: false, addressbook: false }),
    section('meshnets', { yggdrasil: false }),
  ];
  if (privateNet) {
    parts.push(
      section('reseed', { verify: false, urls: '', yggurls: '', file: '', zipfile: '', threshold: 0 }),
      section('nettime', { enabled: false, ntpservers: '', frompeers: false }),
      section('exploratory', {
        'inbound.length': o.exploratoryLength ?? 0,
        'outbound.length': o.exploratoryLength ?? 0,
        'inbound.quantity': 2,
        'outbound.quantity': 2,
      }),
    );
  }
  if (o.extraConf) parts.push(o.extraConf.trimEnd(), '');
  return parts.join('\n');
}

/** Empty files/folders i2pd wants in its data dir so the address book fetches nothing. */
export const ADDRESSBOOK_FILES: Readonly<Record<string, string>> = Object.freeze({
  'hosts.txt': '',
  'subscriptions.txt': '# no subscriptions: Veil never lets i2pd download address books\n',
});
