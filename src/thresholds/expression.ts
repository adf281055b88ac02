import { BazaarError } from '../errors.ts';

/* One threshold condition, k6's grammar: `stat op value[unit]`, e.g. 'p(95)<150ms', 'count==0'.
 * Time metrics are recorded in microseconds, so a time limit is stored in µs and compared there;
 * the unit the person wrote is kept to report the observed value back in it. */

export type Stat = { kind: 'percentile'; p: number } | { kind: 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' };
export type ComparisonOp = '<' | '<=' | '>' | '>=' | '==' | '!=';
export type ThresholdUnit = 'us' | 'ms' | 's' | 'none';

export interface ThresholdExpression {
  stat: Stat;
  op: ComparisonOp;
  /** The limit: in µs for time stats (percentiles, avg, min, max, med), as written for count and rate. */
  value: number;
  /** The unit written ('ms' when a time limit is a bare number, k6's convention); 'none' for count and rate. */
  unit: ThresholdUnit;
  /** The text as written, trimmed. */
  source: string;
}

const NAMED_STATS = ['avg', 'min', 'max', 'med', 'count', 'rate'] as const;
const STAT_LIST = 'p(95), avg, min, max, med, count or rate';
const US_PER_UNIT = { us: 1, ms: 1_000, s: 1_000_000 } as const;
const UNIT_ALIASES: Record<string, 'us' | 'ms' | 's'> = { us: 'us', 'µs': 'us', 'μs': 'us', ms: 'ms', s: 's' };

/** Parse 'p(95)<150ms', 'p(99.9) <= 1s', 'avg<200' (ms), 'count==0', 'rate<0.01', 'p(50)<300us'. */
export function parseThresholdExpression(text: string): ThresholdExpression {
  return parseExpressionAt(text, 'threshold');
}

/** True for stats measured in time (µs in the metrics, the written unit in reports). */
export function isTimeStat(stat: Stat): boolean {
  return stat.kind !== 'count' && stat.kind !== 'rate';
}

/** 'p(95)', 'avg', ... as a person writes it. */
export function formatStat(stat: Stat): string {
  return stat.kind === 'percentile' ? `p(${stat.p})` : stat.kind;
}

/** Convert µs to `unit` (for reporting a time stat in the unit its threshold was written in). */
export function fromMicroseconds(valueUs: number, unit: ThresholdUnit): number {
  return unit === 'none' ? valueUs : valueUs / US_PER_UNIT[unit];
}

/** parseThresholdExpression, naming the place it came from (`thresholds['ack'][0]`) in errors. */
export function parseExpressionAt(text: string, where: string): ThresholdExpression {
  if (typeof text !== 'string') fail(`${where} must be a string like 'p(95)<150ms'`, "write for example 'p(95)<150ms' or 'count==0'");
  const source = text.trim();
  const head = `${where} ${JSON.stringify(source)}`;
  if (source === '') fail(`${where} is empty`, "write a condition, e.g. 'p(95)<150ms' or 'count==0'");
  let rest = source;

  // The statistic.
  let stat: Stat;
  const percentile = /^p\s*\(([^)]*)\)/.exec(rest);
  const word = /^[A-Za-z_]\w*/.exec(rest)?.[0];
  if (percentile) {
    const inner = (percentile[1] as string).trim();
    const p = Number(inner);
    if (!/^\d+(\.\d+)?$/.test(inner) || p > 100) {
      fail(`${head}: p(${inner}) is not a percentile`, 'write a percentile from 0 to 100: p(95), p(99.9)');
    }
    stat = { kind: 'percentile', p };
    rest = rest.slice(percentile[0].length);
  } else if (/^p\s*\(/.test(rest)) {
    fail(`${head}: p( is not closed`, 'write a percentile in parentheses: p(95)<150ms');
  } else if (word !== undefined) {
    if (/^p\d/.test(word)) {
      fail(`${head}: ${quote(word)} is not a statistic`, `write percentiles with parentheses: p(${word.slice(1)})`);
    }
    const named = NAMED_STATS.find((name) => name === word);
    if (!named) {
      fail(`${head}: ${quote(word)} is not a statistic`, `start with ${STAT_LIST}, e.g. 'p(95)<150ms'`);
    }
    stat = { kind: named };
    rest = rest.slice(word.length);
  } else {
    fail(`${head} has no statistic`, `start with ${STAT_LIST}, e.g. 'p(95)<150ms'`);
  }
  const statText = formatStat(stat);

  // The comparison.
  rest = rest.trimStart();
  const op = /^(<=|>=|==|!=|<|>)/.exec(rest)?.[1] as ComparisonOp | undefined;
  if (!op) {
    const found = /^\S+/.exec(rest)?.[0];
    fail(
      found === undefined
        ? `${head} has no comparison after ${quote(statText)}`
        : `${head}: ${quote(found)} after ${quote(statText)} is not a comparison`,
      `compare with <, <=, >, >=, == or !=, e.g. '${statText}<150${isTimeStat(stat) ? 'ms' : ''}'`,
    );
  }
  rest = rest.slice(op.length).trimStart();

  // The limit.
  const number = /^(\d+(?:\.\d+)?|\.\d+)/.exec(rest)?.[1];
  if (number === undefined) {
    const example = `'${statText}${op}${isTimeStat(stat) ? '150ms' : '10'}'`;
    if (rest === '') fail(`${head} has no value after ${quote(op)}`, `write a limit after the comparison, e.g. ${example}`);
    fail(`${head}: ${quote(rest)} is not a number`, `write a plain number ≥ 0 after the comparison, e.g. ${example}`);
  }
  rest = rest.slice(number.length).trimStart();
  const written = Number(number);

  // The unit.
  const unitText = /^[A-Za-zµμ]+/.exec(rest)?.[0];
  if (unitText !== undefined) rest = rest.slice(unitText.length).trimStart();
  if (rest !== '') {
    fail(`${head}: unexpected ${quote(rest)} at the end`, `write one condition per threshold, e.g. '${statText}${op}${number}${unitText ?? ''}'`);
  }
  if (!isTimeStat(stat)) {
    if (unitText !== undefined) {
      fail(`${head}: ${statText} takes no unit (found ${quote(unitText)})`,
        stat.kind === 'count'
          ? `count is a number of samples: write 'count${op}${number}'`
          : `rate is a plain number per second: write 'rate${op}${number}'`);
    }
    return { stat, op, value: written, unit: 'none', source };
  }
  const unit = unitText === undefined ? 'ms' : UNIT_ALIASES[unitText];
  if (!unit) {
    fail(`${head}: ${quote(unitText as string)} is not a time unit`, `use us, ms or s (a bare number means ms), e.g. '${statText}${op}${number}ms'`);
  }
  // Rounded to the nanosecond so 1.1ms is 1100 µs, not 1100.0000000000002.
  const valueUs = Math.round(written * US_PER_UNIT[unit] * 1_000) / 1_000;
  return { stat, op, value: valueUs, unit, source };
}

function fail(message: string, hint: string): never {
  throw new BazaarError('BAZAAR_BAD_THRESHOLD', message, hint);
}

function quote(text: string): string {
  return `'${text}'`;
}
