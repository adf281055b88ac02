import { BazaarError } from '../errors.ts';
import { parseDurationMs } from '../util/duration.ts';
import { parseExpressionAt, type ThresholdExpression } from './expression.ts';
import { parseSelectorAt, type MetricSelector } from './selector.ts';

/**
 * Thresholds as a scenario writes them (k6's shape): a metric selector to a list of conditions,
 * each a string or an object that can stop the run early.
 * Keys: 'ack{event:message:send}', 'delivery', 'http{route:POST /api/bookings}', 'errors', 'connect'.
 */
export type ThresholdSpecs = Record<
  string,
  (string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string })[]
>;

export interface Threshold {
  /** The key as written (trimmed), for reports. */
  key: string;
  selector: MetricSelector;
  expression: ThresholdExpression;
  /** Stop the run as soon as this threshold fails (after delayAbortEvalMs). */
  abortOnFail: boolean;
  /** How long into the run to wait before an abortOnFail threshold may stop it (0 if not set). */
  delayAbortEvalMs: number;
}

const CODE = 'BAZAAR_BAD_THRESHOLD';
const SPECS_EXAMPLE = "{ 'ack{event:message:send}': ['p(95)<150ms'], errors: ['count==0'] }";
const ITEM_KEYS = ['threshold', 'abortOnFail', 'delayAbortEval'];

/** Validate a scenario's `thresholds` and parse every condition; errors name the key and position. */
export function parseThresholds(specs: unknown): Threshold[] {
  if (specs === undefined) return [];
  if (typeof specs !== 'object' || specs === null || Array.isArray(specs)) {
    fail(`thresholds must be an object of metric → conditions, got ${Array.isArray(specs) ? 'a list' : String(specs)}`,
      `write for example thresholds: ${SPECS_EXAMPLE}`);
  }
  const thresholds: Threshold[] = [];
  for (const [rawKey, items] of Object.entries(specs)) {
    const where = `thresholds[${quote(rawKey)}]`;
    const selector = parseSelectorAt(rawKey, where);
    const key = rawKey.trim();
    if (typeof items === 'string') {
      fail(`${where} must be a list of conditions, got the string ${JSON.stringify(items)}`,
        `wrap it in a list: ${quote(key)}: [${quote(items)}]`);
    }
    if (!Array.isArray(items)) {
      fail(`${where} must be a list of conditions`, `write for example ${quote(key)}: ['p(95)<150ms']`);
    }
    if (items.length === 0) {
      fail(`${where} is an empty list, so it would never check anything`,
        `add a condition, e.g. ${quote(key)}: ['p(95)<150ms'], or remove the key`);
    }
    items.forEach((item: unknown, index) => {
      thresholds.push(parseItem(item, `${where}[${index}]`, key, selector));
    });
  }
  return thresholds;
}

/**
 * Parse a --threshold flag: a selector, whitespace, a condition.
 * 'ack{event:message:send} p(95)<150ms', 'http{route:POST /api/bookings} p(99) <= 1s'.
 */
export function parseCliThreshold(text: string): Threshold {
  const where = `--threshold ${JSON.stringify(text)}`;
  const example = "--threshold 'ack{event:message:send} p(95)<150ms'";
  const trimmed = text.trim();
  // A tag value may hold spaces (route:POST /api/bookings), so a selector with tags ends at its '}'.
  // A condition never holds '{', so a brace anywhere belongs to the selector.
  const brace = trimmed.indexOf('{');
  const firstSpace = trimmed.search(/\s/);
  let end: number;
  if (brace !== -1) {
    const close = trimmed.indexOf('}', brace);
    if (close === -1) fail(`${where}: the tag filter is not closed with '}'`, `write ${example}`);
    end = close + 1;
  } else {
    end = firstSpace === -1 ? trimmed.length : firstSpace;
  }
  const key = trimmed.slice(0, end).trim();
  const condition = trimmed.slice(end).trim();
  if (key === '' || condition === '') {
    fail(`${where} needs a metric and a condition separated by a space`, `write ${example}`);
  }
  const selector = parseSelectorAt(key, `${where}: metric selector ${quote(key)}`);
  return {
    key,
    selector,
    expression: parseExpressionAt(condition, `${where}: condition`),
    abortOnFail: false,
    delayAbortEvalMs: 0,
  };
}

function parseItem(item: unknown, where: string, key: string, selector: MetricSelector): Threshold {
  if (typeof item === 'string') {
    return { key, selector, expression: parseExpressionAt(item, where), abortOnFail: false, delayAbortEvalMs: 0 };
  }
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    fail(`${where} must be a condition string or { threshold, abortOnFail?, delayAbortEval? }`,
      "write 'p(95)<150ms' or { threshold: 'p(95)<150ms', abortOnFail: true }");
  }
  const fields = item as Record<string, unknown>;
  for (const field of Object.keys(fields)) {
    if (!ITEM_KEYS.includes(field)) {
      fail(`${where}.${field} is not an option of a threshold`, `a threshold object takes: ${ITEM_KEYS.join(', ')}`);
    }
  }
  if (fields.threshold === undefined) {
    fail(`${where}.threshold is missing`, "write { threshold: 'p(95)<150ms', abortOnFail: true }");
  }
  const expression = parseExpressionAt(fields.threshold as string, `${where}.threshold`);
  const abortOnFail = fields.abortOnFail ?? false;
  if (typeof abortOnFail !== 'boolean') {
    fail(`${where}.abortOnFail must be true or false, got ${JSON.stringify(abortOnFail)}`, 'write abortOnFail: true (no quotes)');
  }
  let delayAbortEvalMs = 0;
  if (fields.delayAbortEval !== undefined) {
    if (!abortOnFail) {
      // Without abortOnFail the delay changes nothing; say so rather than ignore it.
      fail(`${where}.delayAbortEval has no effect without abortOnFail: true`, 'add abortOnFail: true, or remove delayAbortEval');
    }
    if (typeof fields.delayAbortEval !== 'string') {
      fail(`${where}.delayAbortEval ${JSON.stringify(fields.delayAbortEval)} is not a duration`,
        "write a string with a unit, e.g. delayAbortEval: '10s'");
    }
    delayAbortEvalMs = parseDurationMs(fields.delayAbortEval, `${where}.delayAbortEval`);
  }
  return { key, selector, expression, abortOnFail, delayAbortEvalMs };
}

function fail(message: string, hint: string): never {
  throw new BazaarError(CODE, message, hint);
}

function quote(text: string): string {
  return `'${text}'`;
}
