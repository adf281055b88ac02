export * from './ids.ts';
export * from './errors.ts';
export * from './models.ts';
export * from './events.ts';
export * from './jwt.ts';
