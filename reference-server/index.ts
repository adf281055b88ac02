export { startReferenceServer, generateSecret, PRESENCE_STORES } from './server.ts';
export type { ReferenceServer, ReferenceServerOptions, PresenceStoreKind } from './server.ts';
export type { Store } from './store/store.ts';
export type { PresenceStore } from './presence/presence-store.ts';
export { DEFECTS, findDefect, VARIANTS, findVariant } from './defects/index.ts';
export type { Defect, Variant } from './defects/index.ts';
export { ADAPTERS, isAdapterName } from './cluster/redis-mode.ts';
export type { AdapterName } from './cluster/redis-mode.ts';
