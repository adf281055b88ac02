export * from './plan.ts';
export * from './arrivals.ts';
export * from './vus.ts';
export * from './describe.ts';
export * from './split.ts';
