import type { ServerResponse, Server } from 'node:http';

/**
 * Stops a server the graceful way: no new connections, requests in flight finish, and
 * then their keep-alive connections close too (server.close alone waits for them until
 * the client's keep-alive ends). Responses still running after `graceMs` are cut off.
 */
export function gracefulClose(server: Server): (graceMs: number) => Promise<void> {
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  const endAfter = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
    res.once('finish', () => server.closeIdleConnections());
  };
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    if (closing) endAfter(res);
  });
  return async (graceMs) => {
    closing = true;
    const cutOff = setTimeout(() => server.closeAllConnections(), graceMs).unref();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      for (const res of inFlight) endAfter(res);
    });
    clearTimeout(cutOff);
  };
}
