/** A minimal HTTP client for gateway tests (loopback only): exact control over method and headers. */
import { request } from 'node:http';

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function fetchRaw(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    // The request target is sent verbatim (no URL normalisation), so tests can send `..` and odd encodings.
    const m = /^http:\/\/([^/]+):(\d+)(\/.*)?$/.exec(url);
    if (!m) throw new Error(`test client needs http://host:port/path, got ${url}`);
    const req = request({ host: m[1], port: Number(m[2]), path: m[3] ?? '/', method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
