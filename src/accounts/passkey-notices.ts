import { describeDevice } from '../common/device.js';
import type { Mailer } from '../mail/mailer.js';
import type { RequestOrigin } from './passkey-proof.js';

/**
 * Tells the owner of every passkey added to or removed from the account (DESIGN.md
 * "Enrol a passkey": the owner is told by mail of every change; OWASP ASVS 5.0 V6.3.7:
 * notify after updates to authentication details). The mail names the passkey, the
 * device and address it came from and the time (the queue time, render-mail.ts).
 */
export async function mailPasskeyChange(
  mailer: Mailer,
  account: { email: string; name: string },
  change: 'added' | 'removed',
  passkeyName: string,
  from: RequestOrigin,
): Promise<void> {
  await mailer.send({
    to: account.email,
    template: change === 'added' ? 'passkey-added' : 'passkey-removed',
    data: { passkeyName, name: account.name, device: describeDevice(from.userAgent), ...(from.ip ? { ip: from.ip } : {}) },
  });
}
