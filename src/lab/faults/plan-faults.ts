import { BazaarError } from '../../errors.ts';
import { FAULT_KIND_INFO, faultSide, type Fault, type FaultSpec } from './fault-spec.ts';
import { describeFault, normalizeFault, parseFault } from './parse-fault.ts';

export interface FaultPlanInput {
  /** The scenario's `faults`, on its timeline: scaled with --duration like the rest of it. */
  scenario?: readonly FaultSpec[];
  /** `--fault` arguments: times as given, from the start of the schedule. */
  cli?: readonly string[];
  /** The --duration factor (1 without --duration). */
  durationFactor?: number;
  /** The run's shape: an external --target, or the lab's node count (1: the embedded server). */
  target?: string;
  nodes: number;
  /** --redis given (or REDIS_URL): a Redis the lab did not start, which Redis faults never touch. */
  externalRedis?: string;
}

/**
 * Every fault of a run, checked against what the run starts, in time order. Throws before any
 * load when a fault cannot apply: lab faults against --target, node faults without a cluster,
 * a node index the cluster does not have, Redis faults on a Redis the lab did not start.
 */
export function planFaults(input: FaultPlanInput): Fault[] {
  const factor = input.durationFactor ?? 1;
  const scaled = (input.scenario ?? []).map((spec, i) => {
    const fault = normalizeFault(spec, `scenario faults[${i}]`);
    if (factor === 1) return fault;
    const rescaled = { ...fault, atMs: Math.round(fault.atMs * factor), forMs: Math.round(fault.forMs * factor) };
    return { ...rescaled, label: describeFault(rescaled) };
  });
  const faults = [...scaled, ...(input.cli ?? []).map(parseFault)].sort((a, b) => a.atMs - b.atMs);
  for (const fault of faults) {
    const { target } = FAULT_KIND_INFO[fault.kind];
    if (input.target && faultSide(fault) === 'lab') {
      throw new BazaarError('BAZAAR_FAULT_NEEDS_LAB', `fault '${fault.label}' acts on the server side, and against --target ${input.target} bazaar controls only the clients`,
        "against --target only slow-consumers and network faults on the entry link apply; leave out --target to run the fault on a cluster bazaar starts (--nodes 3)");
    }
    if ((target === 'node' || target === 'redis' || fault.link === 'redis') && input.nodes < 2) {
      throw new BazaarError('BAZAAR_FAULT_NEEDS_CLUSTER', `fault '${fault.label}' needs a reference cluster on Redis, and this run starts ${input.nodes === 1 ? 'one node in memory' : 'no server'}`,
        'add --nodes 3 (the lab starts the nodes, Redis and the entry, and can break them)');
    }
    if (fault.node !== undefined && fault.node >= input.nodes) {
      throw new BazaarError('BAZAAR_BAD_FAULT', `fault '${fault.label}' names node ${fault.node}, and the cluster has nodes 0 to ${input.nodes - 1}`,
        'nodes are numbered from 0, as `bazaar serve --nodes` prints them');
    }
    if ((target === 'redis' || fault.link === 'redis') && input.externalRedis) {
      throw new BazaarError('BAZAAR_FAULT_NEEDS_LAB_REDIS', `fault '${fault.label}' would act on a Redis bazaar did not start (${redact(input.externalRedis)})`,
        'leave out --redis and unset REDIS_URL: the run then starts a throwaway redis-server of its own to break');
    }
  }
  return faults;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return 'a redis url';
  }
}
