import type { ServerResponse, Server } from 'node:http';
import type { Socket } from 'node:net';

// The response a connection is writing now: Node sets it when it gives the connection a
// response and clears it when that response has finished (ServerResponse's assignSocket
// and detachSocket). Not in Node's documented API, but there since its first releases;
// test/unit/graceful-close.test.ts fails if it goes (the answer in flight would lose its
// `Connection: close`). Read only when closing, so no request pays for knowing it.
type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * Stops a server the graceful way: no new connections, requests in flight finish, and
 * then their keep-alive connections close too (server.close alone waits for them until
 * the client's keep-alive ends). Responses still running after `graceMs` are cut off.
 * Only the open connections are kept (one entry each, gone when it closes): nothing is
 * done per request until closing begins.
 */
export function gracefulClose(server: Server): (graceMs: number) => Promise<void> {
  const sockets = new Set<HttpSocket>();
  server.on('connection', (socket: HttpSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const endAfter = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
    res.once('finish', () => server.closeIdleConnections());
  };
  return async (graceMs) => {
    // A request that arrives from now on, on a connection already open, is its last.
    server.on('request', (_req, res: ServerResponse) => endAfter(res));
    const cutOff = setTimeout(() => server.closeAllConnections(), graceMs).unref();
    // Connections that go idle later without a response marked here (one that finished
    // just now, or one whose headers had left already) close at the next sweep. A request
    // pipelined behind a marked response is not answered: the connection closes after
    // that response, and the client retries it (RFC 9112 §9.3.2).
    const sweep = setInterval(() => server.closeIdleConnections(), 100).unref();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      for (const socket of sockets) {
        const res = socket._httpMessage;
        if (res && !res.writableFinished) endAfter(res);
      }
    });
    clearTimeout(cutOff);
    clearInterval(sweep);
  };
}
