/**
 * `veil create-node` / `create-client` / `create-introducer` option rules (Tahoe's, cases N1–N14 of
 * TAHOE-BEHAVIOURS.md), as a pure function from options to a plan: the veil.cfg values to write and the keys to
 * make (an onion service key, an I2P destination). One difference from Tahoe, on purpose: Veil never writes a
 * configuration it would then refuse to run (create.ts validates the result before anything is written).
 */
import { VeilError } from '../core/index.js';
import type { NodeConfigValues } from '../config/index.js';

export const LISTEN_CHOICES = ['i2p', 'none', 'tcp', 'tor'] as const;
export type ListenChoice = (typeof LISTEN_CHOICES)[number];
export type NodeKind = 'node' | 'client' | 'introducer';

/** Tahoe's default virtual port for onion services and I2P destinations (N9, N11). */
export const DEFAULT_EXTERNAL_PORT = 3457;
export const ONION_KEY_FILE = 'private/tor_onion.privkey';
export const I2P_KEY_FILE = 'private/i2p_dest.privkey';

export interface CreateNodeOptions {
  readonly kind: NodeKind;
  /** --listen, comma-separated (default "tcp", as Tahoe). */
  readonly listen?: string | undefined;
  readonly hideIp?: boolean | undefined;
  readonly port?: string | undefined;
  readonly location?: string | undefined;
  readonly hostname?: string | undefined;
  readonly nickname?: string | undefined;
  readonly introducer?: string | undefined;
  readonly webport?: string | undefined;
  readonly torLaunch?: boolean | undefined;
  readonly torControlPort?: string | undefined;
  readonly torExecutable?: string | undefined;
  readonly i2pLaunch?: boolean | undefined;
  readonly i2pSamPort?: string | undefined;
  readonly i2pExecutable?: string | undefined;
  /** --tcp: how tcp: hints are reached with --hide-ip (Veil extension): tor (default) or disabled (I2P-only nodes). */
  readonly tcp?: string | undefined;
  /** --storage / --no-storage for create-node (default: storage on for create-node, off for create-client). */
  readonly storage?: boolean | undefined;
}

export interface CreatePlan {
  readonly kind: NodeKind;
  readonly listen: readonly ListenChoice[];
  /** Values for veil.cfg; `tub.port`/`tub.location` entries for tor/i2p are filled in once the keys exist. */
  readonly values: NodeConfigValues;
  /** Listen on tcp: allocate a port (no --port given). */
  readonly allocateTcpPort: boolean;
  readonly hostname: string | undefined;
  /** Make an onion service key: how to reach tor for it. */
  readonly onion: { readonly launch: boolean; readonly controlPort: string | undefined } | undefined;
  /** Make an I2P destination: how to reach the SAM bridge. */
  readonly i2p: { readonly launch: boolean; readonly samPort: string | undefined } | undefined;
}

function usage(message: string, hint?: string): VeilError {
  return new VeilError('VEIL_INPUT_INVALID', message, hint === undefined ? {} : { hint });
}

/** Parses --listen (N4): a comma list of i2p, none, tcp, tor. */
export function parseListen(text: string): ListenChoice[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => !(LISTEN_CHOICES as readonly string[]).includes(p))) {
    throw usage(`--listen= must be one/some of: ${LISTEN_CHOICES.join(', ')}`);
  }
  const uniq = [...new Set(parts)] as ListenChoice[];
  if (uniq.includes('none') && uniq.length > 1) throw usage('--listen=none cannot be combined with other listeners');
  return uniq;
}

