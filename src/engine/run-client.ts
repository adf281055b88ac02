import { checkClientTransport, parseClientKind, type ClientKind } from '../client/client-socket.ts';

/**
 * The client a run's users hold: `--client`, else the scenario's `options.client`, else
 * socket.io-client; checked against the transport before anything starts (the lean client is
 * WebSocket only). The one rule for the in-process run (prepare-run.ts) and for a run spread
 * over worker processes or agents, so a refused run starts no server, worker or agent.
 */
export function runClient(options: { client?: string; transport?: string }, scenarioOptions?: { client?: string }): ClientKind {
  // Both may come from JavaScript, unchecked by types.
  const client = parseClientKind(options.client ?? scenarioOptions?.client ?? 'socket.io-client');
  checkClientTransport(client, options.transport ?? 'websocket');
  return client;
}
