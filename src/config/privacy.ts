/**
 * The IP-leak check for `[node] reveal-IP-address = false` (P1–P12 of TAHOE-BEHAVIOURS.md, anonymity-
 * configuration.rst). Like Tahoe, the flag only vetoes: it changes no behaviour, it lists every setting that
 * would reveal the node's IP address together with a safe value. Beyond Tahoe (P12's gap), Veil also checks
 * that every listener binds loopback, that web.port and the Tor / I2P daemon endpoints are loopback or Unix
 * sockets, and that tor: hints in tub.location name onion services.
 */
import { formatListenEndpoint, formatLocalEndpoint, isLocalOnly, isLocalOnlyListener, type LocalEndpoint } from './endpoint.js';
import { formatLocationEntry } from './hints.js';
import { classifyHost } from './host.js';
import type { IpLeak } from './problems.js';
import type { ConfigReader } from './reader.js';
import type { SectionName } from './defaults.js';
import type { I2pSection, NodeSection, TcpHandlerSetting, TorSection } from './types.js';

export interface PrivacyInputs {
  readonly node: NodeSection;
  readonly tcp: TcpHandlerSetting;
  readonly tor: TorSection;
  readonly i2p: I2pSection;
}

/** The leaks of a configuration; empty when `reveal-IP-address` is true (the flag only vetoes, P12). */
export function findIpLeaks(r: ConfigReader, c: PrivacyInputs): IpLeak[] {
  if (c.node.revealIpAddress) return [];
  const leaks: IpLeak[] = [];
  const leak = (section: SectionName, key: string, safeValue: string, reason: string): void => {
    const ref = r.ref(section, key);
    leaks.push({ ...ref, value: r.value(section, key), safeValue, reason });
  };

  // P1 (and P2/P3: disabled and tor are safe).
  if (c.tcp === 'tcp') leak('connections', 'tcp', 'tor', 'direct TCP connections reveal the IP address to every server and introducer');

  // Listeners must accept only local connections (the local tor / i2pd forwards to them).
  const port = c.node.tubPort;
  if (port.kind === 'auto') {
    leak('node', 'tub.port', 'tcp:PORT:interface=127.0.0.1 (or disabled)', 'an allocated port listens on all interfaces');
  } else if (port.kind === 'listeners') {
    const bad = port.listeners.filter((l) => !isLocalOnlyListener(l));
    if (bad.length > 0) {
      const safe = port.listeners.map((l) => (isLocalOnlyListener(l) || l.kind !== 'tcp' ? formatListenEndpoint(l) : `tcp:${l.port}:interface=127.0.0.1`));
      leak('node', 'tub.port', safe.join(','), `${bad.map(formatListenEndpoint).join(', ')} accepts connections from other machines`);
    }
  }

  // P4, P5, and tor: hints that name a reachable host rather than an onion service.
  const loc = c.node.tubLocation;
  if (loc.kind === 'entries') {
    const reasons: string[] = [];
    if (loc.entries.some((e) => e.kind === 'auto')) reasons.push('tub.location uses AUTO, which advertises the local IP addresses');
    if (loc.entries.some((e) => e.kind === 'tcp')) reasons.push('tub.location includes a tcp: hint, which advertises a reachable address');
    if (loc.entries.some((e) => e.kind === 'tor' && classifyHost(e.host).kind !== 'onion')) {
      reasons.push('tub.location includes a tor: hint that is not an onion service');
    }
    if (reasons.length > 0) {
      const kept = loc.entries.filter((e) => (e.kind === 'tor' && classifyHost(e.host).kind === 'onion') || e.kind === 'i2p');
      const safe = kept.length > 0 ? kept.map(formatLocationEntry).join(',') : 'disabled (or tor:ONION.onion:PORT)';
      leak('node', 'tub.location', safe, reasons.join('; '));
    }
  }

  // Beyond Tahoe (P12): the web port and the daemons we talk to must be on this machine.
  if (c.node.webPort && !isLocalOnlyListener(c.node.webPort)) {
    const safe = c.node.webPort.kind === 'tcp' ? `tcp:${c.node.webPort.port}:interface=127.0.0.1` : 'disabled';
    leak('node', 'web.port', safe, 'the gateway would accept connections from other machines');
  }
  const daemon = (section: 'tor' | 'i2p', key: string, e: LocalEndpoint | undefined, safePort: number): void => {
    if (!e || isLocalOnly(e)) return;
    leak(section, key, `tcp:127.0.0.1:${e.kind === 'tcp' ? e.port : safePort} (or unix:PATH)`, `${formatLocalEndpoint(e)} is not on this machine: traffic to it leaves unprotected`);
  };
  if (c.tor.enabled) {
    daemon('tor', 'socks.port', c.tor.socksPort, 9050);
    daemon('tor', 'control.port', c.tor.controlPort, 9051);
  }
  if (c.i2p.enabled) daemon('i2p', 'sam.port', c.i2p.samPort, 7656);
  return leaks;
}
