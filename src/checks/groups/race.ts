import type { CheckDefinition } from '../types.ts';

export const raceChecks: CheckDefinition[] = [];
