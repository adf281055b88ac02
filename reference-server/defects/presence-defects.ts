import type { Defect } from './defect.ts';

export const presenceDefects: Defect[] = [];
