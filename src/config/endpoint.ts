/**
 * Local endpoints of daemons Veil talks to (Tor SOCKS/control, I2P SAM), in Tahoe's endpoint syntax:
 * `tcp:HOST:PORT`, `tcp:PORT` (host 127.0.0.1), `unix:PATH`.
 */
export type LocalEndpoint =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** The canonical string form, e.g. `tcp:127.0.0.1:9050` or `unix:/run/tor/control`. */
export function formatLocalEndpoint(e: LocalEndpoint): string {
  return e.kind === 'unix' ? `unix:${e.path}` : `tcp:${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

/** True for 127.0.0.0/8, ::1 and `localhost`: addresses that never leave the machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

/** True when the endpoint cannot reveal the node's address: a Unix socket or a loopback TCP address. */
export function isLocalOnly(e: LocalEndpoint): boolean {
  return e.kind === 'unix' || isLoopbackHost(e.host);
}
