import { afterAll } from 'vitest';
import { testClient } from '../helpers/client-kind.ts';

// Issue 15 §3: VirtualUser's behaviour suites, played again with every user on the lean client.
// The same tests, unchanged: connect and reconnect timing and failures, server disconnects,
// rooms joined again, deliveries and losses, emitWithAck / emit / on / expect on any event,
// source addresses.
testClient.kind = 'lean';
afterAll(() => {
  testClient.kind = 'socket.io-client';
});
await import('./losses.test.ts');
await import('./generic-steps.test.ts');
await import('./local-address.test.ts');
