import type { Booking, Listing, Role } from '../contract/index.ts';
import type { MetricsSink } from '../client/sink.ts';
import type { VirtualUser } from '../client/virtual-user.ts';
import type { AuthzChecks } from '../checks/online/authz-checks.ts';
import type { AuthzFinding } from '../checks/online/entitlements.ts';
import { describeValue, smugglingIdValues, withField, type HostileValue } from '../checks/probes/hostile-payloads.ts';
import { BazaarError } from '../errors.ts';
import type { ActorGroup, IterationContext, Scenario } from '../scenario/types.ts';
import { planSchedule } from '../schedule/index.ts';
import { parseDurationMs } from '../util/duration.ts';

/*
 * Intruders (issue 14): actors played by the harness who, mixed into the load, try what they
 * may not: watch private listings, join others' bookings, send, type and mark reads in them,
 * with plain payloads and the hostile shapes `bazaar check` uses (src/checks/probes/). A plain
 * forbidden join or any write answered ok is a violation at once; everything else (a hostile
 * join that went through, typing relayed) is judged by receipt by the run's authz checks
 * (src/checks/online/authz-checks.ts), on the intruder's socket and on the members'.
 */

export const DEFAULT_INTRUDER_ATTEMPTS = 5;

export type IntruderAction = 'watch' | 'join' | 'send' | 'typing' | 'read';
const INTRUDER_ACTIONS: IntruderAction[] = ['watch', 'join', 'send', 'typing', 'read'];
/** An admin may watch any booking (so it joins first) but write in none. */
const ADMIN_ACTIONS: IntruderAction[] = ['send', 'typing', 'read'];
const ROLES: Role[] = ['buyer', 'seller', 'admin'];

export interface IntruderHooks {
  /** The run's metrics (intruder_attempts, intruder_refusals). */
  metrics(): MetricsSink;
  /** The run's authz checks; undefined with checking off (intruders then only load the server). */
  authz(): AuthzChecks | undefined;
}

/**
 * The scenario with its intruders as actor groups the engine plays: the `intruders` shorthand
 * becomes a group `intruders` arriving at its rate for as long as the rest of the scenario, and
 * every `role: 'intruder'` group gets the harness's iteration.
 */
export function withIntruders(scenario: Scenario, hooks: IntruderHooks): Scenario {
  const hasIntruders = scenario.intruders !== undefined || Object.values(scenario.groups).some((g) => g.role === 'intruder');
  if (!hasIntruders) return scenario;
  const groups: Record<string, ActorGroup> = {};
  let index = 0;
  for (const [name, group] of Object.entries(scenario.groups)) {
    groups[name] = group.role === 'intruder' ? { ...group, iteration: intruderIteration(group.attempts, index++, hooks) } : group;
  }
  if (scenario.intruders) {
    const { rate, attempts } = scenario.intruders;
    const durationMs = Math.max(
      1_000,
      ...Object.entries(scenario.groups).map(([name, g]) =>
        planSchedule(g.executor, `actors.${name}.executor`).durationMs + (g.startTime ? parseDurationMs(g.startTime, `actors.${name}.startTime`) : 0)),
    );
    groups.intruders = {
      role: 'intruder',
      executor: {
        type: 'constant-arrival-rate',
        rate,
        duration: `${durationMs}ms`,
        preAllocatedVUs: Math.max(3, Math.ceil(rate)),
        maxVUs: Math.max(6, Math.ceil(rate * 4)),
      },
      iteration: intruderIteration(attempts, index++, hooks),
    };
  }
  return { ...scenario, groups };
}

/** One intruder iteration: `attempts` attempts at once, on targets picked from the seeded world. */
function intruderIteration(attempts = DEFAULT_INTRUDER_ATTEMPTS, groupIndex: number, hooks: IntruderHooks) {
  const tag = Date.now().toString(36);
  let started = 0;
  let tried = 0;
  const perAction = new Map<string, number>();
  return async (ctx: IterationContext): Promise<void> => {
    // Roles take turns across the group's iterations (not by VU: an idle VU is reused first, so a
    // fast group may run on one VU); each VU holds one intruder per role.
    const role = ROLES[started++ % ROLES.length] as Role;
    const me = ctx.user(`intruder${groupIndex}x${ctx.vu}${role[0]}-${tag}`, role);
    if (!(await me.connect())) return;
    const targets = pickTargets(ctx);
    if (!targets.booking && !targets.privateListing) {
      throw new BazaarError('BAZAAR_BAD_SCENARIO', 'intruders need someone else\'s booking or private listing to try',
        'seed world.bookings, or world.privateRatio > 0');
    }
    const actions = (role === 'admin' ? ADMIN_ACTIONS : INTRUDER_ACTIONS).filter((a) => (a === 'watch' ? targets.privateListing : targets.booking));
    if (actions.length === 0) return;
    const attempt = createAttempt(me, hooks);
    // An admin may watch the booking: it joins as a member would, then tries to write.
    if (role === 'admin' && targets.booking) await me.emitWithAck('booking:join', targets.booking.id);
    // Actions take turns, plain and hostile alternate per role and action, and each one's hostile
    // attempts go through every shape in turn: a run of a few dozen attempts tries them all.
    const plans = Array.from({ length: attempts }, () => {
      const n = tried++;
      const action = actions[n % actions.length] as IntruderAction;
      const key = `${role}/${action}`;
      const count = (perAction.get(key) ?? 0) + 1;
      perAction.set(key, count);
      return { action, hostile: count % 2 === 0, shapeIndex: count / 2 - 1 };
    });
    // All at once: a join or a write racing the members' own joins, leaves and writes.
    await Promise.all(plans.map((p) => attempt(p.action, targets, p.hostile, p.shapeIndex)));
    if (role === 'admin' && targets.booking) await me.emit('booking:leave', targets.booking.id);
  };
}

