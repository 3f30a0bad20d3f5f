import type { Server } from 'node:net';
import { AppError } from './errors.js';

/** A port that cannot be bound: one line for the operator, as every start-up failure. */
export class ListenError extends AppError {
  constructor(host: string, port: number, portVariable: string, err: NodeJS.ErrnoException) {
    const reason =
      err.code === 'EADDRINUSE'
        ? `port ${port} is already in use (set ${portVariable} to another port)`
        : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EADDRNOTAVAIL'
          ? `HOST ${host} is not an address of this machine`
          : err.code === 'EACCES'
            ? `not allowed to listen on port ${port} (${portVariable})`
            : (err.code ?? err.message);
    super('server.listen', `cannot listen on ${host}:${port}: ${reason}`, { status: 503, expose: true, cause: err });
  }
}

/** Listens on host:port; a failure rejects with a ListenError naming `portVariable`, the setting to change. */
export function listenOn(server: Server, host: string, port: number, portVariable: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(new ListenError(host, port, portVariable, err));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
