export * from './format.ts';
export * from './table.ts';
export * from './summary.ts';
export * from './progress.ts';
