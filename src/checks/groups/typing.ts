import type { CheckDefinition } from '../types.ts';

export const typingChecks: CheckDefinition[] = [];
