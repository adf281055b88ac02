import type { Defect } from './defect.ts';

export const robustnessDefects: Defect[] = [];
