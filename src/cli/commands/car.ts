import { createReadStream, createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { VeilError } from '../../core/index.js';
import { exportCar, importCar, parseCid } from '../../content/index.js';
import { print, type Command } from '../command.js';
import { openNodeBlockstore, stringOption, writeStream } from '../node-content.js';

export const carCommand: Command = {
  name: 'car',
  summary: 'export a DAG as a CARv1 file, or import CAR files into the blockstore',
  usage: 'car export CID [-o FILE] | car import FILE... [-q] [-d NODEDIR]',
  help: `export   writes the DAG under CID as CARv1 (depth-first, no duplicates) to FILE, or stdout without -o
import   verifies every block of each CARv1 file against its CID, stores it, and prints each root CID
Both work on NODEDIR/blocks without a running node.`,
  options: { output: { type: 'string', short: 'o' } },
  async run({ io, nodeDir, positionals, values, signal }) {
    const [sub, ...args] = positionals;
    if (sub === 'export') {
      if (args.length !== 1) throw new VeilError('VEIL_INPUT_INVALID', 'car export takes exactly one CID');
      const root = parseCid(args[0]!.replace(/^\/ipfs\//, ''));
      const store = await openNodeBlockstore(nodeDir, signal);
      await store.get(root, { signal }); // a missing root fails before any output is written
      const output = stringOption(values, 'output');
      if (output === undefined) {
        await writeStream(io.stdout, exportCar(root, store, { signal }), signal);
        return 0;
      }
      const file = createWriteStream(resolve(io.cwd, output), { flags: 'w', mode: 0o644 });
      try {
        await writeStream(file, exportCar(root, store, { signal }), signal);
        file.end();
        await finished(file);
      } catch (err) {
        file.destroy();
        throw err instanceof VeilError ? err : new VeilError('VEIL_CONTENT_STORE_IO', `cannot write ${output}: ${(err as NodeJS.ErrnoException).code ?? 'I/O error'}`, { cause: err });
      }
      return 0;
    }
    if (sub === 'import') {
      if (args.length === 0) throw new VeilError('VEIL_INPUT_INVALID', 'car import needs at least one CAR file');
      const store = await openNodeBlockstore(nodeDir, signal);
      for (const arg of args) {
        const stream = createReadStream(resolve(io.cwd, arg), { signal });
        let result;
        try {
          result = await importCar(stream as AsyncIterable<Uint8Array>, store, { signal });
        } catch (err) {
          const code = (err as { cause?: NodeJS.ErrnoException }).cause?.code;
          if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw new VeilError('VEIL_CONTENT_IMPORT_FAILED', `cannot read ${arg}: ${code}`, { cause: err });
          throw err;
        } finally {
          stream.destroy();
        }
        for (const root of result.roots) print(io.stdout, values['quiet'] === true ? root.toString() : `root ${root.toString()}`);
        if (values['quiet'] !== true) print(io.stderr, `imported ${result.blocks} blocks from ${arg}`);
      }
      return 0;
    }
    throw new VeilError('VEIL_INPUT_INVALID', `unknown car sub-command ${JSON.stringify(sub ?? '')}`, { hint: 'use `veil car export CID` or `veil car import FILE`' });
  },
};
