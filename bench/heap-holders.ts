/* What holds a heap: the largest Maps and Sets of a V8 heap snapshot, each with its hash table's
 * size, the bytes it alone holds (table, keys and values no one else references) and the chain
 * of what retains it (closure variables show as `ctx.name`). For reading a
 * soak's snapshot (`npm run bench -- --soak-only --soak-heap-snapshot`):
 *
 *   node --max-old-space-size=2000 bench/heap-holders.ts reports/bench-…-soak.heapsnapshot [top=25]
 *
 * A Map whose table grows from one snapshot to the next, with the users and rooms alive the
 * same, holds what has happened rather than what is active. */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; edge_fields: string[]; node_types: [string[]]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node --max-old-space-size=2000 bench/heap-holders.ts FILE.heapsnapshot [top]\n');
  process.exit(2);
}
const top = Number(process.argv[3] ?? 25);
const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const { node_fields: nodeFields, edge_fields: edgeFields, node_types: [nodeTypes], edge_types: [edgeTypes] } = snap.snapshot.meta;
const { nodes, edges, strings } = snap;
const NF = nodeFields.length;
const EF = edgeFields.length;
const [iType, iName, iSize, iEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nodeFields.indexOf(f)) as [number, number, number, number];
const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => edgeFields.indexOf(f)) as [number, number, number];
const count = nodes.length / NF;

const firstEdge = new Int32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) {
  firstEdge[i] = e;
  e += nodes[i * NF + iEdges]! * EF;
  firstEdge[i + 1] = e;
}
// Who retains whom (weak edges left out), and by which edge.
const retainers: { from: number; edge: number }[][] = Array.from({ length: count }, () => []);
for (let i = 0; i < count; i++) {
  for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += EF) {
    if (edgeTypes[edges[e + eType]!] === 'weak') continue;
    retainers[edges[e + eTo]! / NF]!.push({ from: i, edge: e });
  }
}
const nodeName = (i: number) => `${nodeTypes[nodes[i * NF + iType]!]}:${strings[nodes[i * NF + iName]!]?.slice(0, 40)}`;
const edgeName = (e: number) => {
  const type = edgeTypes[edges[e + eType]!];
  const n = edges[e + eName]!;
  return type === 'element' || type === 'hidden' ? `[${n}]` : `${type === 'context' ? 'ctx.' : ''}${strings[n]}`;
};
const chain = (start: number, depth: number) => {
  let out = '';
  const seen = new Set<number>([start]);
  for (let at = start, d = 0; d < depth; d++) {
    const next = retainers[at]!.find((r) => !seen.has(r.from));
    if (!next) break;
    seen.add(next.from);
    out += ` <- ${edgeName(next.edge)} of ${nodeName(next.from)}`;
    at = next.from;
  }
  return out;
};

/**
 * Bytes held by `root` alone: it and what is reachable from it through nodes with one retainer
 * only (a lower bound of its retained size: an entry's string also referenced elsewhere is not counted).
 */
const ownedBytes = (root: number) => {
  let total = 0;
  const stack = [root];
  const seen = new Set<number>([root]);
  while (stack.length > 0) {
    const at = stack.pop()!;
    total += nodes[at * NF + iSize]!;
    for (let e = firstEdge[at]!; e < firstEdge[at + 1]!; e += EF) {
      const to = edges[e + eTo]! / NF;
      if (seen.has(to) || edgeTypes[edges[e + eType]!] === 'weak' || retainers[to]!.length !== 1) continue;
      seen.add(to);
      stack.push(to);
    }
  }
  return total;
};

const holders: { node: number; tableBytes: number }[] = [];
for (let i = 0; i < count; i++) {
  const name = strings[nodes[i * NF + iName]!];
  if (nodeTypes[nodes[i * NF + iType]!] !== 'object' || (name !== 'Map' && name !== 'Set')) continue;
  for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += EF) {
    if (edgeTypes[edges[e + eType]!] !== 'element' && strings[edges[e + eName]!] === 'table') {
      holders.push({ node: i, tableBytes: nodes[(edges[e + eTo]! / NF) * NF + iSize]! });
    }
  }
}
holders.sort((a, b) => b.tableBytes - a.tableBytes);
process.stdout.write('  table KB  owned KB  what, <- retained by\n');
for (const { node, tableBytes } of holders.slice(0, top)) {
  process.stdout.write(`${(tableBytes / 1024).toFixed(0).padStart(9)}  ${(ownedBytes(node) / 1024).toFixed(0).padStart(8)}  ${nodeName(node)}${chain(node, 6)}\n`);
}
