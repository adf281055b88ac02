import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, resolveScenarioPath } from './load-scenario.ts';

const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const INDEX = new URL('../index.ts', import.meta.url).href;
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bazaar-scenarios-'));
  const body = `import { defineScenario } from '${INDEX}';
export default defineScenario({ executor: { type: 'per-vu-iterations', vus: 1, iterations: 1 }, async iteration() {} });
`;
  writeFileSync(join(dir, 'in-js.js'), body);
  writeFileSync(join(dir, 'in-ts.ts'), body);
  writeFileSync(join(dir, 'in-mjs.mjs'), body);
  writeFileSync(join(dir, 'notes.txt'), 'not a scenario');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveScenarioPath', () => {
  it.each([
    ['./in-js.js', 'in-js.js'],
    ['in-js', 'in-js.js'],
    ['./in-ts.ts', 'in-ts.ts'],
    ['in-ts', 'in-ts.ts'],
    ['in-mjs', 'in-mjs.mjs'],
  ])('a user file: %s is %s', (argument, file) => {
    expect(resolveScenarioPath(argument, dir)).toBe(join(dir, file));
  });

  it('a shipped name is the shipped scenario in the layout this runs from (.ts in a checkout)', () => {
    expect(resolveScenarioPath('smoke', dir)).toBe(join(SCENARIOS, 'smoke.ts'));
    expect(resolveScenarioPath('smoke.ts', dir)).toBe(join(SCENARIOS, 'smoke.ts'));
  });

  it.each(['notes.txt', 'no-such-scenario'])('%s is no scenario, and the error says what may be given', (argument) => {
    expect(() => resolveScenarioPath(argument, dir)).toThrow(
      expect.objectContaining({ code: 'BAZAAR_SCENARIO_NOT_FOUND', hint: expect.stringMatching(/\.ts or \.js file/) }));
  });
});

describe('loadScenario', () => {
  it.each(['in-js.js', 'in-ts.ts', 'in-mjs.mjs'])('loads %s, named after its file', async (file) => {
    const scenario = await loadScenario(file, dir);
    expect(scenario).toMatchObject({ kind: 'bazaar.scenario', name: file.replace(/\.\w+$/, ''), file: join(dir, file) });
  });
});
