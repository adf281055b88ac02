import { BazaarError } from '../errors.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Parse a duration a person typed: '500ms', '2s', '1.5m', '1h'. Throws on anything else. */
export function parseDurationMs(text: string, what = 'duration'): number {
  const match = DURATION.exec(text.trim());
  if (!match) {
    throw new BazaarError(
      'BAZAAR_BAD_DURATION',
      `${what} "${text}" is not a duration`,
      'write a number with a unit: 500ms, 2s, 15m or 1h',
    );
  }
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] as number));
}

/** The shortest exact way to write a duration back: 60000 → '60s', 1500 → '1500ms'. */
export function formatDurationMs(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] as number;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
