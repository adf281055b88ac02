/* One client in its own process, so that its CPU and RSS are its own. Started by bench/run.ts:
 *
 *   node --expose-gc bench/client.ts --client floor|socketio|bazaar|lean|checked|unchecked --mode load|idle --url http://127.0.0.1:PORT [...]
 *
 * load (started with an IPC channel): connects its users, sends {type:'ready'}, then runs one
 *   measured window per {type:'window', warmupMs, windowMs} message and answers each with
 *   {type:'result', result: LoadResult}; {type:'close'} disconnects and exits. The users stay
 *   connected between windows, so run.ts can alternate the clients' windows back to back.
 * idle: prints one JSON line (an IdleResult) on stdout.
 * Progress goes to stderr. Exits 1 if the phase could not be run. */
import { parseArgs } from 'node:util';
import { createChurnSession, createLoadSession, runIdle, type BenchClient, type LoadSession, type LoadWindowOptions } from './workload.ts';

/** The listing every round trip watches; the bench server answers any id. */
export const BENCH_LISTING_ID = 'bench-listing';

const { values } = parseArgs({
  options: {
    client: { type: 'string' },
    mode: { type: 'string' },
    url: { type: 'string' },
    users: { type: 'string', default: '300' },
    'think-ms': { type: 'string', default: '100' },
    workload: { type: 'string', default: 'steady' },
    'arrivals-per-sec': { type: 'string', default: '150' },
    'round-trips-per-user': { type: 'string', default: '20' },
    'baseline-users': { type: 'string', default: '100' },
    'hold-ms': { type: 'string', default: '2000' },
    'connect-concurrency': { type: 'string', default: '50' },
    core: { type: 'string' },
  },
});

const log = (line: string) => process.stderr.write(`  ${line}\n`);

async function main(): Promise<void> {
  const url = values.url;
  if (!url) throw new Error('--url is required');
  const client = await pickClient(values.client, url);
  const connectConcurrency = positive('connect-concurrency');
  if (values.mode === 'load') {
    await serveLoad(client, connectConcurrency);
    return;
  }
  if (values.mode !== 'idle') throw new Error(`--mode must be load or idle, not ${values.mode}`);
  const result = await runIdle(client, {
    users: positive('users'),
    baselineUsers: positive('baseline-users'),
    holdMs: positive('hold-ms'),
    connectConcurrency,
    log,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

type LoadCommand = ({ type: 'window' } & LoadWindowOptions) | { type: 'close' };

async function serveLoad(client: BenchClient, connectConcurrency: number): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new Error('--mode load needs an IPC channel: it is started by bench/run.ts');
  const core = values.core !== undefined ? { core: Number(values.core) } : {};
  let session: LoadSession;
  if (values.workload === 'steady') {
    session = await createLoadSession(client, { users: positive('users'), thinkMs: positive('think-ms'), connectConcurrency, ...core, log });
  } else if (values.workload === 'churn') {
    session = createChurnSession(client, {
      arrivalsPerSec: positive('arrivals-per-sec'),
      roundTripsPerUser: positive('round-trips-per-user'),
      thinkMs: positive('think-ms'),
      ...core,
      log,
    });
  } else {
    throw new Error(`--workload must be steady or churn, not ${values.workload}`);
  }
  send({ type: 'ready', connected: session.connected });
  // One command at a time: run.ts waits for each answer before it sends the next.
  let queue = Promise.resolve();
  process.on('message', (command: LoadCommand) => {
    queue = queue.then(async () => {
      if (command.type === 'window') {
        send({ type: 'result', result: await session.window(command) });
      } else {
        await session.close();
        process.exit(0);
      }
    }).catch((error: unknown) => {
      process.stderr.write(`bench client failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
  });
}

/** Imported on demand: the floor's process should not load bazaar (its RSS and start-up are its own). */
async function pickClient(name: string | undefined, url: string): Promise<BenchClient> {
  if (name === 'floor') return (await import('./floor-client.ts')).createFloorClient(url, BENCH_LISTING_ID);
  if (name === 'socketio') return (await import('./socketio-client.ts')).createSocketIoClient(url, BENCH_LISTING_ID);
  if (name === 'bazaar') return (await import('./bazaar-client.ts')).createBazaarClient(url, BENCH_LISTING_ID);
  if (name === 'lean') return (await import('./bazaar-client.ts')).createBazaarClient(url, BENCH_LISTING_ID, 'lean');
  if (name === 'checked' || name === 'unchecked') return (await import('./checked-client.ts')).createCheckedClient(url, name);
  throw new Error(`--client must be floor, socketio, bazaar, lean, checked or unchecked, not ${name}`);
}

function positive(flag: keyof typeof values): number {
  const value = Number(values[flag]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${flag} must be a number ≥ 0, not ${values[flag]}`);
  return value;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench client failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  // Open sockets would keep the process alive: leave now.
  process.exit(1);
});
