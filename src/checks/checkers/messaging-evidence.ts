/** Evidence stays readable: at most `max` lines, then one line saying how many more there were. */
export function limitEvidence(lines: readonly string[], max = 12): string[] {
  if (lines.length <= max) return [...lines];
  return [...lines.slice(0, max), `… and ${lines.length - max} more like these`];
}

/** A body as evidence shows it: quoted, cut at `maxChars`. */
export function quoteBody(body: unknown, maxChars = 40): string {
  if (typeof body !== 'string') return JSON.stringify(body) ?? String(body);
  return JSON.stringify(body.length > maxChars ? `${body.slice(0, maxChars)}…` : body);
}

/** "seq 2, 5, 9 … (14 in all)": a list of numbers short enough for one evidence line. */
export function listSeqs(seqs: readonly number[], max = 8): string {
  const shown = seqs.slice(0, max).join(', ');
  return seqs.length > max ? `${shown} … (${seqs.length} in all)` : shown;
}

/** What every checker answers: passed, or why not. */
export interface Verdict {
  passed: boolean;
  evidence: string[];
}
