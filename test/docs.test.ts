import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFECTS } from '../reference-server/index.ts';
import { ALL_CHECKS } from '../src/checks/suite.ts';
import { listRepros } from '../src/lab/repro/run-repro.ts';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

// Docs that match the code: every id the code knows is written down where people look.
describe('the docs match the code', () => {
  it('docs/checks.md lists every check id', () => {
    const doc = read('docs/checks.md');
    expect(ALL_CHECKS.map((c) => c.id).filter((id) => !doc.includes(`\`${id}\``))).toEqual([]);
  });

  it('reference-server/DEFECTS.md documents every defect', () => {
    const doc = read('reference-server/DEFECTS.md');
    expect(DEFECTS.map((d) => d.name).filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });

  it('every repro entry has its page in docs/repro/, indexed in docs/repro/README.md, with its recipe and upstream links', () => {
    const index = read('docs/repro/README.md');
    for (const entry of listRepros()) {
      const page = read(`docs/repro/${entry.name}.md`);
      expect(page, entry.name).toContain(`npx bazaar repro ${entry.name}`);
      expect(entry.links.filter((link) => !page.includes(link)), entry.name).toEqual([]);
      expect(page, entry.name).toMatch(/## What bazaar measured/);
      expect(index, entry.name).toContain(`[\`${entry.name}\`](${entry.name}.md)`);
    }
  });

  it('the README names every shipped scenario', () => {
    const readme = read('README.md');
    const shipped = readdirSync(new URL('../scenarios/', import.meta.url)).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
    expect(shipped.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });
});

// What ships: the docs people read, and the code they run. Notes kept outside the repository
// (a research folder, a build machine) are nothing a reader can follow.
const DOCS = [
  'README.md',
  ...readdirSync(new URL('../docs/', import.meta.url)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ...readdirSync(new URL('../docs/repro/', import.meta.url)).filter((f) => f.endsWith('.md')).map((f) => `docs/repro/${f}`),
  'bench/README.md',
  'reports/README.md',
  'reference-server/DEFECTS.md',
];
const CODE_ROOTS = ['src', 'reference-server', 'bench', 'scenarios', 'bin'];

function codeFiles(dir: string): string[] {
  return readdirSync(new URL(`../${dir}/`, import.meta.url), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? codeFiles(`${dir}/${entry.name}`) : entry.name.endsWith('.ts') ? [`${dir}/${entry.name}`] : []);
}

/** Lines of `files` matching `pattern`, as 'file:line: text'. */
function grep(files: string[], pattern: RegExp): string[] {
  return files.flatMap((file) =>
    read(file).split('\n').flatMap((line, index) => (pattern.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : [])));
}

const RESEARCH_CITATION = /research\s*§|\bresearch\/[\w.-]+/i;

describe('the docs stand on what ships', () => {
  it('no doc cites research notes that do not ship ("research §2.19"): a fact comes with its public source', () => {
    expect(grep(DOCS, RESEARCH_CITATION)).toEqual([]);
  });

  it('no shipped code cites them either', () => {
    expect(grep(CODE_ROOTS.flatMap(codeFiles), RESEARCH_CITATION)).toEqual([]);
  });

  it('every repository path a doc names exists', () => {
    const root = new URL('../', import.meta.url).pathname;
    // A path into the repository, not part of a URL; a template (`reports/<timestamp>_…`) or the
    // reader's own file (`scenarios/my-scenario.ts`) is not a claim that the file ships.
    const PATH = /(?<![\w/.@-])(?:src|test|docs|bench|reference-server|scenarios|reports|bin|research)\/[\w./-]*\w(?![\w<-])/g;
    const missing = DOCS.flatMap((doc) =>
      [...read(doc).matchAll(PATH)]
        .map((match) => match[0])
        .filter((path) => !/\/my-[\w-]+\.ts$/.test(path))
        .filter((path) => !existsSync(join(root, path)) && !existsSync(join(root, dirname(doc), path)))
        .map((path) => `${doc}: ${path}`));
    expect(missing).toEqual([]);
  });

  it("no doc describes the machine bazaar was built on: limits are the reader's machine's", () => {
    expect(grep(DOCS, /\b(this|these|our|the project's) (machine|machines|VM|VMs|host)\b|\bsandbox\b/i)).toEqual([]);
  });
});
