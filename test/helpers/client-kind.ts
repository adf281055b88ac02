import type { ClientKind } from '../../src/client/client-socket.ts';

/**
 * The client the VirtualUser behaviour suites (test/run/losses.test.ts, generic-steps.test.ts)
 * build their users with: socket.io-client, unless a file that runs them again for the lean
 * client (test/run/lean-behaviour.test.ts) says otherwise while its tests run.
 */
export const testClient = { kind: 'socket.io-client' as ClientKind };
