import { readFileSync } from 'node:fs';
import { print, type Command } from '../command.js';

export const versionCommand: Command = {
  name: 'version',
  summary: 'print the version of Veil',
  usage: 'version',
  async run({ io }) {
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };
    print(io.stdout, `veil ${pkg.version} (Node.js ${process.versions.node})`);
    return 0;
  },
};
