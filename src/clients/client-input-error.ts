import { AppError } from '../common/errors.js';

/**
 * Client input that cannot be registered or changed as given (also an unknown client id
 * on rotation); the message names what is wrong and may be shown.
 */
export class ClientInputError extends AppError {
  constructor(message: string) {
    super('client.invalid', message);
  }
}
