/**
 * A private i2pd network on loopback, built as measured in /work/shared/I2P-TESTNET.md (see README-i2p.md):
 * a patched private copy of i2pd; netid 77; each router on its own 127.0.0.N; NTCP2 only; no reseed, no
 * time sync, no UPnP; address book enabled but inert; floodfills without SAM, SAM only on ordinary routers;
 * bootstrap by copying router.info files into every netDb.
 *
 * Ready means: every router listens where told, every socket of every router is on 127.0.0.0/8, and a SAM
 * session on each SAM router can NAMING LOOKUP the other's .b32.i2p address (so LeaseSets propagate).
 * close() SIGTERMs every router by PID, waits for each exit and SIGKILLs after a bound. The harness stays
 * the parent of every router.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError, logger, report, throwIfAborted, withTimeout, type AbortOptions, type ProgressOptions } from '../core/index.js';
import {
  I2pdProcess,
  KeptI2pd,
  SamClient,
  installRouterInfos,
  routerIdentityHash,
  isListening,
  listProcessSockets,
  nonLoopbackSockets,
  pickFreePortBlock,
  renderI2pdConf,
  waitForCondition,
  writeI2pdDataDir,
  type SamSession,
} from '../i2p/index.js';
import { connectLocal } from '../net/index.js';
import { prepareI2pdBinary, type PreparedI2pd } from './i2p-patch.js';
import type { I2pTestnetInfo, I2pTestnetRouter } from './types.js';

const log = logger('veil:testnet:i2p');

/** Network id of the private test network (the public I2P network is 2). */
export const I2P_TESTNET_NETID = 77;
/** A router started again after it exited: until it listens again. */
const RESTART_TIMEOUT_MS = 60_000;
const PORTS_PER_ROUTER = 4; // +0 SAM UDP (SAM port − 1), +1 SAM TCP, +2 NTCP2, +3 web console

export interface StartI2pTestnetOptions extends AbortOptions, ProgressOptions {
  /** Folder owned by the network (binary copy, one sub-folder per router). */
  dir: string;
  /** Total routers (default 4; at least samRouters + 1). */
  routers?: number;
  /** Routers with SAM (default 2); the others are floodfills. */
  samRouters?: number;
  /** Apply the fast-SAM patch when possible (default true). */
  fastSam?: boolean;
  /** Packaged i2pd to copy (default /usr/sbin/i2pd). */
  i2pdSource?: string;
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** Whole start-up deadline in ms (default 180 000). */
  timeoutMs?: number;
}

export interface I2pTestnetRouterDetail extends I2pTestnetRouter {
  readonly host: string;
  readonly ntcp2Port: number;
  readonly httpPort: number;
  readonly floodfill: boolean;
}

export interface I2pTestnetHandle {
  readonly info: I2pTestnetInfo;
  readonly routers: readonly I2pTestnetRouterDetail[];
  readonly binary: PreparedI2pd;
  /** Seconds from the start until the reachability check passed. */
  readonly readySeconds: number;
  /** One line per router that exited before close() (name, pid, how, last lines of its log); empty when healthy. */
  unexpectedExits(): Promise<string[]>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface RouterPlan {
  name: string;
  dataDir: string;
  host: string;
  samPort: number | undefined;
  ntcp2Port: number;
  httpPort: number;
  floodfill: boolean;
}

function planRouters(dir: string, count: number, samCount: number, portBase: number, hostBase: number): RouterPlan[] {
  const plans: RouterPlan[] = [];
  for (let k = 0; k < count; k++) {
    const p = portBase + k * PORTS_PER_ROUTER;
    const floodfill = k < count - samCount;
    plans.push({
      name: `r${k + 1}`,
      dataDir: join(dir, `r${k + 1}`),
      host: `127.0.0.${hostBase + k}`,
      samPort: floodfill ? undefined : p + 1,
      ntcp2Port: p + 2,
      httpPort: p + 3,
      floodfill,
    });
  }
  return plans;
}

/** The bytes of `path` when they hold at least a whole RouterIdentity, else undefined (missing, empty, cut short). */
async function readRouterInfo(path: string): Promise<Buffer | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    routerIdentityHash(bytes);
  } catch {
    return undefined; // still being written (or truncated): not a RouterInfo yet
  }
  return bytes;
}

async function isWholeRouterInfo(path: string): Promise<boolean> {
  return (await readRouterInfo(path)) !== undefined;
}

/** Waits until the router has written a readable router.info and returns its bytes. */
async function waitForRouterInfo(what: string, proc: I2pdProcess, path: string, signal: AbortSignal | undefined): Promise<Buffer> {
  return waitForCondition(what, proc, () => readRouterInfo(path), signal);
}

