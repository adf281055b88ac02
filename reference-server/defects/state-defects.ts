import type { Defect } from './defect.ts';

export const stateDefects: Defect[] = [];
