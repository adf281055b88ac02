import type { Defect } from './defect.ts';

export const authzDefects: Defect[] = [];
