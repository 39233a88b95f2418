/**
 * Test-only helpers for suites that serve peers on loopback (not exported from src/net/index.ts).
 */
import { connect } from 'node:net';
import type { StreamOpener } from './http-over-dialer.js';

/** A StreamOpener that connects to 127.0.0.1:`port` (a test server), ignoring the URL's host and port. */
export const loopbackOpener =
  (port: number): StreamOpener =>
  async () => {
    const s = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
    return s;
  };
