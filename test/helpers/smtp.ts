import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server in the test process (smtp-server), with what arrived parsed by
 * mailparser. `refuse` makes it answer DATA with an SMTP error until set back to
 * undefined; `hold` keeps DATA waiting until the returned release is called.
 */
export interface TestSmtp {
  port: number;
  url: string;
  received: ParsedMail[];
  /** Resolves with the next mail to arrive (or one that arrived and nobody took yet). */
  next(): Promise<ParsedMail>;
  /** Resolves when the server has refused a message. */
  nextRefusal(): Promise<void>;
  refuse: { code: number; message: string } | undefined;
  hold(): () => void;
  close(): Promise<void>;
}

export async function startSmtp(port = 0): Promise<TestSmtp> {
  const arrivals = new EventEmitter();
  const waiting: ParsedMail[] = [];
  let gate: Promise<void> | undefined;
  const state: TestSmtp = {
    port: 0,
    url: '',
    received: [],
    refuse: undefined,
    async next() {
      const ready = waiting.shift();
      if (ready) return ready;
      await once(arrivals, 'mail');
      return waiting.shift()!;
    },
    async nextRefusal() {
      await once(arrivals, 'refused');
    },
    hold() {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(async (mail) => {
        await gate;
        if (state.refuse) {
          callback(Object.assign(new Error(state.refuse.message), { responseCode: state.refuse.code }));
          arrivals.emit('refused');
          return;
        }
        callback();
        state.received.push(mail);
        waiting.push(mail);
        arrivals.emit('mail');
      }, callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  state.port = (server.server.address() as AddressInfo).port;
  state.url = `smtp://127.0.0.1:${state.port}`;
  return state;
}

/** A port that was free a moment ago and has nothing listening on it now. */
export async function closedPort(): Promise<number> {
  const smtp = await startSmtp();
  await smtp.close();
  return smtp.port;
}
