import { VeilError } from '../../core/index.js';
import { Keystore } from '../../names/index.js';
import { print, type Command } from '../command.js';
import { checkNodeDir } from '../node-content.js';

export const keyCommand: Command = {
  name: 'key',
  summary: 'create and list the keys that sign IPNS names (like `ipfs key gen|list`)',
  usage: 'key gen NAME | key list [-l] [-d NODEDIR]',
  help: `gen   creates an Ed25519 key in NODEDIR/private/keys/NAME (mode 0600) and prints its IPNS name (k51…)
list  prints the key names; with -l, "<IPNS name> <key name>" per key`,
  options: { long: { type: 'boolean', short: 'l' }, type: { type: 'string' } },
  async run({ io, nodeDir, positionals, values, signal }) {
    const [sub, ...args] = positionals;
    await checkNodeDir(nodeDir, signal);
    const keys = new Keystore(nodeDir);
    if (sub === 'gen') {
      if (args.length !== 1) throw new VeilError('VEIL_INPUT_INVALID', 'key gen takes exactly one key name');
      const type = values['type'];
      if (type !== undefined && String(type).toLowerCase() !== 'ed25519') throw new VeilError('VEIL_INPUT_INVALID', 'only ed25519 keys are supported (--type=ed25519)');
      print(io.stdout, (await keys.generate(args[0]!, { signal })).id);
      return 0;
    }
    if (sub === 'list') {
      for (const k of await keys.list({ signal })) print(io.stdout, values['long'] === true ? `${k.id} ${k.name}` : k.name);
      return 0;
    }
    throw new VeilError('VEIL_INPUT_INVALID', `unknown key sub-command ${JSON.stringify(sub ?? '')}`, { hint: 'use `veil key gen NAME` or `veil key list`' });
  },
};
