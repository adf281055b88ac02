import { startFaultLab, type Fault, type FaultLab } from '../lab/faults/index.ts';
import type { RunOptions } from './run-options.ts';
import { startRunServer } from './run-server.ts';

/** What the run plays against: the server it started (if any), the URL its users connect to. */
export interface RunTarget {
  /** The fault lab the run stands on, when it injects faults. */
  lab: FaultLab | undefined;
  /** Started for the run (embedded server, cluster or fault lab), closed at its end; undefined for an external target. */
  server: { url: string; jwtSecret: string; close(): Promise<void> } | undefined;
  /** The URL the users connect to (with faults, the fault lab's, which may be a proxy). */
  target: string;
  /** Whether the server was started for the run rather than given with --target. */
  embedded: boolean;
}

/** The target: the one given, the embedded server, a reference cluster, or the fault lab. */
export async function startRunTarget(options: RunOptions, faults: Fault[], startedAt: Date, notice: (message: string) => void): Promise<RunTarget> {
  const prefix = `bazaar-run-${startedAt.getTime().toString(36)}`;
  // A run with faults stands on the fault lab: the same servers, plus its own Redis and proxies.
  const lab: FaultLab | undefined = faults.length === 0 ? undefined : await startFaultLab({
    faults,
    ...(options.target ? { target: options.target } : {}),
    nodes: options.nodes ?? 1,
    ...(options.redis ? { redisUrl: options.redis } : {}),
    adapter: options.adapter ?? 'redis',
    ...(options.fanout ? { fanout: options.fanout } : {}),
    ...(options.cluster ? { cluster: options.cluster } : {}),
    prefix,
    ...(options.defect ? { defect: options.defect } : {}),
    onNotice: notice,
  });
  const { server, target, embedded } = lab
    ? { server: { url: lab.url, jwtSecret: lab.jwtSecret ?? '', close: () => lab.close() }, target: lab.url.replace(/\/$/, ''), embedded: !options.target }
    : await startRunServer(options, startedAt);
  return { lab, server, target, embedded };
}
