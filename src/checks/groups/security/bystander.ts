import type { ProbeClient } from '../../probe-client.ts';
import type { CheckContext } from '../../types.ts';

/*
 * The other users an attack must not cost anything: a bystander connected before the attack
 * starts, asked after each step whether it is still served, and timed while the attack runs.
 */

const ANSWER_MS = 3_000;

/** A user connected before the attack, who has nothing to do with it. */
export async function openBystander(ctx: CheckContext): Promise<ProbeClient> {
  const probe = await ctx.connect(ctx.id('bystander'), 'buyer');
  if (!(await probe.waitFor('session', () => true, ANSWER_MS))) throw new Error(`setup: bystander ${probe.name} got no session event`);
  return probe;
}

/**
 * One round trip of a bystander, in ms, or undefined when no answer came within timeoutMs.
 * On the contract's wire it is a ping whose ack the contract requires (LIVENESS_PING); through
 * another dialect's profile, a fresh connection (whose time is what a new user waits).
 */
export async function bystanderRoundTripMs(ctx: CheckContext, bystander: ProbeClient, timeoutMs = ANSWER_MS): Promise<number | undefined> {
  const startedAtMs = Date.now();
  if (ctx.claims('contractWire')) {
    const answer = await bystander.ping(timeoutMs);
    return answer.kind === 'ack' ? Date.now() - startedAtMs : undefined;
  }
  try {
    const probe = await ctx.connect(ctx.id('newcomer'), 'buyer', { timeoutMs });
    probe.close();
    return Date.now() - startedAtMs;
  } catch {
    return undefined;
  }
}

/**
 * After `what`: the server still answers (healthz and a fresh connection), and the bystander is
 * still connected and served. Records a failure line and answers false when not.
 */
export async function stillServing(ctx: CheckContext, bystander: ProbeClient, what: string): Promise<boolean> {
  const alive = await ctx.serverAlive();
  if (!alive.ok) {
    ctx.fail(`after ${what} the server stopped answering: ${alive.detail}`);
    return false;
  }
  if (!bystander.connected) {
    ctx.fail(`after ${what}, ${bystander.name}, a bystander who sent nothing, was disconnected (${bystander.disconnectReason ?? 'no reason given'})`);
    return false;
  }
  const roundTripMs = await bystanderRoundTripMs(ctx, bystander);
  if (roundTripMs === undefined) {
    ctx.fail(`after ${what}, ${bystander.name}, a bystander, got no answer within ${ANSWER_MS} ms`);
    return false;
  }
  return true;
}

/** Percentile of a list of ms (nearest rank); undefined for an empty list. */
export function percentileMs(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
