/* A V8 heap snapshot read into flat arrays, with who retains whom: the part bench/heap-holders.ts
 * and bench/heap-diff.ts share. Node ids are V8's own and stay the same from one snapshot to the
 * next of one process, so two snapshots of a soak can be matched object by object. */
import { readFileSync } from 'node:fs';

interface SnapshotFile {
  snapshot: { meta: { node_fields: string[]; edge_fields: string[]; node_types: [string[]]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface HeapSnapshot {
  count: number;
  type(i: number): string;
  name(i: number): string;
  id(i: number): number;
  selfSize(i: number): number;
  /** The node's outgoing edges: [start, end) offsets, stepped by `edgeStep`. */
  edgesOf(i: number): [number, number];
  edgeStep: number;
  edgeType(e: number): string;
  edgeTo(e: number): number;
  edgeName(e: number): string;
  /** Strong retainers (weak edges left out), and by which edge. */
  retainers(i: number): readonly { from: number; edge: number }[];
  /** "type:name", the name cut at 40 characters. */
  label(i: number): string;
  /** " <- edge of node" up to `depth` retainers, the first not yet seen each time. */
  chain(start: number, depth: number): string;
  /** Bytes held by `root` alone: it and what only it reaches, through nodes with one retainer (a lower bound of its retained size). */
  ownedBytes(root: number): number;
}

export function readHeapSnapshot(file: string): HeapSnapshot {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as SnapshotFile;
  const { node_fields: nodeFields, edge_fields: edgeFields, node_types: [nodeTypes], edge_types: [edgeTypes] } = snap.snapshot.meta;
  const { nodes, edges, strings } = snap;
  const NF = nodeFields.length;
  const EF = edgeFields.length;
  const [iType, iName, iId, iSize, iEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) => nodeFields.indexOf(f)) as [number, number, number, number, number];
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => edgeFields.indexOf(f)) as [number, number, number];
  const count = nodes.length / NF;

  const firstEdge = new Int32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += nodes[i * NF + iEdges]! * EF;
    firstEdge[i + 1] = e;
  }
  const retainers: { from: number; edge: number }[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < count; i++) {
    for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += EF) {
      if (edgeTypes[edges[e + eType]!] === 'weak') continue;
      retainers[edges[e + eTo]! / NF]!.push({ from: i, edge: e });
    }
  }
  const type = (i: number) => nodeTypes[nodes[i * NF + iType]!]!;
  const name = (i: number) => strings[nodes[i * NF + iName]!] ?? '';
  const label = (i: number) => `${type(i)}:${name(i).slice(0, 40)}`;
  const edgeType = (e: number) => edgeTypes[edges[e + eType]!]!;
  const edgeTo = (e: number) => edges[e + eTo]! / NF;
  const edgeName = (e: number) => {
    const t = edgeType(e);
    const n = edges[e + eName]!;
    return t === 'element' || t === 'hidden' ? `[${n}]` : `${t === 'context' ? 'ctx.' : ''}${strings[n]}`;
  };
  return {
    count,
    type,
    name,
    id: (i) => nodes[i * NF + iId]!,
    selfSize: (i) => nodes[i * NF + iSize]!,
    edgesOf: (i) => [firstEdge[i]!, firstEdge[i + 1]!],
    edgeStep: EF,
    edgeType,
    edgeTo,
    edgeName,
    retainers: (i) => retainers[i]!,
    label,
    chain(start, depth) {
      let out = '';
      const seen = new Set<number>([start]);
      for (let at = start, d = 0; d < depth; d++) {
        const next = retainers[at]!.find((r) => !seen.has(r.from));
        if (!next) break;
        seen.add(next.from);
        out += ` <- ${edgeName(next.edge)} of ${label(next.from)}`;
        at = next.from;
      }
      return out;
    },
    ownedBytes(root) {
      let total = 0;
      const stack = [root];
      const seen = new Set<number>([root]);
      while (stack.length > 0) {
        const at = stack.pop()!;
        total += nodes[at * NF + iSize]!;
        for (let e = firstEdge[at]!; e < firstEdge[at + 1]!; e += EF) {
          const to = edgeTo(e);
          if (seen.has(to) || edgeType(e) === 'weak' || retainers[to]!.length !== 1) continue;
          seen.add(to);
          stack.push(to);
        }
      }
      return total;
    },
  };
}
