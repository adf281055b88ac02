import { METRICS, type MetricName } from '../client/sink.ts';
import { BazaarError } from '../errors.ts';
import { checkThresholdMetrics, formatStat, fromMicroseconds, isTimeStat, type ComparisonOp, type MetricValue, type Stat, type ThresholdUnit } from '../thresholds/index.ts';
import { parseExpressionAt } from '../thresholds/expression.ts';
import { parseSelectorAt, type MetricSelector } from '../thresholds/selector.ts';
import type { RecordedMetrics } from './distributions.ts';

/*
 * A regression gate: `SELECTOR STAT OP LIMIT`, the threshold grammar (src/thresholds/) with a
 * limit that may be a change from the baseline. The gate FAILS when its condition holds.
 *   'ack{event:message:send} p(95) > +10%'  the current p95 is more than 10% above the baseline's
 *   'ack p(99) > +5ms'                       ... more than 5 ms above it (a sign makes a change)
 *   'delivery p(95) > 300ms'                 the current p95 is above 300 ms, whatever the baseline
 *   'violations count > 0'                   the current run has any violation
 *   'iterations count < -20%'                the current run did 20% fewer iterations
 */

export type GateMode = 'absolute' | 'delta' | 'percent';

export interface Gate {
  source: string;
  key: string;
  selector: MetricSelector;
  stat: Stat;
  op: ComparisonOp;
  mode: GateMode;
  /** The limit: µs for a time stat's absolute or delta, a count or rate, or a percentage. */
  limit: number;
  /** The unit written for time stats ('ms' when bare), for reporting; 'none' for count and rate. */
  unit: ThresholdUnit;
}

export interface GateResult {
  source: string;
  passed: boolean;
  /** The stat in each run, in the gate's unit (undefined when it could not be read). */
  base: number | undefined;
  current: number | undefined;
  /** What was compared with the limit: the current value, its difference, or its change in %. */
  observed: number | undefined;
  /** The unit of `base` and `current`: the written time unit ('ms' when bare), or 'none'. */
  valueUnit: ThresholdUnit;
  /** The unit of `observed`: `valueUnit`, or '%' for a change in percent. */
  unit: string;
  mode: GateMode;
  /** Why it could not be judged (it then fails: a gate that looked at nothing proves nothing). */
  reason?: string;
}

const EXAMPLE = "--fail-if 'ack{event:message:send} p(95) > +10%'";
const LIMIT = /(<=|>=|==|!=|<|>)\s*([+-])?\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*([A-Za-zµμ]*)\s*$/;

export function parseGate(text: string): Gate {
  const where = `--fail-if ${JSON.stringify(text)}`;
  const trimmed = text.trim();
  // As a --threshold: a selector with tags ends at its '}', one without at the first space.
  const brace = trimmed.indexOf('{');
  let end = trimmed.search(/\s/);
  if (brace !== -1 && (end === -1 || brace < end)) {
    const close = trimmed.indexOf('}', brace);
    if (close === -1) fail(`${where}: the tag filter is not closed with '}'`, `write ${EXAMPLE}`);
    end = close + 1;
  }
  if (end === -1) end = trimmed.length;
  const key = trimmed.slice(0, end).trim();
  const condition = trimmed.slice(end).trim();
  if (key === '' || condition === '') fail(`${where} needs a metric and a condition separated by a space`, `write ${EXAMPLE}`);
  const selector = parseSelectorAt(key, `${where}: metric selector '${key}'`);
  checkThresholdMetrics([{ key, selector } as never], METRICS);

  const limit = LIMIT.exec(condition);
  const sign = limit?.[2];
  const percent = limit?.[4] === '%';
  if (percent && limit?.[5]) fail(`${where}: a change in % takes no unit (found '${limit[5]}')`, `write ${EXAMPLE}`);
  // The threshold parser judges the rest (stat, comparison, unit) and says what is wrong with it.
  const unsigned = limit ? `${condition.slice(0, limit.index)}${limit[1]}${limit[3]}${percent ? '' : limit[5]}` : condition;
  const expression = parseExpressionAt(unsigned, `${where}: condition`);
  const timed = isTimeStat(expression.stat);
  const mode: GateMode = percent ? 'percent' : sign ? 'delta' : 'absolute';
  const magnitude = percent ? Number(limit?.[3]) : expression.value;
  return {
    source: trimmed,
    key,
    selector,
    stat: expression.stat,
    op: expression.op,
    mode,
    limit: sign === '-' ? -magnitude : magnitude,
    unit: timed ? expression.unit : 'none',
  };
}