/** Checks the options (Tahoe's rules, N1–N14) and returns the plan. Throws VEIL_INPUT_INVALID. */
export function planCreateNode(o: CreateNodeOptions): CreatePlan {
  if (o.kind === 'client' && (o.listen !== undefined || o.location !== undefined || o.port !== undefined || o.hostname !== undefined)) {
    throw usage('create-client does not listen: --listen, --hostname, --location and --port are not accepted', 'use create-node for a node that listens');
  }
  const listen = o.kind === 'client' ? (['none'] as ListenChoice[]) : parseListen(o.listen ?? 'tcp');
  const has = (l: ListenChoice): boolean => listen.includes(l);

  // N8: Tor and I2P daemon options.
  if (o.torLaunch && o.torControlPort !== undefined) throw usage('use either --tor-launch or --tor-control-port=, not both');
  if (o.i2pLaunch && o.i2pSamPort !== undefined) throw usage('use either --i2p-launch or --i2p-sam-port=, not both');
  if (!has('tor') && !(o.hideIp && o.kind === 'client')) {
    if (o.torLaunch) throw usage('--tor-launch requires --listen=tor');
    if (o.torControlPort !== undefined) throw usage('--tor-control-port= requires --listen=tor');
  }
  // A client may name its SAM bridge (to reach i2p: servers); a node only with --listen=i2p (N8).
  if (!has('i2p') && o.kind !== 'client') {
    if (o.i2pLaunch) throw usage('--i2p-launch requires --listen=i2p');
    if (o.i2pSamPort !== undefined) throw usage('--i2p-sam-port= requires --listen=i2p');
  }
  if (o.kind === 'client' && o.i2pLaunch) throw usage('--i2p-launch is not available for create-client yet', 'run an i2pd with SAM enabled and give --i2p-sam-port=');
  if (o.tcp !== undefined && o.tcp !== 'tor' && o.tcp !== 'disabled') throw usage(`--tcp= must be tor or disabled, not ${JSON.stringify(o.tcp)}`);
  if (o.tcp !== undefined && !o.hideIp) throw usage('--tcp= goes with --hide-ip (without it, tcp: hints are dialed directly)');
  // N5, N6: explicit --port/--location and --hostname.
  if (has('none')) {
    if (o.hostname !== undefined) throw usage('--hostname cannot be used when --listen=none');
    if (o.port !== undefined || o.location !== undefined) throw usage('--port/--location cannot be used when --listen=none');
  }
  if (o.location !== undefined && o.port === undefined) throw usage('--location must be used with --port');
  if (o.port !== undefined && o.location === undefined) throw usage('--port must be used with --location');
  const explicit = o.port !== undefined && o.location !== undefined;
  if (explicit && o.hostname !== undefined) throw usage('--hostname cannot be used with --location/--port');
  // N4: --hostname goes with tcp.
  if (o.hostname !== undefined && !has('tcp')) throw usage('--listen= must be tcp to use --hostname');
  if (has('tcp') && !explicit && o.hostname === undefined) {
    throw usage('--listen=tcp requires --hostname=', o.hideIp ? 'a node that hides its IP listens on Tor or I2P: use --listen=tor (or i2p, or none)' : 'give the host name or IP address peers use to reach this node');
  }
  if (o.hideIp && has('tcp')) {
    throw usage('--hide-ip cannot be used with --listen=tcp: a tcp: location reveals the IP address', 'use --listen=tor or --listen=i2p (or both)');
  }

  const node: Record<string, string | boolean | undefined> = {
    nickname: o.nickname,
    'web.port': o.webport,
  };
  const values: { -readonly [K in keyof NodeConfigValues]: Record<string, string | number | boolean | undefined> } = { node };
  if (o.hideIp) {
    node['reveal-IP-address'] = false;
    values.connections = { tcp: o.tcp ?? 'tor' }; // N1
  }
  if (explicit) {
    node['tub.port'] = o.port; // N7: verbatim
    node['tub.location'] = o.location;
  } else if (has('none')) {
    node['tub.port'] = 'disabled';
    node['tub.location'] = 'disabled';
  }
  if (o.kind !== 'introducer') {
    values.client = { 'introducer.furl': o.introducer };
    values.storage = { enabled: o.storage ?? (o.kind === 'node' && !has('none')) };
  } else {
    // L5: an introducer that does not listen would serve nobody.
    if (has('none')) throw usage('an introducer must listen: --listen=none cannot be used with create-introducer', 'use --listen=tor (or i2p, or tcp with --hostname)');
    if (o.introducer !== undefined) throw usage('create-introducer does not take --introducer: it is the introducer');
    if (o.storage === true) throw usage('create-introducer does not offer storage');
    values.introducer = { enabled: true };
  }
  const onion = has('tor') && !explicit ? { launch: o.torLaunch === true, controlPort: o.torControlPort } : undefined;
  if (has('tor') || o.torLaunch || o.torControlPort !== undefined) {
    values.tor = {
      launch: o.torLaunch ? true : undefined,
      'control.port': o.torControlPort,
      'tor.executable': o.torExecutable,
    };
  }
  const i2p = has('i2p') && !explicit ? { launch: o.i2pLaunch === true, samPort: o.i2pSamPort } : undefined;
  if (has('i2p') || o.i2pSamPort !== undefined) {
    values.i2p = { launch: o.i2pLaunch ? true : undefined, 'sam.port': o.i2pSamPort, 'i2p.executable': o.i2pExecutable };
  }
  return {
    kind: o.kind,
    listen,
    values: values as NodeConfigValues,
    allocateTcpPort: has('tcp') && !explicit,
    hostname: o.hostname,
    onion,
    i2p,
  };
}
