export * from './tags.ts';
export * from './histogram.ts';
export * from './hgrm.ts';
export * from './registry.ts';
export * from './snapshot.ts';
export * from './timeline.ts';
export * from './snapshot-query.ts';