/** Judge a gate on two runs' metrics. */
export function evaluateGate(gate: Gate, base: RecordedMetrics, current: RecordedMetrics): GateResult {
  const unit = gate.mode === 'percent' ? '%' : gate.unit;
  const baseValue = statOf(gate, base.resolve(gate.selector));
  const currentValue = statOf(gate, current.resolve(gate.selector));
  const show = (v: number | undefined) => (v === undefined || gate.unit === 'none' ? v : fromMicroseconds(v, gate.unit));
  const result = { source: gate.source, base: show(baseValue.value), current: show(currentValue.value), valueUnit: gate.unit, unit, mode: gate.mode };
  const cannot = (reason: string): GateResult => ({ ...result, passed: false, observed: undefined, reason });
  if (currentValue.value === undefined) return cannot(`current run: ${currentValue.why}`);
  if (gate.mode !== 'absolute' && baseValue.value === undefined) return cannot(`baseline: ${baseValue.why}`);
  const b = baseValue.value ?? 0;
  const c = currentValue.value;
  const observed = gate.mode === 'absolute' ? c
    : gate.mode === 'delta' ? c - b
    : relativeChangePercent(b, c);
  const tripped = holds(observed, gate.op, gate.limit);
  return { ...result, passed: !tripped, observed: gate.mode === 'percent' ? observed : show(observed) };
}

/** (current - base) / base in %; from zero, any rise is +∞ and no change is 0. */
export function relativeChangePercent(base: number, current: number): number {
  if (base === 0) return current === 0 ? 0 : current > 0 ? Infinity : -Infinity;
  return ((current - base) / base) * 100;
}

function statOf(gate: Gate, value: MetricValue | undefined): { value: number | undefined; why: string } {
  const stat = formatStat(gate.stat);
  const metric = gate.selector.metric;
  const declared = METRICS[metric as MetricName];
  if (value === undefined) {
    // A counter that never fired is zero (violations count > 0 on a clean run passes).
    if (declared.kind === 'counter') value = { kind: 'counter', count: 0, ratePerSec: 0 };
    else return { value: undefined, why: `no ${gate.key} samples` };
  }
  const none = (why: string) => ({ value: undefined, why });
  if (value.kind === 'counter') {
    if (isTimeStat(gate.stat)) return none(`${stat} needs timings, but '${metric}' is a counter; use count or rate`);
    return { value: gate.stat.kind === 'count' ? value.count : value.ratePerSec, why: '' };
  }
  const s = gate.stat;
  if (s.kind === 'rate') return none(`rate needs a counter, but '${metric}' is a trend; use count, or a timing like p(95)`);
  if (s.kind === 'count') return { value: value.count, why: '' };
  if (value.count === 0) return none(`no ${gate.key} samples`);
  const us = s.kind === 'percentile' ? value.percentileUs(s.p)
    : s.kind === 'med' ? value.percentileUs(50)
    : s.kind === 'avg' ? value.meanUs
    : s.kind === 'min' ? value.minUs
    : value.maxUs;
  return { value: us, why: '' };
}

function holds(observed: number, op: ComparisonOp, limit: number): boolean {
  switch (op) {
    case '<': return observed < limit;
    case '<=': return observed <= limit;
    case '>': return observed > limit;
    case '>=': return observed >= limit;
    case '==': return observed === limit;
    case '!=': return observed !== limit;
  }
}

function fail(message: string, hint: string): never {
  throw new BazaarError('BAZAAR_BAD_THRESHOLD', message, hint);
}
