import { ConfigError } from '../config/config.js';
import { AppError } from '../common/errors.js';

/**
 * The one line an operator reads when a command or the server cannot go on, or
 * undefined for a failure of Latchkey itself (a bug: the caller shows it whole).
 */
export function describeFailure(err: unknown): string | undefined {
  // Config problems come one per line; on one line they read "Invalid configuration: PORT: …".
  if (err instanceof ConfigError) return err.message.replace(/:\n\s*/, ': ').replace(/\n\s*/g, '; ');
  if (err instanceof AppError) return err.expose ? err.message : undefined;
  return undefined;
}
