import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Stops a server the graceful way: no new connections, requests in flight finish, and
 * then their keep-alive connections close too (server.close alone waits for them until
 * the client's keep-alive ends). Responses still running after `graceMs` are cut off.
 */
export function gracefulClose(server: Server): (graceMs: number) => Promise<void> {
  // Each open connection's latest response: set per request, dropped when its connection
  // closes (so at most one per open connection). A listener per response would cost every
  // request, and Node lists no requests in flight. Plain HTTP only: behind TLS the
  // request's socket is not the one 'connection' gives, and entries would never be dropped.
  const latest = new Map<Socket, ServerResponse>();
  let closing = false;
  const endAfter = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
    res.once('finish', () => server.closeIdleConnections());
  };
  server.on('connection', (socket: Socket) => socket.once('close', () => latest.delete(socket)));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    latest.set(req.socket, res);
    if (closing) endAfter(res);
  });
  return async (graceMs) => {
    closing = true;
    const cutOff = setTimeout(() => server.closeAllConnections(), graceMs).unref();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      for (const res of latest.values()) if (!res.writableFinished) endAfter(res);
      // A response that finished just now but whose connection was not idle yet.
      setImmediate(() => server.closeIdleConnections());
    });
    clearTimeout(cutOff);
  };
}
