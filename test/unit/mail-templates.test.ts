import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatWhen, renderMail } from '../../src/mail/render-mail.js';
import { MAIL_TEMPLATES, type MailTemplate, type MailTemplates } from '../../src/mail/templates.js';

const site = { productName: 'Latchkey', issuer: 'https://id.example.com' };
const at = new Date('2025-03-03T14:05:00Z');
const hostile = '<img src=x onerror=alert(1)>';

const SAMPLES: { [T in MailTemplate]: MailTemplates[T] } = {
  'one-time-code': { code: '493017', purpose: 'reset-password', minutes: 10 },
  'passkey-added': { passkeyName: hostile },
  'passkey-removed': { passkeyName: 'YubiKey' },
  'password-changed': {},
  'registration-attempt': {},
  'new-sign-in': { method: 'password' },
  'account-deleted': {},
  invitation: { url: 'https://id.example.com/invite/acc_1/abc', hours: 24 },
  'reset-requested': { url: 'https://id.example.com/account/sign-in' },
};

test('every mail says what happened, when, from which device, and what to do if it was not you', async () => {
  for (const template of MAIL_TEMPLATES) {
    const mail = await renderMail(site, template, { ...SAMPLES[template], name: 'Alice', device: 'Safari on iPhone', ip: '203.0.113.7' }, at);
    assert.ok(mail.subject.length > 10 && mail.subject.length < 60, `${template}: a short subject`);
    assert.match(mail.text, /^Hello Alice,\n\n/, template);
    assert.match(mail.text, /\nWhen: 3 March 2025, 14:05 UTC\nDevice: Safari on iPhone\nIP address: 203\.0\.113\.7\n/, template);
    assert.match(mail.text, /\nIf (this was not you|you did not ask|this was you)/, template);
    assert.ok(mail.text.split('\n').length < 20, `${template}: short`);
    assert.doesNotMatch(mail.text, /<%|%>|undefined|\n\n\n/, template);
    assert.match(mail.html, /^<!doctype html>/, template);
    assert.match(mail.html, /3 March 2025, 14:05 UTC/, template);
    assert.match(mail.html, /Safari on iPhone/, template);
    assert.doesNotMatch(mail.html, /<%|%>|undefined/, template);
  }
});

test('data from people is escaped in HTML and kept as typed in text', async () => {
  const mail = await renderMail(site, 'passkey-added', { passkeyName: hostile, device: '<script>' }, at);
  assert.doesNotMatch(mail.html, /<img|<script/);
  assert.match(mail.html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.match(mail.text, /A passkey named "<img src=x onerror=alert\(1\)>" was added/);
  assert.equal(mail.subject, 'A passkey was added to your account', 'no data from people in the subject');
});

test('a one-time code mail names its purpose and links nowhere', async () => {
  const subjects = await Promise.all(
    (['verify-email', 'reset-password', 'confirm-passkey'] as const).map(async (purpose) => {
      const mail = await renderMail(site, 'one-time-code', { code: '000123', purpose, minutes: 10 }, at);
      assert.match(mail.text, /\n {4}000123\n/);
      assert.match(mail.text, /It works once, within 10 minutes\./);
      assert.doesNotMatch(mail.html, /<a /, 'no link next to a code');
      assert.match(mail.text, /^Hello,\n/, 'no name, no blank greeting');
      // A passkey code nobody asked for means someone has the password: say so.
      if (purpose === 'confirm-passkey') assert.match(mail.text, /someone who knows your password .* change your password at https:\/\/id\.example\.com\/account now/);
      else assert.match(mail.text, /If you did not ask for this code, ignore this mail/);
      return mail.subject;
    }),
  );
  assert.deepEqual(subjects, ['Your code to verify your email address', 'Your code to reset your password', 'Your code to add a passkey']);
});

test('devices are named from parsed browser and OS names only', async () => {
  const { describeDevice } = await import('../../src/common/device.js');
  assert.equal(describeDevice('Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0'), 'Firefox on macOS');
  assert.equal(describeDevice('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36'), 'Mobile Chrome on Android');
  assert.equal(describeDevice(undefined), 'an unknown device');
  assert.equal(describeDevice('<a href="https://evil.example">click</a>'), 'an unknown device');
});

test('a mail names the time in UTC as the en-GB long date and 24-hour time, whatever the process zone', () => {
  const zone = process.env.TZ;
  process.env.TZ = 'Pacific/Kiritimati'; // UTC+14: a local-time slip changes the date
  try {
    // ICU's own en-GB form is the reference the fixed form must keep matching.
    const date = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
    const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'UTC' });
    const moments = ['2025-03-03T14:05:00Z', '2026-12-31T23:59:59.999Z', '2027-01-01T00:00:00Z', '2024-02-29T09:07:00Z', '1999-10-10T12:00:00Z'].map((iso) => new Date(iso));
    for (let day = 0; day < 366; day += 7) moments.push(new Date(Date.UTC(2026, 0, 1 + day, day % 24, (day * 7) % 60)));
    for (const at of moments) assert.equal(formatWhen(at), `${date.format(at)}, ${time.format(at)} UTC`, at.toISOString());
    assert.equal(formatWhen(new Date('2025-03-03T14:05:00Z')), '3 March 2025, 14:05 UTC');
    assert.equal(new Date('2025-03-03T14:05:00Z').getDate(), 4, 'the process zone took effect');
    assert.throws(() => formatWhen(new Date('not a date')), RangeError);
  } finally {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  }
});
