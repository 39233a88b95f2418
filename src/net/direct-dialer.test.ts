import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDialerConformance } from '../../test/integration/dialer-conformance.js';
import { createDirectDialerDangerously, dialDirectDangerously } from './direct-dialer.js';

// The shared suite, on 127.0.0.1 only.
runDialerConformance('direct TCP', () => createDirectDialerDangerously(), { dialTimeoutMs: 5_000 });

test('host names are refused unless name lookup is allowed (no silent system-resolver DNS)', async () => {
  await assert.rejects(dialDirectDangerously('peer.example', 80), { code: 'VEIL_INPUT_INVALID' });
  assert.match(createDirectDialerDangerously().describe(), /reveals/);
});

test('an unbracketed IPv6 literal and a bracketed one are both dialled as IP addresses', async () => {
  // Nothing listens on ::1 port 1: refused (or unreachable where IPv6 is off), never an input error.
  for (const host of ['::1', '[::1]']) {
    await assert.rejects(dialDirectDangerously(host, 1, { timeoutMs: 5_000 }), (e: unknown) =>
      ['VEIL_DIAL_REFUSED', 'VEIL_DIAL_UNREACHABLE', 'VEIL_DIAL_FAILED'].includes((e as { code?: string }).code ?? ''),
    );
  }
});
