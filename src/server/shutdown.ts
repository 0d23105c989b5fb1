/**
 * A bounded graceful close for a listening instance. New connections are refused at once;
 * requests in flight get until the deadline to finish, each answered with `Connection: close`
 * so keep-alive does not hold the close open; then every connection left (a client that stalls
 * its body, one that stops reading) is destroyed, so the process can exit.
 */
import type { ServerResponse } from 'node:http';
import type { GatehouseApp } from './http.js';

/**
 * Starts watching the responses of `app` (call it before `listen`) and returns its close: at
 * most `deadlineMs` of grace, then `closeAllConnections()`. Fastify's `forceCloseConnections:
 * true` would give no grace at all; its default only closes idle connections and waits forever.
 *
 * @example
 * const closeWithin = prepareShutdown(app);
 * await app.listen({ port: 3000 });
 * process.once('SIGTERM', () => closeWithin(10_000));
 */
export function prepareShutdown(app: GatehouseApp): (deadlineMs: number) => Promise<void> {
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  const closeAfter = (response: ServerResponse) => {
    if (!response.headersSent) response.setHeader('connection', 'close');
  };
  app.server.on('request', (_request, response: ServerResponse) => {
    if (closing) closeAfter(response);
    inFlight.add(response);
    response.once('close', () => inFlight.delete(response));
  });
  return async (deadlineMs) => {
    closing = true;
    for (const response of inFlight) closeAfter(response);
    const deadline = setTimeout(() => {
      app.log.warn(
        { deadlineMs, inFlight: inFlight.size },
        'shutdown deadline reached: closing every connection left',
      );
      app.server.closeAllConnections();
    }, deadlineMs);
    try {
      await app.close();
    } finally {
      clearTimeout(deadline);
    }
  };
}
