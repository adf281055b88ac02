import type { CheckDefinition } from '../types.ts';

export const versionsChecks: CheckDefinition[] = [];
