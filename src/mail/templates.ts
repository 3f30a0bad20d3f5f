/**
 * The mails Latchkey sends: each template's data and subject. The bodies are EJS files,
 * views/mail/<template>.text.ejs and .html.ejs. Subjects hold no data from the person
 * (names, device strings), so nothing they type ends up in a mail header.
 */
export type CodePurpose = 'verify-email' | 'reset-password' | 'confirm-passkey' | 'sign-up';

/** What every mail may carry: who it is for, and where the change came from. */
export interface MailContext {
  /** The account holder's name, for the greeting. */
  name?: string;
  /** The device that did it, as a person reads it ("Firefox on macOS"). */
  device?: string;
  ip?: string;
}

export interface MailTemplates {
  /** A one-time code (NIST SP 800-63B-4 §3.1.3); `minutes` is how long it stays valid. */
  'one-time-code': { code: string; purpose: CodePurpose; minutes: number };
  'passkey-added': { passkeyName: string };
  'passkey-removed': { passkeyName: string };
  'password-changed': { reset?: boolean };
  /** Someone tried to sign up with an address that already has an account. */
  'registration-attempt': Record<never, never>;
  'new-sign-in': { method?: string };
  'account-deleted': Record<never, never>;
  /** `latchkey user create --invite`: a single-use link to create the account's first passkey. */
  invitation: { url: string; hours: number };
  /** An administrator asked the owner to choose a new password (the admin console or API). */
  'reset-requested': { url: string };
}

export type MailTemplate = keyof MailTemplates;
export type MailData<T extends MailTemplate> = MailTemplates[T] & MailContext;

const PURPOSE_SUBJECT: Record<CodePurpose, string> = {
  'verify-email': 'Your code to verify your email address',
  'reset-password': 'Your code to reset your password',
  'confirm-passkey': 'Your code to add a passkey',
  'sign-up': 'Your code to create your account',
};

const SUBJECTS: { [T in MailTemplate]: (data: MailTemplates[T]) => string } = {
  'one-time-code': (d) => PURPOSE_SUBJECT[d.purpose],
  'passkey-added': () => 'A passkey was added to your account',
  'passkey-removed': () => 'A passkey was removed from your account',
  'password-changed': (d) => (d.reset ? 'Your password was reset' : 'Your password was changed'),
  'registration-attempt': () => 'Someone tried to sign up with your email address',
  'new-sign-in': () => 'New sign-in to your account',
  'account-deleted': () => 'Your account was deleted',
  invitation: () => 'You are invited: create your passkey',
  'reset-requested': () => 'Please choose a new password',
};

export const MAIL_TEMPLATES = Object.keys(SUBJECTS) as readonly MailTemplate[];

export function isMailTemplate(name: string): name is MailTemplate {
  return Object.hasOwn(SUBJECTS, name);
}

export function mailSubject<T extends MailTemplate>(template: T, data: MailTemplates[T]): string {
  return SUBJECTS[template](data);
}

/**
 * What to do about a code nobody asked for. A passkey code means someone got past the
 * password (DESIGN.md "Binding"): the mail must say so, not "ignore this".
 */
export function codeNotYou(purpose: CodePurpose, site: { product: string; accountUrl: string }): string {
  const never = `Never give the code to anyone; ${site.product} never asks for it by phone or mail.`;
  if (purpose === 'confirm-passkey') {
    return `If you did not ask for this code, someone who knows your password is trying to add a passkey to your account: do not give them the code, and change your password at ${site.accountUrl} now. ${never}`;
  }
  return `If you did not ask for this code, ignore this mail: nothing changes without it. ${never}`;
}

/** What a one-time code is for, as the mail says it. */
export const PURPOSE_TEXT: Record<CodePurpose, string> = {
  'verify-email': 'verify your email address',
  'reset-password': 'reset your password',
  'confirm-passkey': 'add a passkey to your account',
  'sign-up': 'confirm your email address and finish creating your account',
};
