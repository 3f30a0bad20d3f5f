import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  authenticatorName,
  bundledTable,
  DEFAULT_PASSKEY_NAME,
  newPasskeyName,
  parseAaguidTable,
  ZERO_AAGUID,
} from '../../src/passkeys/authenticator-names.js';

test('the bundled table names the well-known providers', () => {
  const expected: Record<string, RegExp> = {
    'fbfc3007-154e-4ecc-8c0b-6e020557d7bd': /^(iCloud Keychain|Apple Passwords)$/,
    'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4': /^Google Password Manager$/,
    '08987058-cadc-4b81-b6e1-30de50dcbe96': /^Windows Hello/,
    '9ddd1817-af5a-4672-a2b9-3e3dd95000a9': /^Windows Hello/,
    '6028b017-b1d4-4c02-b4b3-afcdafc96bb2': /^Windows Hello/,
    'bada5566-a7aa-401f-bd96-45619a55120d': /^1Password$/,
    'd548826e-79b4-db40-a3d8-11116f7e8349': /^Bitwarden$/,
    '531126d6-e717-415c-9320-3d9aa6981239': /^Dashlane$/,
    'adce0002-35bc-c60a-648b-0b25f1f05503': /^Chrome on Mac$/,
    '53414d53-554e-4700-0000-000000000000': /^Samsung Pass$/,
    'fdb141b2-5d84-443e-8a35-4698c205a502': /^KeePassXC$/,
    '50726f74-6f6e-5061-7373-50726f746f6e': /^Proton Pass$/,
    'ee882879-721c-4913-9775-3dfcce97072a': /^YubiKey 5/,
    'cb69481e-8ff7-4039-93ec-0a2729a154a8': /^YubiKey 5/,
  };
  for (const [aaguid, name] of Object.entries(expected)) assert.match(authenticatorName(aaguid) ?? '(none)', name, aaguid);
  // Any spelling of the same AAGUID.
  assert.equal(authenticatorName(' EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4 '), 'Google Password Manager');
  assert.ok(bundledTable().size > 100);
});

test('the all-zero AAGUID and unknown ones have no name', () => {
  assert.equal(authenticatorName(ZERO_AAGUID), undefined);
  assert.equal(authenticatorName('01234567-89ab-cdef-0123-456789abcdef'), undefined);
  assert.equal(authenticatorName('not an aaguid'), undefined);
});

test('the operator\'s MDS comes first, the bundled table after it', () => {
  const mds = { nameOf: (a: string) => (a === 'ee882879-721c-4913-9775-3dfcce97072a' ? 'YubiKey 5 NFC (from MDS)' : undefined) };
  assert.equal(authenticatorName('ee882879-721c-4913-9775-3dfcce97072a', mds), 'YubiKey 5 NFC (from MDS)');
  assert.equal(authenticatorName('bada5566-a7aa-401f-bd96-45619a55120d', mds), '1Password');
  assert.equal(authenticatorName(ZERO_AAGUID, { nameOf: () => 'Anything' }), undefined, 'all-zero stays unknown');
});

test('a new passkey: typed name, else the provider, else the default', () => {
  const gpm = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
  assert.equal(newPasskeyName('  Phone ', gpm), 'Phone');
  assert.equal(newPasskeyName('', gpm), 'Google Password Manager');
  assert.equal(newPasskeyName(undefined, gpm), 'Google Password Manager');
  assert.equal(newPasskeyName('   ', ZERO_AAGUID), DEFAULT_PASSKEY_NAME);
  assert.equal(newPasskeyName(undefined, '01234567-89ab-cdef-0123-456789abcdef'), DEFAULT_PASSKEY_NAME);
  const long = { nameOf: () => 'Security Key by Example Corporation with NFC and Bluetooth, Enterprise Edition, Firmware 5.7' };
  const name = newPasskeyName(undefined, '01234567-89ab-cdef-0123-456789abcdef', long);
  assert.ok(name.length <= 64 && long.nameOf().startsWith(name) && !name.endsWith(' '), name);
});

test('a table entry that does not fit is dropped: no markup, no remote icons', () => {
  const svg = `data:image/svg+xml;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64')}`;
  const table = parseAaguidTable({
    aaguids: {
      'AAAAAAAA-0000-4000-8000-000000000001': { name: 'Good', icon_light: svg },
      'aaaaaaaa-0000-4000-8000-000000000002': { name: 'Remote icon', icon_light: 'https://example.com/logo.svg' },
      'aaaaaaaa-0000-4000-8000-000000000003': { name: 'Script icon', icon_light: 'javascript:alert(1)' },
      'aaaaaaaa-0000-4000-8000-000000000004': { name: '' },
      'aaaaaaaa-0000-4000-8000-000000000005': { name: 'Bidi\u202e trick\u0007' },
      [ZERO_AAGUID]: { name: 'Zero' },
      'not-an-aaguid': { name: 'Nope' },
    },
  });
  assert.deepEqual(table.get('aaaaaaaa-0000-4000-8000-000000000001'), { name: 'Good', iconLight: svg, iconDark: svg });
  assert.deepEqual(table.get('aaaaaaaa-0000-4000-8000-000000000002'), { name: 'Remote icon' });
  assert.deepEqual(table.get('aaaaaaaa-0000-4000-8000-000000000003'), { name: 'Script icon' });
  assert.equal(table.get('aaaaaaaa-0000-4000-8000-000000000004'), undefined);
  assert.equal(table.get('aaaaaaaa-0000-4000-8000-000000000005')?.name, 'Bidi trick');
  assert.equal(table.has(ZERO_AAGUID), false);
  assert.equal(table.size, 4);
  assert.equal(parseAaguidTable(null).size, 0);
  assert.equal(parseAaguidTable({ aaguids: 'x' }).size, 0);
});
