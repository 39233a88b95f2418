import { VeilError } from '../../core/index.js';
import { FsRecordStore, Keystore, createNameResolver, parseDuration, publishName } from '../../names/index.js';
import { publishRecordToGrid } from '../../node/index.js';
import { print, type Command } from '../command.js';
import { checkNodeDir, stringOption } from '../node-content.js';

export const nameCommand: Command = {
  name: 'name',
  summary: 'publish and resolve IPNS names (like `ipfs name publish|resolve`)',
  usage: 'name publish CID|/ipfs/PATH|/ipns/NAME [--key NAME] [--lifetime 24h] [--ttl 1h] [--server FURL]... | name resolve NAME [-d NODEDIR]',
  help: `publish  signs an IPNS record (Ed25519 key, V1+V2 signatures, validity EOL, sequence, TTL) and stores it in
         NODEDIR/names; without --key the key "self" is used (created on first use). Prints
         "Published to <name>: <value>" like Kubo. Durations: 24h, 1h30m, 90s, 500ms.
         The record is also stored on the storage servers given with --server FURL (repeatable) and in
         [client] storage.servers, reached through this node's router (Tor when the IP is hidden); each server
         verifies it and keeps it only if it is newer. Other nodes' gateways then resolve /ipns/<name> from them.
resolve  prints the /ipfs/ path a name points at, following /ipns/ values, from this node's own records.
         (DNSLink names and names published elsewhere resolve through a running node's gateway: /ipns/<name>.)`,
  options: {
    key: { type: 'string', short: 'k' },
    lifetime: { type: 'string', short: 't' },
    ttl: { type: 'string' },
    server: { type: 'string', multiple: true },
  },
  async run({ io, nodeDir, positionals, values, signal }) {
    const [sub, ...args] = positionals;
    await checkNodeDir(nodeDir, signal);
    if (sub === 'publish') {
      if (args.length !== 1) throw new VeilError('VEIL_INPUT_INVALID', 'name publish takes exactly one value (a CID or /ipfs/ path)');
      const lifetime = stringOption(values, 'lifetime');
      const ttl = stringOption(values, 'ttl');
      const local = new FsRecordStore(nodeDir);
      const published = await publishName(new Keystore(nodeDir), local, args[0]!, {
        keyName: stringOption(values, 'key'),
        lifetimeMs: lifetime === undefined ? undefined : parseDuration(lifetime),
        ttlMs: ttl === undefined ? undefined : parseDuration(ttl),
        signal,
      });
      const record = await local.get(published.name, { signal });
      const servers = Array.isArray(values['server']) ? values['server'].filter((s): s is string => typeof s === 'string') : [];
      const grid = record ? await publishRecordToGrid(nodeDir, published.name, record, { servers, signal }) : undefined;
      print(io.stdout, values['quiet'] === true ? published.name : `Published to ${published.name}: ${published.value}`);
      if (grid && values['quiet'] !== true) print(io.stderr, `stored on ${grid.stored} storage server(s)${grid.newer > 0 ? `; ${grid.newer} hold a newer record` : ''}`);
      return 0;
    }
    if (sub === 'resolve') {
      if (args.length !== 1) throw new VeilError('VEIL_INPUT_INVALID', 'name resolve takes exactly one name');
      const arg = args[0]!;
      const resolver = createNameResolver({ nodeDir });
      try {
        const r = await resolver.resolvePath(arg.startsWith('/ipns/') ? arg : `/ipns/${arg}`, { signal });
        print(io.stdout, r.path);
      } finally {
        await resolver.close();
      }
      return 0;
    }
    throw new VeilError('VEIL_INPUT_INVALID', `unknown name sub-command ${JSON.stringify(sub ?? '')}`, { hint: 'use `veil name publish CID` or `veil name resolve NAME`' });
  },
};
