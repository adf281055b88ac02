import type { CheckDefinition } from '../types.ts';

export const readsChecks: CheckDefinition[] = [];
