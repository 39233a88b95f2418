/**
 * Opening an authenticated control connection. The socket comes from a dialer the caller passes in
 * (src/net's connectLocal in production): src/tor never opens sockets itself.
 */
import type { Duplex } from 'node:stream';
import type { AbortOptions } from '../../core/index.js';
import type { LocalEndpoint } from '../../config/index.js';
import { TorControl, type TorControlOptions } from './client.js';
import { authenticate, type AuthenticateOptions, type AuthenticateResult } from './auth.js';

/** Gives a connected stream to a local daemon endpoint (src/net's connectLocal fits). */
export type TorDial = (endpoint: LocalEndpoint, options?: AbortOptions) => Promise<Duplex>;

export interface OpenTorControlOptions extends AuthenticateOptions, TorControlOptions {}

export interface OpenedTorControl {
  readonly control: TorControl;
  readonly auth: AuthenticateResult;
}

/**
 * Dials `endpoint`, authenticates (see authenticate()) and returns the ready client. On any failure the
 * half-open connection is closed before rejecting. Throws whatever `dial` throws, VEIL_TOR_AUTH_*,
 * VEIL_TOR_CONTROL_*; honours `signal`.
 */
export async function openTorControl(dial: TorDial, endpoint: LocalEndpoint, options: OpenTorControlOptions = {}): Promise<OpenedTorControl> {
  const socket = await dial(endpoint, { signal: options.signal });
  const control = new TorControl(socket, options);
  try {
    const auth = await authenticate(control, options);
    return { control, auth };
  } catch (err) {
    await control.close();
    throw err;
  }
}
