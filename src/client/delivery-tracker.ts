import { nowUs } from './clock.ts';
import { createDeliveryLedger, type Fanout, type LedgerSizes } from './delivery-ledger.ts';
import { createFirstMarks } from './first-marks.ts';
import { createRoomCensus, type RoomCensus } from './room-census.ts';
import { roomSizeClass, type MetricsSink } from './sink.ts';

export interface DeliveryTrackerOptions {
  metrics: MetricsSink;
  /** A delivery owed to a receiver and not there this long after its send is recorded at this value and counted. */
  timeoutMs: number;
  /** How long an HTTP answer may take (it names the version its event carries). Default timeoutMs. */
  answerTimeoutMs?: number;
  /** The run's end: what is still in flight is dropped uncounted, as expect() does. */
  signal?: AbortSignal;
  /** A booking with no read:mark for this long and nobody of the run in its room forgets its first marks. Default max(1 s, 10 × timeoutMs). */
  idleMs?: number;
  /** Each loss, with who lost what (the run's online checks make it a `loss` violation). */
  onLost?(fanout: Fanout, receiver: object, sentAtUs: number, cause: string, seq?: number): void;
}

/** Keys firstTime() remembers at most (a safety net: they go with their booking's use): about 1 MB. */
const FIRST_TIME_MEMORY = 10_000;

/** The run's deliveries in flight, measured as `delivery{event,room}` and `delivery_timeouts{event}`. */
export interface DeliveryTracker {
  /** Who is in which room since when: users join and leave here; it says who is owed a delivery. */
  readonly census: RoomCensus;
  /** See DeliveryLedger.sent: false for a retry of a send still in flight. */
  sent(key: string, fanout: Fanout, sentAtUs: number): boolean;
  accepted(key: string, judge: boolean, seq?: number): void;
  /**
   * Whether `key` (of a mark in `room`, its booking's) is new: a repeated read:mark is answered
   * without a read:updated, so only the first mark of a message is owed one. Remembered while
   * the booking is in use (src/client/first-marks.ts).
   */
  firstTime(key: string, room: string): boolean;
  refused(key: string): void;
  caused(stream: string, version: number, fanout: Fanout, sentAtUs: number): void;
  causedNext(stream: string, fanout: Fanout, sentAtUs: number): void;
  arrivedKeyed(key: string, receiver: object): void;
  arrived(stream: string, version: number, receiver: object): void;
  /** What is in flight (tests read it to prove memory stays bounded). */
  sizes(): LedgerSizes & { firstDeliveries: number };
}

/**
 * The ledger at the edge: the clock, the metrics, and one sweep timer that runs only while
 * something is in flight (one timer per run, not one per receiver: a room of thousands owes
 * thousands of deliveries per send).
 */
export function createDeliveryTracker(options: DeliveryTrackerOptions): DeliveryTracker {
  const { metrics, timeoutMs, signal } = options;
  const census = createRoomCensus();
  const timeoutUs = timeoutMs * 1000;
  const ledger = createDeliveryLedger({
    membership: census,
    timeoutUs,
    claimWindowUs: (options.answerTimeoutMs ?? timeoutMs) * 1000,
    outcomes: {
      delivered(fanout, sentAtUs, arrivedAtUs) {
        metrics.latency('delivery', { event: fanout.event, room: roomSizeClass(census.size(fanout.room)) }).record(sentAtUs, arrivedAtUs);
      },
      lost(fanout, receiver, sentAtUs, cause, seq) {
        // A lost delivery is a sample at the timeout, as a lost ack is: the tail stays visible.
        metrics.latency('delivery', { event: fanout.event, room: roomSizeClass(census.size(fanout.room)) }).recordValueUs(timeoutUs);
        metrics.counter('delivery_timeouts', { event: fanout.event }).add();
        options.onLost?.(fanout, receiver, sentAtUs, cause, seq);
      },
    },
  });
  // Losses are recorded at the timeout value whenever they are found, so the sweep need not be
  // punctual; a tenth of the timeout keeps losses near the end of a run inside it.
  const sweepEveryMs = Math.min(500, Math.max(10, timeoutMs / 10));
  let timer: NodeJS.Timeout | undefined;
  const firstMarks = createFirstMarks({ maxKeys: FIRST_TIME_MEMORY });
  const idleUs = (options.idleMs ?? Math.max(1_000, 10 * timeoutMs)) * 1000;
  let lastForgetUs = -Infinity;
  const inUse = (room: string) => census.size(room) > 0;
  /** Throttled: a few times per idle period. */
  const forgetIdle = (atUs: number) => {
    if (atUs - lastForgetUs < Math.min(idleUs / 4, 500_000)) return;
    lastForgetUs = atUs;
    firstMarks.forgetIdle(atUs - idleUs, inUse);
  };
  const idle = () => ledger.isEmpty() && firstMarks.scopes() === 0;
  let ended = signal?.aborted === true;

  const stopSweeping = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const sweep = () => {
    const atUs = nowUs();
    ledger.sweep(atUs);
    forgetIdle(atUs);
    if (idle()) stopSweeping();
  };
  const sweeping = () => {
    if (timer || idle() || ended) return;
    timer = setInterval(sweep, sweepEveryMs);
    timer.unref();
  };
  signal?.addEventListener(
    'abort',
    () => {
      ended = true;
      stopSweeping();
      ledger.clear();
      firstMarks.forgetIdle(Infinity, () => false);
    },
    { once: true },
  );

  return {
    census,
    sent(key, fanout, sentAtUs) {
      if (ended) return false;
      const fresh = ledger.sent(key, fanout, sentAtUs);
      sweeping();
      return fresh;
    },
    accepted: (key, judge, seq) => ledger.accepted(key, judge, seq),
    firstTime(key, room) {
      const first = firstMarks.firstTime(key, room, nowUs());
      sweeping();
      return first;
    },
    refused: (key) => ledger.refused(key),
    caused(stream, version, fanout, sentAtUs) {
      if (ended) return;
      ledger.caused(stream, version, fanout, sentAtUs);
      sweeping();
    },
    causedNext(stream, fanout, sentAtUs) {
      if (ended) return;
      ledger.causedNext(stream, fanout, sentAtUs);
      sweeping();
    },
    arrivedKeyed(key, receiver) {
      if (!ended) ledger.arrivedKeyed(key, receiver, nowUs());
    },
    arrived(stream, version, receiver) {
      if (ended) return;
      ledger.arrived(stream, version, receiver, nowUs());
      sweeping();
    },
    sizes: () => ({ ...ledger.sizes(), firstDeliveries: firstMarks.size() }),
  };
}
