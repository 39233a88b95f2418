// Child of bench/gateway.mjs: Veil's gateway (startGateway) over an FsBlockstore, on 127.0.0.1, one process like
// nginx's one worker. Prints `listening <url>`; SIGTERM closes it.
import { join } from 'node:path';
import { DIST } from './lib.mjs';

const { FsBlockstore } = await import(join(DIST, 'content', 'index.js'));
const { startGateway } = await import(join(DIST, 'gateway', 'index.js'));
const blockstore = await FsBlockstore.open(process.argv[2]);
const gateway = await startGateway({ blockstore, listen: { host: '127.0.0.1', port: 0 } });
process.stdout.write(`listening ${gateway.url}\n`);
process.once('SIGTERM', () => void gateway.close().then(() => process.exit(0)));
