import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findProfileFile, loadTargetProfile, resolveTargetProfile } from './load-target.ts';

const DEFINE = new URL('./define-target.ts', import.meta.url).pathname;
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-target-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const PROFILE = `import { defineTarget } from ${JSON.stringify(DEFINE)};
export default defineTarget({ name: 'found', identity: { type: 'jwt', secret: 's' },
  world: { booking: { fixed: [{ id: 'c1' }] } }, operations: {}, pushes: {} });
`;

describe('loading a target profile', () => {
  it('finds ./bazaar.target.ts in the working directory, and none where there is none', async () => {
    const dir = tempDir();
    expect(findProfileFile(undefined, dir)).toBeUndefined();
    writeFileSync(join(dir, 'bazaar.target.ts'), PROFILE);
    expect((await resolveTargetProfile(undefined, dir))?.profile.name).toBe('found');
  });

  it('says which file is missing for --profile, and what to do', () => {
    expect(() => findProfileFile('nope.target.ts', tempDir())).toThrow(/--profile nope.target.ts: no such file/);
  });

  it('names the file and the field of an invalid profile', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.target.js');
    writeFileSync(file, 'export default { name: "bad", identity: { type: "jwt", secret: "s" }, world: {}, operations: {}, pushes: {} };\n');
    await expect(loadTargetProfile(file)).rejects.toThrow(`${file}: target profile: world.booking is undefined`);
  });
});
