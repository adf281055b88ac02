import { startReferenceServer, type ReferenceServer, type ReferenceServerOptions } from '../../reference-server/index.ts';

/**
 * The embedded default: the bundled reference server, one node in memory, on a free loopback
 * port with a generated secret. Used when a command is given no --target.
 */
export function startEmbeddedServer(options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  return startReferenceServer({ port: 0, metricsPort: false, ...options });
}
