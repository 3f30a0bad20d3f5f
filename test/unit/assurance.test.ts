import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assuranceFor, factorsOfSession, FRESH_SECONDS, isFresh } from '../../src/provider/assurance.js';
import { acrRequirement, meets, reportedAcr } from '../../src/provider/acr-policy.js';
import { nextStep } from '../../src/interactions/next-step.js';
import type { Passkey } from '../../src/passkeys/passkeys-repo.js';

test('password → pwd; synced or unattested passkey → phr/swk; hardware-attested → phrh/hwk; both keep pwd in amr', () => {
  const pk = (backupEligible: boolean, hardwareAttested: boolean, at = 20) => ({ type: 'passkey' as const, at, backupEligible, hardwareAttested, userVerified: true });
  assert.deepEqual(assuranceFor([{ type: 'pwd', at: 10 }]), { acr: 'pwd', amr: ['pwd'], ts: 10 });
  assert.deepEqual(assuranceFor([pk(true, false)]), { acr: 'phr', amr: ['swk', 'mfa'], ts: 20 });
  assert.deepEqual(assuranceFor([pk(false, false)]), { acr: 'phr', amr: ['swk', 'mfa'], ts: 20 }, 'BE=0 alone is the authenticator\'s word');
  assert.deepEqual(assuranceFor([pk(false, true)]), { acr: 'phrh', amr: ['hwk', 'mfa'], ts: 20 });
  assert.deepEqual(assuranceFor([pk(true, true)]), { acr: 'phr', amr: ['swk', 'mfa'], ts: 20 }, 'a syncable key is never hardware');
  assert.deepEqual(
    assuranceFor([{ type: 'pwd', at: 10 }, pk(true, false, 30)]),
    { acr: 'phr', amr: ['pwd', 'swk', 'mfa'], ts: 30 },
    'auth_time is the most recent factor',
  );
  assert.throws(() => assuranceFor([{ type: 'passkey', at: 1, backupEligible: true, hardwareAttested: false, userVerified: false }]));
  assert.throws(() => assuranceFor([]));
});

test('session factors stored before attestation was judged read as not hardware-attested', () => {
  const [old] = factorsOfSession([{ type: 'passkey', at: 5, backupEligible: false, userVerified: true }]);
  assert.equal(old?.type === 'passkey' && old.hardwareAttested, false);
  assert.equal(assuranceFor([old!]).acr, 'phr');
  const [attested] = factorsOfSession([{ type: 'passkey', at: 5, backupEligible: false, hardwareAttested: true, userVerified: true }]);
  assert.equal(assuranceFor([attested!]).acr, 'phrh');
});

test('the acr bar: known values required, unknown ignored, the weakest known wins', () => {
  assert.deepEqual(acrRequirement('urn:example:gold', undefined), {});
  assert.deepEqual(acrRequirement('phrh phr', undefined), { bar: 'phr' });
  assert.deepEqual(acrRequirement(undefined, { id_token: { acr: { essential: true, value: 'phrh' } } }), { bar: 'phrh' });
  assert.deepEqual(acrRequirement(undefined, { id_token: { acr: { essential: true, values: ['urn:x'] } } }), { unmeetable: true });
  assert.deepEqual(acrRequirement(undefined, { id_token: { acr: { value: 'phr' } } }), {}, 'a voluntary claim is not a bar');
  assert.equal(meets('phrh', 'phr'), true);
  assert.equal(meets('pwd', 'phr'), false);
  assert.equal(meets(undefined, undefined), true);
});

const passkey = (backupEligible: boolean, hardwareAttested = false): Passkey => ({
  id: `pk-${backupEligible}-${hardwareAttested}`,
  accountId: 'a',
  publicKey: new Uint8Array() as Uint8Array<ArrayBuffer>,
  counter: 0,
  transports: [],
  aaguid: '',
  backupEligible,
  backupState: backupEligible,
  name: 'Key',
  attestationFormat: hardwareAttested ? 'packed' : 'none',
  attestationAnchor: hardwareAttested ? 'ab' : null,
  attestationAnchorLabel: null,
  hardwareAttested,
  createdAt: new Date(),
  lastUsedAt: null,
});

test('next step: step-up only for what is missing, unmet when it cannot be reached', () => {
  const session = { accountId: 'a', factors: [{ type: 'pwd' as const, at: 1 }] };
  const base = { reasons: ['acr_bar'], session, offerDismissed: true, now: 10 };
  assert.equal(nextStep({ ...base, requirement: { bar: 'phr' }, passkeys: [passkey(true)] }).kind, 'step-up');
  assert.deepEqual(nextStep({ ...base, requirement: { bar: 'phr' }, passkeys: [] }), { kind: 'unmet', why: 'no_passkey' });
  assert.deepEqual(nextStep({ ...base, requirement: { bar: 'phrh' }, passkeys: [passkey(true)] }), { kind: 'unmet', why: 'no_attested_key' });
  assert.deepEqual(nextStep({ ...base, requirement: { bar: 'phrh' }, passkeys: [passkey(false)] }), { kind: 'unmet', why: 'no_attested_key' }, 'BE=0 without attestation is not enough');
  const hard = nextStep({ ...base, requirement: { bar: 'phrh' }, passkeys: [passkey(true), passkey(false), passkey(false, true)] });
  assert.equal(hard.kind === 'step-up' && hard.allow.map((p) => p.id).join(), 'pk-false-true', 'phrh offers only hardware-attested passkeys');
  assert.equal(nextStep({ ...base, reasons: ['no_session'], session: undefined, requirement: {}, passkeys: [] }).kind, 'sign-in');
  assert.equal(nextStep({ ...base, reasons: ['login_prompt'], requirement: {}, passkeys: [passkey(true)] }).kind, 'sign-in', 'prompt=login is a full sign-in');
  const stale = nextStep({ ...base, reasons: ['max_age'], requirement: {}, passkeys: [passkey(true)] });
  assert.equal(stale.kind, 'step-up', 'max_age re-verifies with a passkey');
  assert.deepEqual(stale.kind === 'step-up' && stale.carried, [], 'an old password is not part of the new authentication (amr)');
  const weak = nextStep({ ...base, requirement: { bar: 'phr' }, passkeys: [passkey(true)] });
  assert.deepEqual(weak.kind === 'step-up' && weak.carried, session.factors, 'a fresh enough password counts beside the passkey');
  const pending = { accountId: 'a', factors: [{ type: 'pwd' as const, at: 5 }] };
  assert.equal(nextStep({ ...base, reasons: ['no_session'], requirement: {}, pending, passkeys: [], offerDismissed: false }).kind, 'enrol');
  assert.equal(nextStep({ ...base, reasons: ['no_session'], requirement: {}, pending, passkeys: [], offerDismissed: true }).kind, 'finish');
  assert.deepEqual(nextStep({ ...base, requirement: { unmeetable: true }, passkeys: [] }), { kind: 'unmet', why: 'unknown_acr' });
});

