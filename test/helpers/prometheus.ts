/* Reads the Prometheus text exposition format (0.0.4) strictly enough for tests: every sample
 * line must parse and belong to a metric family declared by # TYPE before it. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const [n, line] of text.split('\n').entries()) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      if (types.has(type[1]!)) throw new Error(`line ${n + 1}: ${type[1]} declared twice`);
      types.set(type[1]!, type[2]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`line ${n + 1} is not a sample: ${line}`);
    const labels: Record<string, string> = {};
    if (sample[2]) {
      const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
      let at = 0;
      while (at < sample[2].length) {
        pair.lastIndex = at;
        const m = pair.exec(sample[2]);
        if (!m) throw new Error(`line ${n + 1}: bad labels ${sample[2]}`);
        labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        at = pair.lastIndex;
      }
    }
    const value = Number(sample[3] === '+Inf' ? Infinity : sample[3]);
    if (Number.isNaN(value)) throw new Error(`line ${n + 1}: value ${sample[3]} is not a number`);
    const family = sample[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!types.has(sample[1]!) && !types.has(family)) throw new Error(`line ${n + 1}: ${sample[1]} has no # TYPE before it`);
    samples.push({ name: sample[1]!, labels, value });
  }
  return { types, samples };
}
