import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { materializeScenario, sha256 } from './scenario-copy.ts';

const SMOKE = fileURLToPath(new URL('../../../scenarios/smoke.ts', import.meta.url));
const SELF_IMPORT = fileURLToPath(new URL('../../scenario/self-import.ts', import.meta.url));
const LOAD = fileURLToPath(new URL('../../scenario/load-scenario.ts', import.meta.url));

const single = `import { defineScenario } from 'bazaar';
export default defineScenario({
  name: 'shipped-copy',
  world: false,
  executor: { type: 'per-vu-iterations', vus: 1, iterations: 1 },
  async iteration() {},
});
`;

describe('the scenario an agent loads', () => {
  it('keeps a shipped name, and a file at the same path with the same content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bazaar-copy-'));
    expect(materializeScenario({ name: 'smoke' }, dir)).toMatchObject({ path: 'smoke', copy: false });
    const content = readFileSync(SMOKE, 'utf8');
    expect(materializeScenario({ path: SMOKE, content, sha256: sha256(content) }, dir)).toMatchObject({ path: SMOKE, copy: false });
  });

  it('writes a copy when its own file differs or is missing, and the copy loads with bazaar from this install', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bazaar-copy-'));
    const copy = materializeScenario({ path: '/nowhere/on/this/agent/chat.ts', content: single, sha256: sha256(single) }, dir);
    expect(copy).toMatchObject({ path: join(dir, 'chat.ts'), copy: true });
    expect(readFileSync(copy.path, 'utf8')).toBe(single);
    // A real process, as a worker of the agent: `import 'bazaar'` resolves to this checkout's src/index.ts.
    const script = `import { importBazaarFromThisInstall } from ${JSON.stringify(SELF_IMPORT)};
      import { loadScenario } from ${JSON.stringify(LOAD)};
      importBazaarFromThisInstall();
      const scenario = await loadScenario(${JSON.stringify(copy.path)});
      console.log(scenario.name, scenario.kind);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: dir });
    expect(stdout.trim()).toBe('shipped-copy bazaar.scenario');
  }, 20_000);
});
