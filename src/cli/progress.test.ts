/**
 * Transfer progress on stderr (issue #4 §4): a bar redrawn in place on a terminal (bytes done of total, percent,
 * rate), plain lines at 10 % steps otherwise, nothing when hidden (--json, --quiet). The clock is a fake.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { transferProgress } from './progress.js';
import type { CliIo } from './command.js';

function fakeIo(isTTY: boolean): { io: CliIo; text: () => string } {
  let out = '';
  const stream = { isTTY, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream & { isTTY?: boolean };
  return { io: { stdout: stream, stderr: stream, env: {}, cwd: '/' }, text: () => out };
}

const MiB = 1024 * 1024;

describe('transfer progress', () => {
  it('terminal: one bar redrawn with \\r, bytes, percent and rate; cleared at the end', () => {
    const { io, text } = fakeIo(true);
    const clock = { now: 0 };
    const p = transferProgress(io, true, () => clock.now);
    p.onProgress({ type: 'grid:upload', detail: { bytesDone: 0, bytesTotal: 40 * MiB } });
    clock.now = 2000;
    p.onProgress({ type: 'grid:upload', detail: { bytesDone: 10 * MiB, bytesTotal: 40 * MiB } });
    clock.now = 2050; // within the redraw interval: skipped
    p.onProgress({ type: 'grid:upload', detail: { bytesDone: 11 * MiB, bytesTotal: 40 * MiB } });
    p.done();
    const out = text();
    assert.match(out, /\r\x1b\[Kuploading {3}\[######-{18}\] 10\.0 MiB \/ 40\.0 MiB {2}25% {2}5\.0 MiB\/s/);
    assert.doesNotMatch(out, /11\.0 MiB/);
    assert.ok(out.endsWith('\r\x1b[K'));
    assert.doesNotMatch(out, /\n/);
  });

  it('not a terminal: a line per phase start and per 10 % step', () => {
    const { io, text } = fakeIo(false);
    const p = transferProgress(io, true, () => 0);
    for (let i = 0; i <= 20; i++) p.onProgress({ type: 'grid:download', detail: { bytesDone: i * MiB, bytesTotal: 20 * MiB } });
    p.onProgress({ type: 'grid:lease', detail: { done: 1, total: 4 } });
    p.done();
    const lines = text().trimEnd().split('\n');
    assert.equal(lines.length, 12);
    assert.equal(lines[0], 'downloading 0 B / 20.0 MiB (0%)');
    assert.equal(lines[10], 'downloading 20.0 MiB / 20.0 MiB (100%)');
    assert.equal(lines[11], 'leases 1 / 4 (25%)');
  });

  it('hidden (--json, --quiet): nothing at all; other events are ignored', () => {
    const { io, text } = fakeIo(true);
    const p = transferProgress(io, false);
    p.onProgress({ type: 'grid:upload', detail: { bytesDone: 1, bytesTotal: 2 } });
    p.done();
    const shown = fakeIo(false);
    transferProgress(shown.io, true).onProgress({ type: 'tor:bootstrap', detail: { progress: 50 } });
    assert.equal(text() + shown.text(), '');
  });
});
