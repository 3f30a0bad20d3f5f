import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fromPackageRoot } from '../../src/common/package-root.js';

// WCAG 2.2 SC 1.4.3 (text >= 4.5:1) and SC 1.4.11 (form field borders >= 3:1), computed
// from the custom properties of public/css/latchkey.css for each colour scheme.

const CSS = readFileSync(fromPackageRoot('public/css/latchkey.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
type Scheme = 'light' | 'dark';

function declarations(block: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of block.split(';')) {
    const colon = part.indexOf(':');
    if (colon > 0) out.set(part.slice(0, colon).trim(), part.slice(colon + 1).trim());
  }
  return out;
}

/** The declarations of the first rule whose selector list is exactly `selector`. */
function rule(selector: string): Map<string, string> {
  const escaped = selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(?:^|})\\s*${escaped}\\s*{([^}]*)}`).exec(CSS);
  assert.ok(match, `no rule for ${selector}`);
  return declarations(match[1]!);
}

const ROOT = rule(':root');

/** A property's value as a #rrggbb colour in one scheme: light-dark() and var() resolved. */
function resolve(value: string, scheme: Scheme, seen: string[] = []): string {
  const v = value.trim();
  const lightDark = /^light-dark\(\s*([^,]+?)\s*,\s*([^)]+?)\s*\)$/.exec(v);
  if (lightDark) return resolve(scheme === 'light' ? lightDark[1]! : lightDark[2]!, scheme, seen);
  const variable = /^var\(\s*(--[\w-]+)\s*\)$/.exec(v);
  if (variable) {
    const name = variable[1]!;
    assert.ok(!seen.includes(name), `custom property cycle at ${name}`);
    const next = ROOT.get(name);
    assert.ok(next, `${name} is not defined in :root`);
    return resolve(next, scheme, [...seen, name]);
  }
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(v);
  if (short) return `#${short[1]!.repeat(2)}${short[2]!.repeat(2)}${short[3]!.repeat(2)}`.toLowerCase();
  assert.match(v, /^#[0-9a-f]{6}$/i, `not a colour this test understands: ${v}`);
  return v.toLowerCase();
}

/** WCAG 2.2 relative luminance of an sRGB colour. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

test('the luminance formula gives the known WCAG ratios', () => {
  assert.equal(contrast('#000000', '#ffffff'), 21);
  assert.equal(contrast('#ffffff', '#ffffff'), 1);
  // #767676 on white is the classic "just passes AA" grey.
  assert.ok(contrast('#767676', '#ffffff') >= 4.5 && contrast('#777777', '#ffffff') < 4.5);
});

// Each pair as the stylesheet uses it: [text property, background property, where, minimum].
const PAIRS: Array<[string, string, string, number]> = [
  ['--fg', '--bg', 'body text', 4.5],
  ['--muted', '--bg', '.muted, .divider, .mail-headers dt', 4.5],
  ['--accent', '--bg', 'links, .brand, button.link', 4.5],
  ['--error', '--bg', '.error, .danger-link', 4.5],
  ['--on-accent', '--accent-fill', 'button.primary', 4.5],
  ['--on-error', '--error-fill', 'button.danger', 4.5],
  ['--fg', '--notice-bg', '.notice text', 4.5],
  ['--accent', '--notice-bg', 'links in a .notice', 4.5],
  ['--muted', '--notice-bg', 'muted text in a .notice', 4.5],
  ['--error', '--notice-bg', 'an error in a .notice section', 4.5],
  ['--on-accent', '--accent-fill', 'button.primary in a .notice', 4.5],
  ['--fg', '--badge-bg', '.badge', 4.5],
  ['--fg', '--code-bg', '.mail-text', 4.5],
  ['--field-border', '--bg', 'input and button.secondary borders', 3],
];

for (const scheme of ['light', 'dark'] as const) {
  test(`every text/background pair reaches its contrast minimum in ${scheme} mode`, () => {
    const failures = PAIRS.flatMap(([fg, bg, where, min]) => {
      const ratio = contrast(resolve(`var(${fg})`, scheme), resolve(`var(${bg})`, scheme));
      return ratio >= min ? [] : [`${where}: ${fg} on ${bg} is ${ratio.toFixed(2)}:1 (< ${min}:1)`];
    });
    assert.deepEqual(failures, []);
  });
}

test('the rules use the properties the pairs above check', () => {
  const uses = (selector: string, property: string, variable: string) =>
    assert.equal(rule(selector).get(property), `var(${variable})`, `${selector} { ${property} } should be var(${variable})`);
  uses('body', 'background', '--bg');
  uses('body', 'color', '--fg');
  uses('.muted', 'color', '--muted');
  uses('.divider', 'color', '--muted');
  uses('.mail-headers dt', 'color', '--muted');
  uses('a', 'color', '--accent');
  uses('.brand', 'color', '--accent');
  uses('button.link', 'color', '--accent');
  uses('.error', 'color', '--error');
  uses('.danger-link', 'color', '--error');
  uses('button.primary', 'background', '--accent-fill');
  uses('button.primary', 'color', '--on-accent');
  uses('button.danger', 'background', '--error-fill');
  uses('button.danger', 'color', '--on-error');
  uses('.notice', 'background', '--notice-bg');
  uses('.badge', 'background', '--badge-bg');
  uses('.mail-text', 'background', '--code-bg');
  // No text colour anywhere escapes the checked properties (a literal or a system colour).
  for (const [, body] of CSS.matchAll(/{([^}]*)}/g)) {
    const color = declarations(body!).get('color');
    if (color !== undefined) assert.match(color, /^(var\(--[\w-]+\)|inherit)$/, `a text colour outside the checked properties: ${color}`);
  }
});
