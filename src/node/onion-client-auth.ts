/**
 * Veil as a client of onion services that require v3 client authorization: giving tor the client's x25519
 * private key with ONION_CLIENT_AUTH_ADD / _REMOVE / _VIEW (control-spec 3.30-3.32), typed on top of
 * TorControl.send(). (The alternative, a ClientOnionAuthDir of `.auth_private` files, needs a torrc change
 * and a tor restart; the control commands work on a running tor.)
 */
import { VeilError, quoteUntrusted, type AbortOptions } from '../core/index.js';
import { parseReplyArguments, type TorControl } from '../tor/index.js';
import { assertOnionName } from './onion-target.js';
import { clientAuthKeyForControl, parseAuthPrivateLine, type ClientAuthCredential } from './onion-keys.js';

export interface ClientAuthAddOptions extends AbortOptions {
  /** ClientName= (a label tor keeps with the key). */
  readonly clientName?: string | undefined;
  /** Flags=Permanent: tor also writes the key to its ClientOnionAuthDir (needs one configured). */
  readonly permanent?: boolean | undefined;
}

/**
 * Gives tor a client authorization key for an onion service. `credential` is a parsed ClientOnionAuthDir line
 * or the line itself. Tor re-reads a cached descriptor it could not decrypt before. Throws
 * VEIL_ONION_CLIENT_KEY_INVALID, VEIL_TOR_CONTROL_REJECTED (e.g. a Permanent key without ClientOnionAuthDir),
 * VEIL_TOR_CONTROL_CLOSED; honours `signal`. The key is never logged or quoted.
 */
export async function addOnionClientAuth(control: TorControl, credential: ClientAuthCredential | string, options: ClientAuthAddOptions = {}): Promise<void> {
  const c = typeof credential === 'string' ? parseAuthPrivateLine(credential) : credential;
  const args = [c.serviceId, clientAuthKeyForControl(c.privateKey)];
  if (options.clientName !== undefined) {
    assertOnionName(options.clientName, 'client name');
    args.push(`ClientName=${options.clientName}`);
  }
  if (options.permanent) args.push('Flags=Permanent');
  await control.send('ONION_CLIENT_AUTH_ADD', args, options);
}

/** Removes tor's client authorization key for `serviceId` (56 characters, no ".onion"). Resolves false when there was none. */
export async function removeOnionClientAuth(control: TorControl, serviceId: string, options: AbortOptions = {}): Promise<boolean> {
  const id = serviceId.toLowerCase().replace(/\.onion$/, '');
  if (!/^[a-z2-7]{56}$/.test(id)) throw new VeilError('VEIL_TOR_ONION_ADDRESS_INVALID', `not a v3 onion service id: ${quoteUntrusted(serviceId, 70)}`);
  const reply = await control.sendRaw('ONION_CLIENT_AUTH_REMOVE', [id], options);
  // control-spec 3.31: 250 removed; 251 "Client credentials for this onion service did not exist".
  if (reply.status === 251) return false;
  if (reply.status >= 200 && reply.status <= 299) return true;
  throw new VeilError('VEIL_TOR_CONTROL_REJECTED', `Tor rejected ONION_CLIENT_AUTH_REMOVE: ${reply.status} ${quoteUntrusted(reply.lines.map((l) => l.text).join(' / '), 160)}`, {
    details: { command: 'ONION_CLIENT_AUTH_REMOVE', status: reply.status },
  });
}

export interface ClientAuthEntry {
  readonly serviceId: string;
  readonly clientName: string | undefined;
  readonly isPermanent: boolean;
}

/** Lists the client authorization keys tor holds (never the keys themselves). Honours `signal`. */
export async function viewOnionClientAuth(control: TorControl, options: AbortOptions = {}): Promise<ClientAuthEntry[]> {
  const reply = await control.send('ONION_CLIENT_AUTH_VIEW', [], options);
  const out: ClientAuthEntry[] = [];
  for (const line of reply.lines) {
    // control-spec 3.32: `250-CLIENT HSAddress KeyType:PrivateKeyBlob [ClientName=…] [Flags=…]`
    const { positional, keywords } = parseReplyArguments(line.text);
    if (positional[0] !== 'CLIENT' || positional[1] === undefined) continue;
    out.push({
      serviceId: positional[1],
      clientName: keywords.get('ClientName'),
      isPermanent: (keywords.get('Flags') ?? '').split(',').includes('Permanent'),
    });
  }
  return out;
}
