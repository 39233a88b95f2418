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

/** Phases of a grid transfer, by event type, and their label. */
const TRANSFER_LABELS: Readonly<Record<string, (d: Record<string, unknown>) => string>> = {
  'grid:import': (d) => (d['phase'] === 'encrypt' ? 'encrypting' : 'importing'),
  'grid:upload': () => 'uploading',
  'grid:download': () => 'downloading',
  'grid:lease': () => 'leases',
};
const BAR_WIDTH = 24;
/** Shortest time between two redraws of a terminal bar (ms). */
const REDRAW_MS = 100;

/** `12.3 MiB` style sizes for progress lines. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

export interface TransferProgress {
  readonly onProgress: ProgressListener;
  /** Ends the display (clears a terminal bar). */
  done(): void;
}

/**
 * Progress of `veil put`/`get`/`lease` on stderr: on a terminal one bar redrawn in place (phase, bytes done of
 * total, percentage, rate); otherwise a plain line when a phase starts and at every 10 % (every 64 MiB when the
 * total is unknown). Shows nothing when `isShown` is false (--json, --quiet). `now` is the clock (tests).
 */
export function transferProgress(io: CliIo, isShown: boolean, now: () => number = Date.now): TransferProgress {
  const tty = io.stderr.isTTY === true;
  let phase = '';
  let started = 0;
  let lastDraw = 0;
  let lastStep = -1;
  let isDirty = false;
  const isCount = (type: string): boolean => type === 'grid:lease';
  return {
    onProgress: (event) => {
      const label = TRANSFER_LABELS[event.type];
      if (!isShown || !label) return;
      const d = event.detail;
      const name = label(d);
      const doneN = Number(d['bytesDone'] ?? d['done'] ?? 0);
      const totalRaw = d['bytesTotal'] ?? d['total'];
      const total = typeof totalRaw === 'number' && totalRaw > 0 ? totalRaw : undefined;
      const t = now();
      if (name !== phase) {
        phase = name;
        started = t;
        lastStep = -1;
        lastDraw = 0;
        if (tty && isDirty) io.stderr.write('\n');
      }
      const fmt = isCount(event.type) ? (n: number) => String(n) : formatBytes;
      const pct = total ? Math.min(100, Math.floor((doneN * 100) / total)) : undefined;
      const amount = `${fmt(doneN)}${total ? ` / ${fmt(total)}` : ''}`;
      if (tty) {
        if (t - lastDraw < REDRAW_MS && doneN !== total) return;
        lastDraw = t;
        const seconds = (t - started) / 1000;
        const rate = !isCount(event.type) && seconds > 0 ? `  ${formatBytes(Math.round(doneN / seconds))}/s` : '';
        const filled = pct === undefined ? 0 : Math.round((pct * BAR_WIDTH) / 100);
        const bar = pct === undefined ? '' : `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] `;
        io.stderr.write(`\r\x1b[K${name.padEnd(11)} ${bar}${amount}${pct === undefined ? '' : `  ${pct}%`}${rate}`);
        isDirty = true;
        return;
      }
      const step = pct !== undefined ? Math.floor(pct / 10) : Math.floor(doneN / (64 * 1024 * 1024));
      if (step === lastStep) return;
      lastStep = step;
      io.stderr.write(`${name} ${amount}${pct === undefined ? '' : ` (${pct}%)`}\n`);
    },
    done: () => {
      if (tty && isDirty) io.stderr.write('\r\x1b[K');
      isDirty = false;
    },
  };
}
