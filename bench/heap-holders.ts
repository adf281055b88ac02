/* What holds a heap: the largest Maps and Sets of a V8 heap snapshot, each with its hash table's
 * size, the bytes it alone holds (table, keys and values no one else references) and the chain
 * of what retains it (closure variables show as `ctx.name`). For reading a
 * soak's snapshot (`npm run bench -- --soak-only --soak-heap-snapshot`):
 *
 *   node --max-old-space-size=2000 bench/heap-holders.ts reports/bench-…-soak.heapsnapshot [top=25]
 *
 * A Map whose table grows from one snapshot to the next, with the users and rooms alive the
 * same, holds what has happened rather than what is active. */
import { readHeapSnapshot } from './heap-snapshot.ts';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node --max-old-space-size=2000 bench/heap-holders.ts FILE.heapsnapshot [top]\n');
  process.exit(2);
}
const top = Number(process.argv[3] ?? 25);
const heap = readHeapSnapshot(file);

const holders: { node: number; tableBytes: number }[] = [];
for (let i = 0; i < heap.count; i++) {
  const name = heap.name(i);
  if (heap.type(i) !== 'object' || (name !== 'Map' && name !== 'Set')) continue;
  const [from, to] = heap.edgesOf(i);
  for (let e = from; e < to; e += heap.edgeStep) {
    if (heap.edgeType(e) !== 'element' && heap.edgeType(e) !== 'hidden' && heap.edgeName(e) === 'table') {
      holders.push({ node: i, tableBytes: heap.selfSize(heap.edgeTo(e)) });
    }
  }
}
holders.sort((a, b) => b.tableBytes - a.tableBytes);
process.stdout.write('  table KB  owned KB  what, <- retained by\n');
for (const { node, tableBytes } of holders.slice(0, top)) {
  process.stdout.write(`${(tableBytes / 1024).toFixed(0).padStart(9)}  ${(heap.ownedBytes(node) / 1024).toFixed(0).padStart(8)}  ${heap.label(node)}${heap.chain(node, 6)}\n`);
}
