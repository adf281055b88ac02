import type { CheckDefinition } from '../types.ts';

export const authChecks: CheckDefinition[] = [];
