/**
 * Turns typed progress events into progress lines on stderr (a single updating line on a terminal).
 */
import type { ProgressListener } from '../core/index.js';
import type { CliIo } from './command.js';

const LABELS: Readonly<Record<string, (d: Record<string, unknown>) => string>> = {
  'tor:bootstrap': (d) => `Tor bootstrap ${String(d['progress'] ?? '?')}%${d['summary'] ? ` (${String(d['summary'])})` : ''}`,
  'tor:launched': () => 'tor started',
  'onion:creating': () => 'creating the onion service key',
  'onion:created': () => 'onion service key saved',
  'onion:published': () => 'onion service published, waiting for its descriptor upload',
  'onion:descriptor-uploaded': () => 'onion service descriptor uploaded',
  'i2p:creating-destination': () => 'creating the I2P destination',
  'i2p:destination-created': () => 'I2P destination saved',
  'onion:saved-published': (d) => `onion service ${String(d['name'] ?? '')} published`,
  'onion:saved-withdrawn': (d) => `onion service ${String(d['name'] ?? '')} withdrawn`,
  'onion:saved-failed': (d) => `onion service ${String(d['name'] ?? '')} could not be published`,
  'i2p:session-creating': () => 'creating the I2P session (tunnels take a few seconds)',
  'i2p:session-ready': () => 'I2P session ready',
  'tor:reconnecting': () => 'lost the Tor daemon: reconnecting',
  'tor:reconnected': () => 'reconnected to the Tor daemon',
};

export function progressPrinter(io: CliIo): ProgressListener {
  const tty = io.stderr.isTTY === true;
  let last = '';
  return (event) => {
    const label = LABELS[event.type];
    if (!label) return;
    const text = label(event.detail);
    if (text === last) return;
    last = text;
    io.stderr.write(tty ? `\r\x1b[K${text}` + (event.type.endsWith('uploaded') || event.type.endsWith('created') ? '\n' : '') : `${text}\n`);
  };
}
