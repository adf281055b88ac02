/*
 * bazaar installed as a user installs it: `npm pack` (prepack builds dist/), the tarball installed
 * into a fresh project with no TypeScript, and from there the CLI, a user's scenarios in JS and
 * TS, the check suite and the reference-server API. Node refuses to strip types under
 * node_modules, so that any of this runs at all proves the package imports no .ts file.
 * One pack and one install (it downloads the dependencies) serve every test here.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../../src/checks/suite.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PACK_TIMEOUT_MS = 120_000;
const INSTALL_TIMEOUT_MS = 240_000;
const COMMAND_TIMEOUT_MS = 60_000;

// The children run on the Node running this test (the pinned one), first on PATH, whatever the
// machine's own Node; npm's own variables from an enclosing `npm test` are left out, so npm in
// the temporary project sees that project and nothing of the checkout.
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'NODE_OPTIONS'),
);
env.PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Fails with the command's output when it did not exit 0. */
async function ok(command: string, args: string[], cwd: string, timeoutMs?: number): Promise<Outcome> {
  const outcome = await run(command, args, cwd, timeoutMs);
  if (outcome.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${outcome.code}\n${outcome.stdout}\n${outcome.stderr}`);
  }
  return outcome;
}

const JS_SCENARIO = `import { defineScenario } from 'bazaar';

export default defineScenario({
  world: { sellers: 1, listingsPerSeller: 1, bookings: 1 },
  executor: { type: 'constant-vus', vus: 2, duration: '2s' },
  thresholds: { errors: ['count==0'], 'ack{event:message:send}': ['p(95)<1s'] },
  async iteration({ buyer, booking, think }) {
    await buyer.join(booking);
    await buyer.send(booking, 'is it still available?');
    await think('200ms');
  },
});
`;

// Erasable TypeScript, run by the user's Node (type stripping), typed by the package's declarations.
const TS_SCENARIO = `import { defineScenario, type IterationContext } from 'bazaar';

async function ask({ buyer, booking }: Pick<IterationContext, 'buyer' | 'booking'>): Promise<void> {
  if (!booking) throw new Error('this scenario seeds one booking per VU');
  await buyer.join(booking);
  await buyer.send(booking, 'is it still available?');
}

export default defineScenario({
  world: { sellers: 1, listingsPerSeller: 1, bookings: 1 },
  executor: { type: 'constant-vus', vus: 2, duration: '2s' },
  thresholds: { errors: ['count==0'] },
  async iteration({ buyer, booking, think }) {
    await ask({ buyer, booking });
    await think('200ms');
  },
});
`;

const SERVER_SCRIPT = `import { startReferenceServer } from 'bazaar/reference-server';

const server = await startReferenceServer({ port: 0 });
const handshake = await fetch(\`\${server.url}/socket.io/?EIO=4&transport=polling\`);
console.log(\`listening on \${server.url}, handshake \${handshake.status}\`);
await server.close();
`;

let root = '';
let project = '';
let packedFiles: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'bazaar-install-'));
  project = join(root, 'project');
  mkdirSync(project);
  const packed = await ok('npm', ['pack', '--json', '--pack-destination', root], REPO, PACK_TIMEOUT_MS);
  const [manifest] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  if (!manifest) throw new Error(`npm pack printed no manifest: ${packed.stdout}`);
  packedFiles = manifest.files.map((file) => file.path);
  await ok('npm', ['init', '-y'], project);
  await ok('npm', ['pkg', 'set', 'type=module'], project);
  await ok('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', join(root, manifest.filename)], project, INSTALL_TIMEOUT_MS);
  writeFileSync(join(project, 'my-scenario.js'), JS_SCENARIO);
  writeFileSync(join(project, 'my-scenario.ts'), TS_SCENARIO);
  writeFileSync(join(project, 'serve.js'), SERVER_SCRIPT);
  mkdirSync(join(project, 'commonjs'));
  writeFileSync(join(project, 'commonjs', 'package.json'), '{ "type": "commonjs" }\n');
  writeFileSync(join(project, 'commonjs', 'my-scenario.js'), JS_SCENARIO);
}, PACK_TIMEOUT_MS + INSTALL_TIMEOUT_MS);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('bazaar installed into another project', { timeout: COMMAND_TIMEOUT_MS }, () => {
  it('ships compiled JavaScript with declarations and source maps, and no TypeScript source', () => {
    expect(packedFiles).toEqual(expect.arrayContaining([
      'bin/bazaar.js', 'dist/bin/bazaar.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/index.js.map',
      'dist/reference-server/index.js', 'dist/reference-server/index.d.ts', 'dist/scenarios/smoke.js', 'README.md', 'package.json',
    ]));
    expect(packedFiles.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(packedFiles.filter((file) => !/^(dist\/|docs\/|bin\/bazaar\.js$|README\.md$|package\.json$|reference-server\/DEFECTS\.md$)/.test(file))).toEqual([]);
    expect(packedFiles.filter((file) => /\.test\./.test(file))).toEqual([]);
  });

  it('installs no TypeScript into the project', () => {
    expect(existsSync(join(project, 'node_modules', 'typescript'))).toBe(false);
  });

  it("a user's TypeScript scenario type-checks against the shipped declarations", async () => {
    // The project has no TypeScript: the checkout's pinned tsc checks the project's file, resolving
    // 'bazaar' from the project's node_modules, as the user's editor or tsc would.
    const tsc = join(REPO, 'node_modules', '.bin', 'tsc');
    await ok(tsc, ['--noEmit', '--strict', '--module', 'nodenext', '--target', 'esnext', '--skipLibCheck', 'my-scenario.ts'], project);
    writeFileSync(join(project, 'wrong.ts'), "import { defineScenario } from 'bazaar';\nexport default defineScenario({ executor: { type: 'no-such-executor' } });\n");
    const wrong = await run(tsc, ['--noEmit', '--strict', '--module', 'nodenext', '--target', 'esnext', '--skipLibCheck', 'wrong.ts'], project);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toMatch(/no-such-executor/);
  });

  it.each(['my-scenario.js', 'my-scenario.ts'])('npx bazaar run ./%s: a user scenario importing defineScenario from bazaar', async (file) => {
    const { stdout } = await ok('npx', ['bazaar', 'run', `./${file}`, '--duration', '2s'], project);
    expect(stdout).toMatch(/PASSED: (\d+) of \1 thresholds passed/);
    expect(stdout).toMatch(/ack\{event:message:send\}/);
  });

  it('a .js scenario where package.json says CommonJS: a usage error that says to make it an ES module', async () => {
    const outcome = await run('npx', ['bazaar', 'run', './commonjs/my-scenario.js', '--duration', '2s'], project);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/cannot load scenario .*my-scenario\.js/);
    expect(outcome.stderr).toMatch(/"type": "module" in your package\.json, or name the file \.mjs/);
  });

  it('npx bazaar run smoke: a shipped scenario, found by name among the compiled ones', async () => {
    const { stdout } = await ok('npx', ['bazaar', 'run', 'smoke'], project);
    expect(stdout).toMatch(/PASSED/);
    // report.html inlines uPlot, found as the package's own dependency from dist/
    const html = /^html: (.+)$/m.exec(stdout)?.[1] ?? '';
    expect(readFileSync(html, 'utf8')).toMatch(/uPlot/);
  });

  it("npx bazaar check against the embedded server: the suite's auth and authz groups pass", async () => {
    const { stdout } = await ok('npx', ['bazaar', 'check', '--only', 'auth.*,authz.*'], project);
    expect(stdout).toMatch(/embedded reference server/);
    expect(stdout).toMatch(/authz\.join-matrix/);
    const expected = ALL_CHECKS.filter((c) => c.id.startsWith('auth.') || c.id.startsWith('authz.')).length;
    expect(stdout).toMatch(new RegExp(`PASSED: ${expected} passed, 0 failed, 0 skipped`));
  });

  it('a script importing startReferenceServer from bazaar/reference-server starts it, reaches it and closes it', async () => {
    const { stdout } = await ok('node', ['serve.js'], project);
    expect(stdout).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+, handshake 200$/m);
  });
});
