#!/usr/bin/env node
// Refreshes src/passkeys/aaguid-names/aaguids.json, the bundled table of passkey
// providers by AAGUID (see the README beside it), from the community list.
//
//   node scripts/refresh-aaguids.mjs [--icons] [--from FILE_OR_URL]
//
// Run by a maintainer with internet access; Latchkey itself never fetches it. Names
// only unless --icons (the list's icons are providers' logos: check their terms first).
// Review the diff before committing: this is data shown on the account page.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const UPSTREAM = 'https://raw.githubusercontent.com/passkeydeveloper/passkey-authenticator-aaguids/main/combined_aaguid.json';
const TARGET = fileURLToPath(new URL('../src/passkeys/aaguid-names/aaguids.json', import.meta.url));
const AAGUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ICON = /^data:image\/(?:svg\+xml|png|webp);base64,[A-Za-z0-9+/]+={0,2}$/;

const args = process.argv.slice(2);
const icons = args.includes('--icons');
const fromIndex = args.indexOf('--from');
const from = fromIndex >= 0 ? args[fromIndex + 1] : UPSTREAM;
if (!from) throw new Error('--from needs a file or URL');

async function load(source) {
  if (/^https:\/\//.test(source)) {
    const res = await fetch(source, { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`${source}: HTTP ${res.status}`);
    return res.json();
  }
  return JSON.parse(await readFile(source, 'utf8'));
}

const upstream = await load(from);
// The list's maintainers empty it when it is retired: never replace a table with nothing.
if (!upstream || typeof upstream !== 'object' || Object.keys(upstream).length === 0) {
  throw new Error(`${from} is empty: the list may have been retired (see its README); the table was left as it is`);
}

const aaguids = {};
for (const key of Object.keys(upstream).sort()) {
  const aaguid = key.toLowerCase();
  const entry = upstream[key];
  const name = typeof entry?.name === 'string' ? entry.name.replace(/[\p{Cc}\p{Cf}]/gu, '').trim() : '';
  if (!AAGUID.test(aaguid) || /^[0-]+$/.test(aaguid) || !name || name.length > 128) continue;
  const out = { name };
  if (icons) {
    for (const field of ['icon_light', 'icon_dark']) {
      if (typeof entry[field] === 'string' && entry[field].length <= 64 * 1024 && ICON.test(entry[field])) out[field] = entry[field];
    }
  }
  aaguids[aaguid] = out;
}

const table = {
  source: `${from} (passkey-authenticator-aaguids: the community list plus FIDO Metadata Service descriptions)${icons ? '' : '; names only'}`,
  updated: new Date().toISOString().slice(0, 10),
  aaguids,
};
await writeFile(TARGET, `${JSON.stringify(table, null, 1)}\n`);
console.log(`${Object.keys(aaguids).length} AAGUIDs written to ${TARGET}`);
