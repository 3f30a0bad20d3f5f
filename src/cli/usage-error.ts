import { AppError } from '../common/errors.js';

/** Bad flags or arguments: the message says which, and is printed as it is. */
export class UsageError extends AppError {
  constructor(message: string) {
    super('cli.usage', message);
  }
}
