import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VeilError, isVeilError } from '../core/index.js';
import { parseGatewayPath, type GatewayPath } from './path-parser.js';
import { parseRange } from './range.js';
import { sniffContentType } from './content-type.js';

const CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o';

test('parses /ipfs/<cid>/<path> with decoding, trailing slash and query', () => {
  const p = parseGatewayPath(`/ipfs/${CID}/a%20b/c.txt/?format=raw&format=car&x=1`) as GatewayPath;
  assert.equal(p.namespace, 'ipfs');
  assert.equal(p.root, CID);
  assert.deepEqual(p.segments, ['a b', 'c.txt']);
  assert.equal(p.hasTrailingSlash, true);
  assert.equal(p.query.get('format'), 'raw', 'first value wins');
  assert.equal(p.rawPath, `/ipfs/${CID}/a%20b/c.txt/`);
  assert.equal(parseGatewayPath('/').namespace, undefined);
  assert.equal(parseGatewayPath('/favicon.ico').namespace, undefined);
  assert.equal((parseGatewayPath(`/ipfs/${CID}`) as GatewayPath).hasTrailingSlash, false);
  assert.equal((parseGatewayPath(`/ipfs/${CID}/`) as GatewayPath).hasTrailingSlash, true);
});

test('refuses traversal and ambiguous segments', () => {
  for (const bad of [
    `/ipfs/${CID}/../etc/passwd`,
    `/ipfs/${CID}/%2e%2e/x`,
    `/ipfs/${CID}/.`,
    `/ipfs/${CID}/a%2Fb`,
    `/ipfs/${CID}/a%5Cb`,
    `/ipfs/${CID}/a%00b`,
    `/ipfs/${CID}//x`,
    `/ipfs/${CID}/%E0%A4%A`,
    '/ipfs/',
    '/ipfs//x',
    'ipfs/x',
    '/ipfs/' + 'a'.repeat(9000),
  ]) {
    assert.throws(() => parseGatewayPath(bad), (e) => isVeilError(e, 'VEIL_GATEWAY_PATH_INVALID'), bad);
  }
});

test('property: random targets never throw anything but VEIL_GATEWAY_PATH_INVALID, and never yield an escaping segment', () => {
  const segmentChars = fc.constantFrom('a', '.', '/', '%', '2', 'e', 'E', 'F', 'f', '5', 'C', '\\', '0', '?', '&', '=', ' ', 'é', '#');
  const target = fc.oneof(
    fc.string({ unit: segmentChars, maxLength: 60 }).map((s) => `/ipfs/${CID}/${s}`),
    fc.string({ maxLength: 80 }).map((s) => `/${s}`),
    fc.string({ unit: 'binary', maxLength: 80 }),
  );
  fc.assert(
    fc.property(target, (t) => {
      try {
        const p = parseGatewayPath(t);
        if (p.namespace === undefined) return true;
        return p.segments.every((s) => s !== '' && s !== '.' && s !== '..' && !/[/\\\0]/.test(s)) && !/[/\\\0]/.test(p.root);
      } catch (err) {
        return err instanceof VeilError && err.code === 'VEIL_GATEWAY_PATH_INVALID';
      }
    }),
    { numRuns: 2000 },
  );
});

test('Range: single ranges, suffixes, open ends, ignored forms and 416', () => {
  assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-1000', 100), { start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=50-1000', 100), { start: 50, end: 99 });
  assert.equal(parseRange(undefined, 100), undefined);
  assert.equal(parseRange('bytes=0-1,5-6', 100), undefined, 'several ranges: full response');
  assert.equal(parseRange('items=0-1', 100), undefined);
  assert.equal(parseRange('bytes=9-1', 100), undefined);
  for (const h of ['bytes=100-', 'bytes=-0', 'bytes=1000-2000']) {
    assert.throws(() => parseRange(h, 100), (e) => isVeilError(e, 'VEIL_GATEWAY_RANGE_INVALID'), h);
  }
  assert.throws(() => parseRange('bytes=0-0', 0), (e) => isVeilError(e, 'VEIL_GATEWAY_RANGE_INVALID'));
});

test('Content-Type sniffing: extension first, then magic bytes, then text vs binary', () => {
  assert.equal(sniffContentType('index.html', new Uint8Array()), 'text/html; charset=utf-8');
  assert.equal(sniffContentType('x.SVG', new Uint8Array()), 'image/svg+xml');
  assert.equal(sniffContentType('', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])), 'image/png');
  assert.equal(sniffContentType('noext', new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>')), 'image/svg+xml');
  assert.equal(sniffContentType('noext', new TextEncoder().encode('hello world\n')), 'text/plain; charset=utf-8');
  assert.equal(sniffContentType('noext', Uint8Array.from([0, 1, 2, 3])), 'application/octet-stream');
  assert.equal(sniffContentType('noext', Uint8Array.from([0xff, 0xfe, 0x41, 0x41, 0x41, 0x41])), 'application/octet-stream');
});