/** Throws VEIL_I2P_TESTNET_LEAK when any router holds a socket off 127.0.0.0/8. */
async function assertLoopbackOnly(procs: readonly I2pdProcess[]): Promise<void> {
  for (const proc of procs) {
    const bad = nonLoopbackSockets(await listProcessSockets(proc.pid));
    if (bad.length > 0) {
      throw new VeilError('VEIL_I2P_TESTNET_LEAK', `i2pd pid ${proc.pid} holds ${bad.length} socket(s) off loopback`, { details: { sockets: bad } });
    }
  }
}

/**
 * Starts the network and resolves when it is ready. Throws VEIL_I2PD_PATCH_REFUSED, VEIL_I2PD_EXITED,
 * VEIL_I2P_TESTNET_LEAK, VEIL_I2P_TESTNET_NOT_READY, VEIL_TIMEOUT, VEIL_ABORTED; on failure every router
 * already started is stopped first. Honours signal.
 */
export async function startI2pTestnet(options: StartI2pTestnetOptions): Promise<I2pTestnetHandle> {
  const t0 = Date.now();
  const routerCount = options.routers ?? 4;
  const samCount = options.samRouters ?? 2;
  if (samCount < 2 || routerCount < samCount + 1) {
    throw new VeilError('VEIL_INPUT_INVALID', `an I2P test network needs ≥ 2 SAM routers and ≥ 1 floodfill (got ${routerCount} routers, ${samCount} with SAM)`);
  }
  const signal = withTimeout(options.signal, options.timeoutMs ?? 180_000);
  throwIfAborted(signal, 'start the I2P test network');
  const running = new Set<I2pdProcess>();
  const closeAll = async (): Promise<void> => {
    const procs = [...running];
    running.clear();
    await Promise.all(procs.map((p) => p.close()));
  };
  try {
    const binary = await prepareI2pdBinary({ binDir: join(options.dir, 'bin'), fastSam: options.fastSam ?? true, source: options.i2pdSource });
    report(options, 'i2p-testnet:binary', { patches: binary.patches });
    const portBase = await pickFreePortBlock(routerCount * PORTS_PER_ROUTER);
    const hostBase = 2 + Math.floor(Math.random() * (250 - routerCount));
    const plans = planRouters(options.dir, routerCount, samCount, portBase, hostBase);
    for (const plan of plans) {
      await mkdir(plan.dataDir, { recursive: true });
      const conf = renderI2pdConf({
        dataDir: plan.dataDir,
        network: { kind: 'private', netId: I2P_TESTNET_NETID, host: plan.host, allowLoopbackPeers: true },
        ntcp2Port: plan.ntcp2Port,
        samPort: plan.samPort,
        httpPort: plan.httpPort,
        floodfill: plan.floodfill,
        logLevel: options.logLevel ?? 'warn',
        exploratoryLength: 0,
      });
      await writeI2pdDataDir(plan.dataDir, conf);
    }

    // Step 2: start each router once so it writes its keys and router.info, then stop it (SIGTERM, ~1 s).
    await Promise.all(
      plans.map(async (plan) => {
        const proc = await I2pdProcess.start(binary.path, plan.dataDir);
        running.add(proc);
        const file = join(plan.dataDir, 'router.info');
        const written = await waitForRouterInfo(`${plan.name}: router.info`, proc, file, signal);
        running.delete(proc);
        await proc.close();
        // i2pd rewrites router.info when it stops; a stop that ends in SIGKILL (a loaded machine) can leave it
        // empty or cut short. The identity never changes, so the copy read while it ran is as good.
        if (!(await isWholeRouterInfo(file))) await writeFile(file, written);
      }),
    );
    report(options, 'i2p-testnet:keys', { routers: routerCount });

    // Step 3: bootstrap without reseeding: every router gets every other router's RouterInfo.
    for (const plan of plans) {
      const others = plans.filter((p) => p !== plan).map((p) => join(p.dataDir, 'router.info'));
      await installRouterInfos(plan.dataDir, others);
    }

    // Step 4: start all routers, wait for their listeners, check every socket is on loopback.
    const procs = new Map<RouterPlan, I2pdProcess>();
    for (const plan of plans) {
      const proc = await I2pdProcess.start(binary.path, plan.dataDir);
      running.add(proc);
      procs.set(plan, proc);
    }
    await Promise.all(plans.map((plan) => waitListening(plan, procs.get(plan)!, signal)));
    await assertLoopbackOnly([...procs.values()]);
    report(options, 'i2p-testnet:routers-started', { routers: routerCount });

    // Step 5: reachability check across the first two SAM routers.
    const samPlans = plans.filter((p) => p.samPort !== undefined);
    await checkReachability(samPlans[0]!, samPlans[1]!, signal, options);
    await assertLoopbackOnly([...procs.values()]);
    const readySeconds = (Date.now() - t0) / 1000;
    report(options, 'i2p-testnet:ready', { seconds: readySeconds });
    log.info('I2P test network ready in', readySeconds.toFixed(1), 's');

    const routers: I2pTestnetRouterDetail[] = plans.map((plan) => ({
      name: plan.name,
      dataDir: plan.dataDir,
      samPort: plan.samPort,
      pid: procs.get(plan)!.pid,
      host: plan.host,
      ntcp2Port: plan.ntcp2Port,
      httpPort: plan.httpPort,
      floodfill: plan.floodfill,
    }));
    const info: I2pTestnetInfo = {
      netId: I2P_TESTNET_NETID,
      routers: routers.map(({ name, dataDir, samPort, pid }) => ({ name, dataDir, samPort, pid })),
      i2pdBinary: binary.path,
    };
    // From here on each router is kept running: one that exits by itself (i2pd 2.45 can abort when SAM sessions
    // end abruptly, e.g. a test SIGKILLs a node) is started again on the same folder and ports, so the suites
    // that come later still find it; every such exit is reported at the end of the run.
    running.clear();
    const keepers = plans.map(
      (plan) =>
        new KeptI2pd(procs.get(plan)!, {
          name: `i2pd ${plan.name}`,
          logFile: join(plan.dataDir, 'i2pd.log'),
          onProgress: options.onProgress,
          restart: async (stop) => {
            const proc = await I2pdProcess.start(binary.path, plan.dataDir);
            try {
              await waitListening(plan, proc, withTimeout(stop, RESTART_TIMEOUT_MS));
              await assertLoopbackOnly([proc]);
            } catch (err) {
              await proc.close();
              throw err;
            }
            return proc;
          },
        }),
    );
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => (closing ??= Promise.all(keepers.map((k) => k.close())).then(() => undefined));
    const unexpectedExits = async (): Promise<string[]> =>
      keepers.flatMap((k, i) => k.exits.map((e) => `i2pd ${plans[i]!.name} (pid ${e.pid}) stopped (${e.how}) at ${e.at.toISOString()} and was started again; its log ended with: ${e.logTail}`));
    return { info, routers, binary, readySeconds, unexpectedExits, close, [Symbol.asyncDispose]: close };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** Waits until a router listens on its NTCP2 address and, if it has one, its SAM port. */
async function waitListening(plan: RouterPlan, proc: I2pdProcess, signal: AbortSignal | undefined): Promise<void> {
  await waitForCondition(`${plan.name}: NTCP2 ${plan.host}:${plan.ntcp2Port}`, proc, async () => ((await isListening(proc.pid, plan.host, plan.ntcp2Port)) ? true : undefined), signal);
  if (plan.samPort !== undefined) {
    const port = plan.samPort;
    await waitForCondition(`${plan.name}: SAM 127.0.0.1:${port}`, proc, async () => ((await isListening(proc.pid, '127.0.0.1', port)) ? true : undefined), signal);
  }
}

/** Two TRANSIENT sessions (0-hop tunnels), then each looks up the other's .b32.i2p address. */
async function checkReachability(a: RouterPlan, b: RouterPlan, signal: AbortSignal | undefined, options: ProgressOptions): Promise<void> {
  const clientFor = (port: number): SamClient => new SamClient((o) => connectLocal({ kind: 'tcp', host: '127.0.0.1', port }, o));
  const ca = clientFor(a.samPort!);
  const cb = clientFor(b.samPort!);
  const shape = { 'inbound.length': 0, 'outbound.length': 0, 'inbound.quantity': 2, 'outbound.quantity': 2 };
  const suffix = Math.random().toString(36).slice(2, 8);
  const sessions: SamSession[] = [];
  try {
    const [sa, sb] = await Promise.all([
      ca.createSession({ id: `ready-a-${suffix}`, destination: 'TRANSIENT', options: shape, signal }),
      cb.createSession({ id: `ready-b-${suffix}`, destination: 'TRANSIENT', options: shape, signal }),
    ]);
    sessions.push(sa, sb);
    report(options, 'i2p-testnet:sessions-ready', {});
    const [fromB, fromA] = await Promise.all([sb.lookup(sa.address, { signal }), sa.lookup(sb.address, { signal })]);
    if (fromB !== sa.destination || fromA !== sb.destination) {
      throw new VeilError('VEIL_I2P_TESTNET_NOT_READY', 'NAMING LOOKUP across routers returned a different destination');
    }
  } catch (err) {
    if (err instanceof VeilError && err.code.startsWith('VEIL_SAM_')) {
      throw new VeilError('VEIL_I2P_TESTNET_NOT_READY', `I2P test network reachability check failed: ${err.message}`, { cause: err });
    }
    throw err;
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}
