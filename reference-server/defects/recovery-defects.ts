import type { Defect } from './defect.ts';

/*
 * Connection state recovery (contract §1: a recovered session goes only to its own user). The
 * defect is the stock order Socket.IO gives a server that relies on `skipMiddlewares: false`:
 * the middleware does refuse another user's token, but only after the constructor has written
 * the session's missed packets.
 */
export const recoveryDefects: Defect[] = [
  {
    name: 'recovery-replay-before-auth',
    group: 'recovery',
    description: 'connection state recovery (turned on in memory) trusts skipMiddlewares:false: the handshake refuses another user presenting a session id, but Socket.IO has already written that session\'s missed packets to the wire',
    overrides: () => ({ recoveryReplayBeforeAuth: true }),
  },
];
