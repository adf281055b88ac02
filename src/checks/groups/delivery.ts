import type { CheckDefinition } from '../types.ts';

export const deliveryChecks: CheckDefinition[] = [];
