// Child of bench/import.mjs, run under --cpu-prof: one importFile (kubo-v1-raw) of argv[2] into a discarding store.
import { join } from 'node:path';
import { DIST } from './lib.mjs';

const content = await import(join(DIST, 'content', 'index.js'));
await content.importFile(process.argv[2], { put: async () => undefined }, { profile: 'kubo-v1-raw' });
