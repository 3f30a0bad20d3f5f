import { createRequire } from 'node:module';
import { Command as RedisCommand, Redis } from 'ioredis';
import { unreachable } from './unreachable.js';

type Command = Parameters<Redis['sendCommand']>[0];
type Stream = Parameters<Redis['sendCommand']>[1];

/**
 * A Redis client whose commands leave in one write per turn of the event loop. The first
 * command of a turn corks the socket and a `setImmediate` uncorks it, so every command
 * issued until the loop's check phase (the token requests that one poll answered, each
 * storing a token, say) goes out in one system call, and Redis answers them in one read.
 * ioredis's auto-pipelining, which this replaces, groups the same commands (it also waits
 * for setImmediate) but builds a pipeline object, its promises and a callback per result
 * for every group: here each command is ioredis's plain path into a corked socket.
 * Order is the socket's, which is what ioredis matches replies by. A command is held at
 * most until the next check phase (one issued from inside a check-phase callback waits
 * for the next turn's), never longer.
 */
class CoalescingRedis extends Redis {
  #corked = false;

  override sendCommand(command: Command, stream?: Stream): unknown {
    const socket = this.stream;
    if (!this.#corked && !stream && socket && this.status === 'ready') {
      this.#corked = true;
      socket.cork();
      setImmediate(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    return super.sendCommand(command, stream);
  }
}

/**
 * Whether ioredis carries Latchkey's fix (patches/ioredis+*.patch, found by the names it
 * gives a command's reject and a script command's): without it every request with a
 * Redis call stays in memory until the next full collection.
 */
export const redisClientHasRequestFix = (): boolean =>
  String(Reflect.get(RedisCommand.prototype, 'initPromise')).includes('settleRejected') &&
  // Script commands (EVALSHA) wrap the reject again; ioredis does not export the class.
  String(createRequire(import.meta.url)('ioredis/built/Script.js').default).includes('forgetScriptOnNoscript');

/** A connected client with the options the ephemeral store relies on. */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new CoalescingRedis(url, {
    lazyConnect: true,
    // Fail requests fast while Redis is down instead of queueing them: Latchkey must
    // fail closed with an error page and an unready /readyz, not hang.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // CoalescingRedis groups commands per turn of the event loop instead.
    enableAutoPipelining: false,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (err) {
    // Stop ioredis retrying in the background, which would keep a failed start alive.
    redis.disconnect();
    throw unreachable(err, 'Redis (REDIS_URL)');
  }
  return redis;
}
