import type { CheckDefinition } from '../types.ts';

export const authzChecks: CheckDefinition[] = [];
