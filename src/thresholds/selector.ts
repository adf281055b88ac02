import { BazaarError } from '../errors.ts';

/** Which samples a threshold looks at: one metric, narrowed by tags. */
export interface MetricSelector {
  metric: string;
  tags: Record<string, string>;
}

const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SELECTOR_EXAMPLE = "ack{event:message:send} or delivery{event:message:new,room:booking}";

/**
 * Parse a threshold key: `ack`, `ack{event:message:send}`, `delivery{event:message:new,room:booking}`.
 * Tags are comma-separated; each splits at its FIRST ':' so values may hold ':' (event names do)
 * and spaces (`http{route:POST /api/bookings}`). Spaces around names and values are dropped: a
 * stray space must not turn a threshold into one that matches nothing (k6 issue #1526).
 */
export function parseMetricSelector(key: string): MetricSelector {
  return parseSelectorAt(key, `metric selector ${quote(key)}`);
}

/** The canonical spelling: tags sorted by name, as the metrics registry names its series. */
export function formatMetricSelector(selector: MetricSelector): string {
  const names = Object.keys(selector.tags).sort();
  if (names.length === 0) return selector.metric;
  return `${selector.metric}{${names.map((name) => `${name}:${selector.tags[name]}`).join(',')}}`;
}

/** parseMetricSelector with the place it came from (`thresholds['ack{...}']`) for error messages. */
export function parseSelectorAt(key: string, where: string): MetricSelector {
  if (typeof key !== 'string') fail(`${where} must be a string`, `write a metric name with optional tags: ${SELECTOR_EXAMPLE}`);
  const text = key.trim();
  const open = text.indexOf('{');
  const metric = (open === -1 ? text : text.slice(0, open)).trim();
  if (open === -1 && text.includes('}')) {
    fail(`${where} has a '}' without a '{'`, `write tags in braces: ${SELECTOR_EXAMPLE}`);
  }
  if (metric === '') {
    fail(`${where} names no metric`, `start with a metric name: ${SELECTOR_EXAMPLE}`);
  }
  if (!METRIC_NAME.test(metric)) {
    fail(`${where}: ${quote(metric)} is not a metric name`,
      `a metric name is letters, digits and _ (like ack or dropped_iterations); tags go in braces: ${SELECTOR_EXAMPLE}`);
  }
  if (open === -1) return { metric, tags: {} };
  if (!text.endsWith('}')) {
    fail(`${where}: the tag filter is not closed with '}' at the end`, `write tags in braces: ${SELECTOR_EXAMPLE}`);
  }
  const body = text.slice(open + 1, -1);
  if (body.includes('{') || body.includes('}')) {
    fail(`${where}: tags cannot contain '{' or '}'`, `write one pair of braces: ${SELECTOR_EXAMPLE}`);
  }
  if (body.trim() === '') {
    fail(`${where} has an empty tag filter`, `leave out the braces (${metric}) or name tags: ${metric}{event:message:send}`);
  }
  const tags: Record<string, string> = {};
  for (const pair of body.split(',')) {
    const colon = pair.indexOf(':');
    const name = (colon === -1 ? pair : pair.slice(0, colon)).trim();
    const value = colon === -1 ? '' : pair.slice(colon + 1).trim();
    if (name === '') {
      fail(`${where} has a tag with no name${pair.trim() === '' ? ' (an extra comma?)' : ` (${quote(pair.trim())})`}`,
        `write tags as name:value, separated by commas: ${SELECTOR_EXAMPLE}`);
    }
    if (value === '') {
      fail(`${where}: tag ${quote(name)} has no value`, `write tags as name:value, e.g. ${metric}{${name}:message:send}`);
    }
    if (Object.hasOwn(tags, name)) {
      fail(`${where} names tag ${quote(name)} twice`, 'a series has one value per tag; keep one of them');
    }
    tags[name] = value;
  }
  return { metric, tags };
}

function fail(message: string, hint: string): never {
  throw new BazaarError('BAZAAR_BAD_THRESHOLD', message, hint);
}

function quote(text: string): string {
  return `'${text}'`;
}
