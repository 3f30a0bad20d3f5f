import type { ClientsRepository } from './repository.js';

/**
 * Remembers which client secret was used when, and writes it in one statement per
 * interval instead of one write per token request.
 */
export function createLastUsedRecorder(clients: Pick<ClientsRepository, 'recordSecretsUsed'>, options: { flushSeconds: number; onError: (err: unknown) => void }) {
  let pending = new Map<string, Date>();
  const timer = setInterval(() => void flush().catch(options.onError), options.flushSeconds * 1000);
  timer.unref();

  async function flush(): Promise<void> {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    await clients.recordSecretsUsed([...batch].map(([secretId, at]) => ({ secretId, at })));
  }

  return {
    used(secretId: string, at: Date) {
      pending.set(secretId, at);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

export type LastUsedRecorder = ReturnType<typeof createLastUsedRecorder>;
