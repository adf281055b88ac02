/* What grew between two heap snapshots of one process (a soak's, taken with
 * `npm run bench -- --soak-only --soak-duration 6m --soak-heap-snapshot-at 2m,5m30s`):
 *
 *   node --max-old-space-size=3000 bench/heap-diff.ts EARLIER.heapsnapshot LATER.heapsnapshot [top=20]
 *
 * Three views, each sorted by the bytes it grew:
 * - by constructor: how many objects of each kind and their bytes, earlier and later (strings,
 *   code and numbers by kind: their names are their contents);
 * - holders: objects alive in both (V8 keeps an object's id from one snapshot to the next) whose
 *   own bytes grew: the object, what only it reaches, its edge count, then its retainers. A Map,
 *   array or closure here holds more of what has happened;
 * - where the new objects of the kinds that grew most hang: objects born after the earlier
 *   snapshot and alive in the later, grouped by their chain of retainers up to the first object
 *   that already existed (its id shown), with their count and bytes.
 * A kind that grows with no holder growing along is V8's own (code, feedback, shapes) or spread
 * over many small holders. */
import { readHeapSnapshot, type HeapSnapshot } from './heap-snapshot.ts';

const [earlierFile, laterFile, topText] = process.argv.slice(2);
if (!earlierFile || !laterFile) {
  process.stderr.write('usage: node --max-old-space-size=3000 bench/heap-diff.ts EARLIER.heapsnapshot LATER.heapsnapshot [top]\n');
  process.exit(2);
}
const top = Number(topText ?? 20);
const a = readHeapSnapshot(earlierFile);
const b = readHeapSnapshot(laterFile);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)}`;
const signedKb = (bytes: number) => `${bytes >= 0 ? '+' : ''}${kb(bytes)}`;

/** An object's kind: its constructor, or its type when its name is its content. */
const BY_TYPE = new Set(['string', 'concatenated string', 'sliced string', 'number', 'code', 'regexp', 'bigint', 'symbol']);
const kind = (h: HeapSnapshot, i: number) => {
  const type = h.type(i);
  return BY_TYPE.has(type) ? `(${type})` : `${type}:${h.name(i).slice(0, 50)}`;
};
const tally = (h: HeapSnapshot) => {
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < h.count; i++) {
    const k = kind(h, i);
    const t = out.get(k) ?? { count: 0, bytes: 0 };
    t.count++;
    t.bytes += h.selfSize(i);
    out.set(k, t);
  }
  return out;
};
const total = (h: HeapSnapshot) => {
  let bytes = 0;
  for (let i = 0; i < h.count; i++) bytes += h.selfSize(i);
  return bytes;
};

// 1. By constructor.
const kindsA = tally(a);
const kindsB = tally(b);
const kinds = [...new Set([...kindsA.keys(), ...kindsB.keys()])].map((k) => {
  const x = kindsA.get(k) ?? { count: 0, bytes: 0 };
  const y = kindsB.get(k) ?? { count: 0, bytes: 0 };
  return { k, countA: x.count, countB: y.count, bytesA: x.bytes, bytesB: y.bytes, delta: y.bytes - x.bytes };
}).sort((p, q) => q.delta - p.delta);
process.stdout.write(`heap: ${a.count} objects, ${kb(total(a))} KB -> ${b.count} objects, ${kb(total(b))} KB (${signedKb(total(b) - total(a))} KB)\n\n`);
process.stdout.write('by constructor, most grown first:\n      count         KB (earlier -> later)     grew KB  kind\n');
for (const r of kinds.slice(0, top)) {
  process.stdout.write(`${`${r.countA} -> ${r.countB}`.padStart(17)}  ${`${kb(r.bytesA)} -> ${kb(r.bytesB)}`.padStart(22)}  ${signedKb(r.delta).padStart(9)}  ${r.k}\n`);
}
process.stdout.write('  ... most shrunk:\n');
for (const r of kinds.slice(-5).reverse()) {
  process.stdout.write(`${`${r.countA} -> ${r.countB}`.padStart(17)}  ${`${kb(r.bytesA)} -> ${kb(r.bytesB)}`.padStart(22)}  ${signedKb(r.delta).padStart(9)}  ${r.k}\n`);
}

// 2. Holders alive in both whose own bytes grew.
const indexById = (h: HeapSnapshot) => {
  const out = new Map<number, number>();
  for (let i = 0; i < h.count; i++) out.set(h.id(i), i);
  return out;
};
const inA = indexById(a);
let maxIdA = 0;
for (const id of inA.keys()) maxIdA = Math.max(maxIdA, id);
const edgeCount = (h: HeapSnapshot, i: number) => {
  const [from, to] = h.edgesOf(i);
  return (to - from) / h.edgeStep;
};
/** Its own bytes and those of its hash table, elements or properties (they are replaced as they grow). */
const shallowWithStore = (h: HeapSnapshot, i: number) => {
  let bytes = h.selfSize(i);
  const [from, to] = h.edgesOf(i);
  for (let e = from; e < to; e += h.edgeStep) {
    if (h.edgeType(e) !== 'internal') continue;
    const n = h.edgeName(e);
    if (n === 'table' || n === 'elements' || n === 'properties') bytes += h.selfSize(h.edgeTo(e));
  }
  return bytes;
};
const holders: { i: number; j: number; shallowDelta: number; edgesA: number; edgesB: number }[] = [];
for (let j = 0; j < b.count; j++) {
  const i = inA.get(b.id(j));
  if (i === undefined) continue;
  const type = b.type(j);
  if (type !== 'object' && type !== 'array' && type !== 'closure' && type !== 'hidden') continue;
  const shallowDelta = shallowWithStore(b, j) - shallowWithStore(a, i);
  const edgesA = edgeCount(a, i);
  const edgesB = edgeCount(b, j);
  if (shallowDelta > 256 || edgesB - edgesA > 16) holders.push({ i, j, shallowDelta, edgesA, edgesB });
}
const measured = holders.map((h) => ({ ...h, ownedDelta: b.ownedBytes(h.j) - a.ownedBytes(h.i) }))
  .sort((p, q) => q.ownedDelta - p.ownedDelta);
process.stdout.write(`\nholders alive in both that grew (${holders.length} grew their store by > 256 B or > 16 edges), by what only they reach:\n`);
process.stdout.write('   owned KB grew   store KB grew       edges  what, <- retained by\n');
for (const h of measured.slice(0, top)) {
  process.stdout.write(`${signedKb(h.ownedDelta).padStart(15)}  ${signedKb(h.shallowDelta).padStart(14)}  ${`${h.edgesA} -> ${h.edgesB}`.padStart(10)}  ${b.label(h.j)} @${b.id(h.j)}${b.chain(h.j, 6)}\n`);
}

// 3. Where the newborn objects of the most grown kinds hang.
const grownKinds = new Set(kinds.filter((r) => r.delta > 0).slice(0, 8).map((r) => r.k));
const anchorOf = (j: number) => {
  // Up the first strong retainer until an object that already existed in the earlier snapshot.
  const path: string[] = [];
  const seen = new Set<number>([j]);
  for (let at = j, d = 0; d < 12; d++) {
    const next = b.retainers(at).find((r) => !seen.has(r.from));
    if (!next) return `${path.join('')} <- (no retainer)`;
    seen.add(next.from);
    const old = b.id(next.from) <= maxIdA;
    path.push(` <- ${b.edgeName(next.edge).replace(/^\[?\d+\]?$/, '[]')} of ${b.label(next.from)}${old ? ` @${b.id(next.from)}` : ''}`);
    if (old) return path.join('');
    at = next.from;
  }
  return `${path.join('')} <- ...`;
};
const groups = new Map<string, Map<string, { count: number; bytes: number }>>();
for (let j = 0; j < b.count; j++) {
  if (b.id(j) <= maxIdA) continue;
  const k = kind(b, j);
  if (!grownKinds.has(k)) continue;
  const byAnchor = groups.get(k) ?? new Map<string, { count: number; bytes: number }>();
  const anchor = anchorOf(j);
  const t = byAnchor.get(anchor) ?? { count: 0, bytes: 0 };
  t.count++;
  t.bytes += b.selfSize(j);
  byAnchor.set(anchor, t);
  groups.set(k, byAnchor);
}
process.stdout.write('\nnewborn objects of the most grown kinds (born after the earlier snapshot, alive in the later), by where they hang:\n');
for (const k of grownKinds) {
  const byAnchor = [...(groups.get(k) ?? new Map<string, { count: number; bytes: number }>()).entries()].sort((p, q) => q[1].bytes - p[1].bytes);
  const all = byAnchor.reduce((s, [, t]) => s + t.bytes, 0);
  process.stdout.write(`  ${k}: ${byAnchor.reduce((s, [, t]) => s + t.count, 0)} newborn, ${kb(all)} KB\n`);
  for (const [anchor, t] of byAnchor.slice(0, 4)) process.stdout.write(`    ${String(t.count).padStart(7)}  ${kb(t.bytes).padStart(8)} KB ${anchor}\n`);
}
