import type { CheckDefinition } from '../types.ts';

export const orderChecks: CheckDefinition[] = [];