interface Targets {
  /** Someone else's booking. */
  booking: Booking | undefined;
  /** A second one, as the "allowed" id of hostile shapes (an intruder has none of its own). */
  otherBooking: Booking | undefined;
  /** A private listing (never the intruder's). */
  privateListing: Listing | undefined;
  /** A public listing: anyone may watch it, the "allowed" id of hostile watches. */
  publicListing: Listing | undefined;
}

function pickTargets({ world }: IterationContext): Targets {
  const pick = <T>(items: T[]): T | undefined => (items.length ? items[Math.floor(Math.random() * items.length)] : undefined);
  const privates = world.listings.filter((l) => l.private);
  const publics = world.listings.filter((l) => !l.private);
  return { booking: pick(world.bookings), otherBooking: pick(world.bookings), privateListing: pick(privates), publicListing: pick(publics) };
}

const okAck = (answer: unknown): answer is { ok: true } => (answer as { ok?: unknown } | undefined)?.ok === true;

function createAttempt(me: VirtualUser, hooks: IntruderHooks) {
  const metrics = hooks.metrics();
  const who = `${me.userId} (${me.role}, an intruder)`;
  const report = (finding: AuthzFinding) => hooks.authz()?.report(me, finding);

  /** Send and judge one attempt. `judge` says what an ok answer means (undefined: judged by receipt only). */
  const ackOf = async (action: IntruderAction, shape: string, event: string, payload: unknown): Promise<unknown> => {
    const tags = { action, shape };
    metrics.counter('intruder_attempts', tags).add();
    const answer = payload === undefined ? await me.emitWithAck(event) : await me.emitWithAck(event, payload);
    if (!answer.ok) return undefined;
    const ack = answer.args[0];
    if (!okAck(ack)) metrics.counter('intruder_refusals', tags).add();
    return ack;
  };

  return async (action: IntruderAction, t: Targets, hostile: boolean, shapeIndex: number): Promise<void> => {
    const shapeName = hostile ? 'hostile' : 'plain';
    if (action === 'watch' || action === 'join') {
      const [event, target, allowed, prefix, victim] = action === 'watch'
        ? ['listing:watch', t.privateListing!.id, t.publicListing?.id ?? t.privateListing!.id, 'listing', t.privateListing!.sellerId]
        : ['booking:join', t.booking!.id, t.otherBooking?.id ?? t.booking!.id, 'booking', t.booking!.sellerId];
      if (!hostile) {
        const ack = await ackOf(action, shapeName, event, target);
        const room = `${prefix}:${target}`;
        if (okAck(ack)) report({ kind: 'leak', room, expected: `${event} ${target} by ${who}: refused (forbidden)`, observed: `answered ${describeValue(ack)}` });
        return;
      }
      // A hostile join is judged by receipt: whatever it let in shows on this socket.
      const shape = pickShape(smugglingIdValues({ allowed, forbidden: target, roomPrefix: prefix, victimUserId: victim }), shapeIndex);
      await ackOf(action, shapeName, event, shape.value);
      return;
    }
    const booking = t.booking!;
    const base: Record<string, unknown> =
      action === 'send' ? { body: 'intruding', clientMsgId: `${me.userId}-${(++sent).toString(36)}` }
        : action === 'read' ? { messageId: `m_intruder${sent % 97}` } : {};
    const shape = hostile
      ? pickShape(smugglingIdValues({ allowed: t.otherBooking?.id ?? booking.id, forbidden: booking.id, roomPrefix: 'booking', victimUserId: booking.sellerId }), shapeIndex)
      : { name: 'plain', value: booking.id, idShaped: true };
    const payload = withField(base, 'bookingId', shape.value);
    if (action === 'typing') {
      // No ack: judged by receipt (typing relayed from a non-party reaches a member).
      metrics.counter('intruder_attempts', { action, shape: shapeName }).add();
      await me.emit('typing:start', payload);
      return;
    }
    const event = action === 'send' ? 'message:send' : 'read:mark';
    const ack = await ackOf(action, shapeName, event, payload);
    if (okAck(ack)) {
      report({
        kind: 'write',
        room: `booking:${booking.id}`,
        expected: `${event} by ${who}, not a party of booking ${booking.id}: refused`,
        observed: `${hostile ? `payload ${shape.name} ${describeValue(payload)}` : describeValue(payload)} answered ${describeValue(ack)}`,
      });
    }
  };
}

/** Intruder writes so far: each send carries a clientMsgId of its own (a repeat would be a retry). */
let sent = 0;

const pickShape = (shapes: HostileValue[], index: number): HostileValue => shapes[index % shapes.length] as HostileValue;
