import type { Defect } from './defect.ts';

export const messagingDefects: Defect[] = [];
