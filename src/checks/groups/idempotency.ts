import type { CheckDefinition } from '../types.ts';

export const idempotencyChecks: CheckDefinition[] = [];
