import { isIP } from 'node:net';

/**
 * LATCHKEY_WEBAUTHN_RELATED_ORIGINS: the other origins that may use Latchkey's RP ID,
 * published at /.well-known/webauthn (WebAuthn L3 §5.11 "Using Web Authentication
 * across related origins"). Browsers honour origins from at most five distinct
 * registrable-domain labels and silently ignore the rest (§5.11.1: the "label" of
 * shop.example.co.uk is "example"), so more is refused here instead of failing later
 * in a browser, without a word.
 */
export const MAX_RELATED_LABELS = 5;

// Public suffixes of more than one label that origins commonly sit under. The full Public
// Suffix List is not bundled: under a suffix missing here, the label counted is the one
// left of the last dot but one (example.gov.xx counts "gov"), which can only undercount.
const MULTI_LABEL_SUFFIXES = new Set(
  (
    'co.uk org.uk me.uk ltd.uk plc.uk net.uk ac.uk gov.uk sch.uk nhs.uk ' +
    'com.au net.au org.au edu.au gov.au asn.au id.au co.nz net.nz org.nz govt.nz ac.nz ' +
    'co.jp ne.jp or.jp ac.jp go.jp co.kr or.kr ne.kr com.cn net.cn org.cn gov.cn com.hk org.hk com.tw org.tw ' +
    'com.sg org.sg com.my co.id co.th in.th com.ph com.vn co.in net.in org.in firm.in gen.in ' +
    'co.za org.za com.br net.br org.br gov.br com.ar com.mx org.mx com.co com.pe com.uy com.ec ' +
    'com.tr org.tr co.il org.il com.ua com.pl net.pl org.pl co.at or.at com.es org.es com.pt com.gr ' +
    'com.sa com.eg com.ng co.ke com.pk com.bd'
  ).split(' '),
);

/** The registrable domain's label (eTLD+1 without its suffix), or undefined for a host with none (localhost). */
export function registrableLabel(host: string): string | undefined {
  const labels = host.toLowerCase().split('.');
  if (labels.length < 2) return undefined;
  const suffixLength = MULTI_LABEL_SUFFIXES.has(labels.slice(-2).join('.')) ? 2 : 1;
  return labels.length > suffixLength ? labels[labels.length - suffixLength - 1] : undefined;
}

const isLocalhost = (host: string) => host === 'localhost' || host.endsWith('.localhost');

/** Parses the comma-separated list; throws an Error whose message says what is wrong with which origin. */
export function parseRelatedOrigins(value: string | undefined): readonly string[] {
  const origins = [...new Set((value ?? '').split(',').map((o) => o.trim()).filter(Boolean))];
  const labels = new Set<string>();
  for (const origin of origins) {
    const url = URL.canParse(origin) ? new URL(origin) : undefined;
    if (!url || url.origin !== origin) throw new Error(`${origin} is not an origin (scheme://host[:port], no path, no trailing slash)`);
    const host = url.hostname;
    if (isIP(host.replace(/^\[|\]$/g, ''))) throw new Error(`${origin} is an IP address; WebAuthn needs a host name`);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLocalhost(host))) throw new Error(`${origin} must be https (http only for localhost)`);
    const label = registrableLabel(host);
    if (label === undefined && !isLocalhost(host)) throw new Error(`${origin} has no registrable domain`);
    if (label !== undefined) labels.add(label);
  }
  if (labels.size > MAX_RELATED_LABELS) {
    throw new Error(
      `origins from ${labels.size} registrable domain labels (${[...labels].join(', ')}); browsers honour at most ${MAX_RELATED_LABELS} (WebAuthn L3 §5.11.1)`,
    );
  }
  return Object.freeze(origins);
}
