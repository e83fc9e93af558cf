/**
 * A bare `/metrics` endpoint for a component that serves no HTTP otherwise (the SeaweedFS
 * source). Metrics are not worth dying for: a port already taken is logged and skipped.
 */
import { createServer, type Server } from 'node:http';
import type { Logger } from '../log.js';
import { registry } from './metrics.js';

export async function serveMetrics(options: { port: number; host: string; log: Logger }): Promise<Server | undefined> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      options.log.warn({ port: options.port, err: err.message }, 'cannot serve /metrics; running without');
      resolve(undefined);
    });
    server.listen(options.port, options.host, () => {
      options.log.info({ port: options.port, host: options.host }, 'serving /metrics');
      resolve(server);
    });
  });
}
