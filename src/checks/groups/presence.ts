import type { CheckDefinition } from '../types.ts';

export const presenceChecks: CheckDefinition[] = [];
