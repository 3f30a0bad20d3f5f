/**
 * A scripted browser without a browser: a cookie jar, manual redirects, and form
 * submission by field name. It sees exactly what a user agent sees over HTTP. The
 * tests drive it over fetch; the benches hand it their keep-alive node:http transport.
 */
export interface Page {
  url: string;
  status: number;
  html: string;
  headers: ReplyHeaders;
}

export interface ReplyHeaders {
  get(name: string): string | null;
  getSetCookie(): string[];
}

/** The little of a fetch Response the user agent reads. */
export interface Reply {
  status: number;
  headers: ReplyHeaders;
  text(): Promise<string>;
}

/** One HTTP exchange, redirects not followed. */
export type Transport = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<Reply>;

const fetchTransport: Transport = (url, init) => fetch(url, { ...init, redirect: 'manual' });

function decode(s: string): string {
  return s.replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Cookies by name, from Set-Cookie lines; an empty or expired value removes one. */
export class CookieJar {
  private jar = new Map<string, string>();

  header(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  store(setCookie: string[]): void {
    for (const line of setCookie) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || attrs.some((a) => /^\s*max-age=0/i.test(a));
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  /** Forgets every cookie but those `keep` names (a browser whose session ended keeps its long-lived ones). */
  clear(keep: (name: string) => boolean = () => false): void {
    for (const name of [...this.jar.keys()]) if (!keep(name)) this.jar.delete(name);
  }
}

export class UserAgent {
  private readonly cookies = new CookieJar();

  /** Where the last redirect chain stopped outside the issuer (the client's redirect_uri). */
  constructor(
    private readonly stopAt: (url: URL) => boolean = () => false,
    private readonly transport: Transport = fetchTransport,
  ) {}

  clearCookies(keep?: (name: string) => boolean) {
    this.cookies.clear(keep);
  }

  /** Follows redirects until a page is rendered or a URL matching stopAt is reached. */
  async go(url: string, init: { method?: string; body?: URLSearchParams } = {}): Promise<Page> {
    let current = url;
    let method = init.method ?? 'GET';
    let body: URLSearchParams | undefined = init.body;
    for (let hops = 0; hops < 20; hops += 1) {
      if (this.stopAt(new URL(current))) return { url: current, status: 0, html: '', headers: new Headers() };
      const res = await this.send(current, method, body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}, body?.toString());
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        current = new URL(location, current).toString();
        method = 'GET';
        body = undefined;
        await res.text();
        continue;
      }
      return { url: current, status: res.status, html: await res.text(), headers: res.headers };
    }
    throw new Error('too many redirects');
  }

  /** A JSON POST with this browser's cookies, as a page's own script makes it. */
  async postJson(url: string, data: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const res = await this.send(url, 'POST', { 'content-type': 'application/json', ...headers }, JSON.stringify(data));
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /** A POST of `body` exactly as given (a malformed one, say), with this browser's cookies. */
  async postRaw(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
    const res = await this.send(url, 'POST', headers, body);
    return { status: res.status, text: await res.text() };
  }

  private async send(url: string, method: string, headers: Record<string, string>, body: string | undefined): Promise<Reply> {
    const res = await this.transport(url, {
      method,
      headers: { cookie: this.cookies.header(), ...headers },
      ...(body !== undefined ? { body } : {}),
    });
    this.cookies.store(res.headers.getSetCookie());
    return res;
  }

  /** Submits the form whose action contains `actionPart`, with hidden fields kept. */
  async submit(page: Page, actionPart: string, fields: Record<string, string> = {}, submitter?: { name: string; value: string }): Promise<Page> {
    const forms = [...page.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
    const form = forms.find((f) => (/action="([^"]*)"/.exec(f[1]!)?.[1] ?? '').includes(actionPart));
    if (!form) throw new Error(`no form with action containing ${actionPart} on ${page.url}\n${page.html.slice(0, 2000)}`);
    const action = decode(/action="([^"]*)"/.exec(form[1]!)![1]!);
    const method = (/method="([^"]*)"/.exec(form[1]!)?.[1] ?? 'GET').toUpperCase();
    const body = new URLSearchParams();
    for (const input of form[2]!.matchAll(/<input\b([^>]*)>/g)) {
      const name = /name="([^"]*)"/.exec(input[1]!)?.[1];
      const value = /value="([^"]*)"/.exec(input[1]!)?.[1] ?? '';
      if (name && /type="hidden"/.test(input[1]!)) body.set(name, decode(value));
    }
    for (const [k, v] of Object.entries(fields)) body.set(k, v);
    if (submitter) body.set(submitter.name, submitter.value);
    return this.go(new URL(action, page.url).toString(), { method, body });
  }
}
