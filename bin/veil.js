#!/usr/bin/env node
// The `veil` command. The TypeScript sources are built into dist/ by `npm start`/`npm test` (scripts/setup.mjs).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('veil: not built yet: run `npm run build` (or `npm test` / `npm start`, which also install what is needed)\n');
  process.exit(1);
}
await import(entry.href);
