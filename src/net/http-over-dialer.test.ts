import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { isVeilError } from '../core/index.js';
import { dialDirectDangerously } from './direct-dialer.js';
import { createDialerAgent, httpRequest, routerStreamOpener, type StreamOpener } from './http-over-dialer.js';
import { Router } from './router.js';

// A self-signed test certificate for doh.example.test and 127.0.0.1 (ECDSA P-256, valid 100 years). Test only.
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBsTCCAVagAwIBAgIUGnEiiYDGsC9f7HXiBweD7JrRv5swCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQZG9oLmV4YW1wbGUudGVzdDAgFw0yNjExMjQwNTQ3MzZaGA8y
MTI2MTAzMTA1NDczNlowGzEZMBcGA1UEAwwQZG9oLmV4YW1wbGUudGVzdDBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABG+RODzK+5HbiCfPk49gUmCzitFl4N56/+Ye
5TriTZjvOGfkRLsKI8lVqP7CfHOJTmZn7DzJRB8c0y0cJ061ZhSjdjB0MB0GA1Ud
DgQWBBQWSh8LKK0HcMzG1arWgm1k58g5zzAfBgNVHSMEGDAWgBQWSh8LKK0HcMzG
1arWgm1k58g5zzAPBgNVHRMBAf8EBTADAQH/MCEGA1UdEQQaMBiCEGRvaC5leGFt
cGxlLnRlc3SHBH8AAAEwCgYIKoZIzj0EAwIDSQAwRgIhAPXRDCReGAazmeh7bhY3
08Rlxk/W8RBk2ypQMeFECPh/AiEA9wPG+2zAZ8Kwil9A5R5TrAqz723uQ3Z4NZoE
2nAifvE=
-----END CERTIFICATE-----`;
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgyB/HkXg8ICHxcRiX
Fcqhk2CWv/sWHujgS0Xf99/RdHihRANCAARvkTg8yvuR24gnz5OPYFJgs4rRZeDe
ev/mHuU64k2Y7zhn5ES7CiPJVaj+wnxziU5mZ+w8yUQfHNMtHCdOtWYU
-----END PRIVATE KEY-----`;

function handler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(4096, 1));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'x-seen-host': String(req.headers.host) });
    res.end(`${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`);
  });
}

/** An opener that records the names it was asked for and connects every one of them to 127.0.0.1. */
function recordingOpener(seen: string[]): StreamOpener {
  return (host, port, options) => {
    seen.push(`${host}:${port}`);
    return dialDirectDangerously('127.0.0.1', port, options);
  };
}

test('http: requests go through the opener with the host name unresolved; bodies are limited', async () => {
  const server = createHttpServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const seen: string[] = [];
  const agent = createDialerAgent({ open: recordingOpener(seen) });
  try {
    const res = await httpRequest(agent, `http://resolver.example.test:${port}/q?x=1`, { method: 'POST', body: Buffer.from('hi'), headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 200);
    assert.equal(Buffer.from(res.body).toString(), 'POST /q?x=1 hi');
    assert.equal(res.headers.get('x-seen-host'), `resolver.example.test:${port}`);
    assert.deepEqual(seen, [`resolver.example.test:${port}`]);
    await assert.rejects(httpRequest(agent, `http://resolver.example.test:${port}/big`, { maxBodyBytes: 100 }), (e: unknown) => isVeilError(e, 'VEIL_HTTP_BODY_TOO_LARGE'));
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(httpRequest(agent, `http://resolver.example.test:${port}/`, { signal: aborted.signal }), (e: unknown) => isVeilError(e, 'VEIL_ABORTED'));
  } finally {
    await agent.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('https: TLS runs over the dialed stream, checks the certificate against the name, and refuses unknown CAs', async () => {
  const server = createHttpsServer({ cert: TEST_CERT, key: TEST_KEY }, handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const seen: string[] = [];
  const trusting = createDialerAgent({ open: recordingOpener(seen), ca: TEST_CERT });
  const untrusting = createDialerAgent({ open: recordingOpener(seen) });
  try {
    const res = await httpRequest(trusting, `https://doh.example.test:${port}/dns-query`);
    assert.equal(Buffer.from(res.body).toString(), 'GET /dns-query ');
    await assert.rejects(httpRequest(untrusting, `https://doh.example.test:${port}/`), (e: unknown) => isVeilError(e, 'VEIL_HTTP_REQUEST_FAILED'));
    // the certificate names doh.example.test, not other.example.test
    await assert.rejects(httpRequest(trusting, `https://other.example.test:${port}/`), (e: unknown) => isVeilError(e, 'VEIL_HTTP_REQUEST_FAILED'));
    assert.ok(seen.every((s) => s.endsWith(`:${port}`) && !s.startsWith('127.')), 'names were handed to the opener, never resolved here');
  } finally {
    await trusting.close();
    await untrusting.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('routerStreamOpener dials a tcp: hint under the router policy (no handler: VEIL_ROUTE_NO_HANDLER, nothing opened)', async () => {
  const none = { handler: 'none' as const, reason: 'test' };
  const router = new Router({ revealIpAddress: false, handlers: { tcp: none, tor: none, i2p: none }, allowLoopbackExit: false }, {});
  const agent = createDialerAgent({ open: routerStreamOpener(router, 'doh:test') });
  try {
    await assert.rejects(httpRequest(agent, 'http://127.0.0.1:9/'), (e: unknown) => isVeilError(e, 'VEIL_ROUTE_NO_HANDLER'));
  } finally {
    await agent.close();
  }
});
