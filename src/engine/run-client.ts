import { checkClientTransport, parseClientKind, type ClientKind } from '../client/client-socket.ts';

/**
 * The client a run's users hold: `--client`, else the scenario's `options.client`, else
 * socket.io-client; checked against the transport before anything starts (the lean client is
 * WebSocket only). One rule for a run spread over worker processes or agents, as the
 * in-process run applies it (run.ts), so a refused run starts no server, worker or agent.
 */
export function runClient(options: { client?: string; transport?: string }, scenarioOptions?: { client?: string }): ClientKind {
  // Both may come from JavaScript, unchecked by types.
  const client = parseClientKind(options.client ?? scenarioOptions?.client ?? 'socket.io-client');
  checkClientTransport(client, options.transport ?? 'websocket');
  return client;
}
