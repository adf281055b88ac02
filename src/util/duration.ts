import { BazaarError } from '../errors.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/**
 * k6's duration strings (Go's time.Duration syntax, plus k6's days): a sequence of decimal
 * numbers each with a unit, such as '250ms', '1.5s', '1m30s', '2h45m10s500ms', '1d12h'.
 * https://pkg.go.dev/time#ParseDuration and k6's ParseExtendedDuration
 * (https://github.com/grafana/k6/blob/master/lib/types/types.go).
 */
const SEGMENT = /(\d+(?:\.\d+)?|\.\d+)(ms|us|µs|μs|ns|d|h|m|s)/y;
const HINT = 'write a number with a unit, or several: 250ms, 2s, 1m30s, 1h or 1d12h';

/**
 * Parse a duration a person typed, in k6's forms: '250ms', '2s', '1.5m', '1m30s', '1h', '1d'.
 * Whole milliseconds (rounded). Throws a usage error on anything else.
 *
 * Where bazaar parts from k6: k6 reads a bare number ('60') as milliseconds, which a person who
 * meant 60 s would not notice until the run; bazaar refuses it and asks for a unit. '0' alone
 * is accepted (it means the same in every unit). Units finer than a millisecond (us, ns) and
 * negative durations are refused: bazaar's timers are milliseconds and nothing it times runs
 * backwards.
 */
export function parseDurationMs(text: string, what = 'duration'): number {
  const input = text.trim();
  const bad = (hint: string): never => {
    throw new BazaarError('BAZAAR_BAD_DURATION', `${what} "${text}" is not a duration`, hint);
  };
  if (input === '0') return 0;
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(input)) {
    bad(`add a unit: "${input}s" or "${input}ms" (bazaar does not guess; k6 would read a bare number as milliseconds)`);
  }
  if (input.startsWith('-')) bad('a duration cannot be negative; write e.g. 30s');
  let ms = 0;
  let at = input.startsWith('+') ? 1 : 0;
  if (at === input.length) bad(HINT);
  while (at < input.length) {
    SEGMENT.lastIndex = at;
    const match = SEGMENT.exec(input);
    if (!match) bad(HINT);
    const [whole, number, unit] = match as unknown as [string, string, string];
    if (!(unit in UNIT_MS)) bad(`bazaar's durations are whole milliseconds: write ${number}${unit} as ms, s, m, h or d`);
    ms += Number(number) * (UNIT_MS[unit] as number);
    at += whole.length;
  }
  return Math.round(ms);
}

/** The shortest exact way to write a duration back: 60000 → '1m', 1500 → '1500ms'. */
export function formatDurationMs(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] as number;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
