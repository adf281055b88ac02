import type { Defect } from './defect.ts';

export const authDefects: Defect[] = [];
