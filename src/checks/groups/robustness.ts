import type { CheckDefinition } from '../types.ts';

export const robustnessChecks: CheckDefinition[] = [];