test('the first-passkey offer needs a fresh password: a stale one is marked before any options are issued', () => {
  const pending = { accountId: 'a', factors: [{ type: 'pwd' as const, at: 1000 }] };
  const input = { reasons: ['no_session'], requirement: {}, pending, passkeys: [], offerDismissed: false };
  const offer = { kind: 'enrol', pending, stage: 'offer', createForSeconds: 0 };
  assert.deepEqual(nextStep({ ...input, now: 1000 + 60 }), { ...offer, freshForSeconds: FRESH_SECONDS - 60 });
  assert.deepEqual(nextStep({ ...input, now: 1000 + FRESH_SECONDS }), { ...offer, freshForSeconds: 0 }, 'the last second: nothing left to bind with');
  assert.deepEqual(nextStep({ ...input, now: 1001 + FRESH_SECONDS }), { ...offer, freshForSeconds: 0 });
});

test('a first passkey needs the mailed code confirmed in this sign-in; options live no longer than password and proof', () => {
  const base = { reasons: ['no_session'], requirement: {}, passkeys: [], offerDismissed: false };
  const pwd = { type: 'pwd' as const, at: 1000 };
  const at = (pending: object, now: number) => nextStep({ ...base, pending: { accountId: 'a', factors: [pwd], ...pending }, now });
  assert.deepEqual(pick(at({ codeSentAt: 1010 }, 1020)), { stage: 'code', createForSeconds: 0 }, 'a code was mailed, none came back');
  assert.deepEqual(pick(at({ codeConfirmedAt: 1030 }, 1040)), { stage: 'offer', createForSeconds: 0 }, 'a confirmation without a code mailed here counts for nothing');
  assert.deepEqual(pick(at({ codeSentAt: 1040, codeConfirmedAt: 1030 }, 1050)), { stage: 'code', createForSeconds: 0 }, 'a newer code needs its own confirmation');
  assert.deepEqual(pick(at({ codeSentAt: 1010, codeConfirmedAt: 1030 }, 1040)), { stage: 'create', createForSeconds: FRESH_SECONDS - 40 }, 'the password ends first');
  assert.deepEqual(pick(at({ codeSentAt: 1010, codeConfirmedAt: 1030 }, 1000 + FRESH_SECONDS + 1)), { stage: 'create', createForSeconds: 0 }, 'a stale password ends it');
});

function pick(step: ReturnType<typeof nextStep>) {
  assert.equal(step.kind, 'enrol');
  return step.kind === 'enrol' ? { stage: step.stage, createForSeconds: step.createForSeconds } : {};
}

test('freshness is judged per factor, each by its own time', () => {
  const factors = factorsOfSession([
    { type: 'pwd', at: 100 },
    { type: 'passkey', at: 900, backupEligible: true, hardwareAttested: false, userVerified: true },
  ]);
  const now = 100 + FRESH_SECONDS + 1;
  assert.equal(isFresh(factors[0]!, FRESH_SECONDS, now), false, 'an old password is not made fresh by a recent passkey');
  assert.equal(isFresh(factors[1]!, FRESH_SECONDS, now), true);
  assert.deepEqual(factorsOfSession(undefined), [], 'a session without stored factors has none');
  assert.deepEqual(factorsOfSession([{ type: 'pwd', at: 'yesterday' }]), [], 'a damaged payload counts as none');
});

test('reported acr: the most preferred requested level reached, else the level reached', () => {
  assert.equal(reportedAcr('phrh', 'phr', undefined), 'phr', 'a phrh sign-in asked for phr reports phr');
  assert.equal(reportedAcr('phrh', 'phrh phr', undefined), 'phrh', 'acr_values are in order of preference');
  assert.equal(reportedAcr('phr', 'phrh phr', undefined), 'phr', 'the first preference that is met');
  assert.equal(reportedAcr('phrh', undefined, undefined), 'phrh', 'nothing named: the level reached');
  assert.equal(reportedAcr('phr', 'urn:example:gold', undefined), 'phr', 'unknown values are ignored');
  assert.equal(reportedAcr('pwd', 'phr', undefined), 'pwd', 'never more than was reached');
  const essential = { id_token: { acr: { essential: true, values: ['phr', 'phrh'] } } };
  assert.equal(reportedAcr('phrh', 'phrh', essential), 'phr', 'an essential claim with values decides first (OIDC Core §5.5.1.1)');
  assert.equal(reportedAcr(undefined, 'phr', undefined), undefined);
});
