/**
 * A scripted browser without a browser: a cookie jar, manual redirects, and form
 * submission by field name. It sees exactly what a user agent sees over HTTP.
 */
export interface Page {
  url: string;
  status: number;
  html: string;
  headers: Headers;
}

function decode(s: string): string {
  return s.replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export class UserAgent {
  private jar = new Map<string, string>();

  /** Where the last redirect chain stopped outside the issuer (the client's redirect_uri). */
  constructor(private readonly stopAt: (url: URL) => boolean = () => false) {}

  private cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private store(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || attrs.some((a) => /^\s*max-age=0/i.test(a));
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  clearCookies() {
    this.jar.clear();
  }

  /** Follows redirects until a page is rendered or a URL matching stopAt is reached. */
  async go(url: string, init: { method?: string; body?: URLSearchParams } = {}): Promise<Page> {
    let current = url;
    let method = init.method ?? 'GET';
    let body: URLSearchParams | undefined = init.body;
    for (let hops = 0; hops < 20; hops += 1) {
      if (this.stopAt(new URL(current))) return { url: current, status: 0, html: '', headers: new Headers() };
      const res = await fetch(current, {
        method,
        redirect: 'manual',
        headers: {
          cookie: this.cookieHeader(),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(body ? { body: body.toString() } : {}),
      });
      this.store(res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        current = new URL(location, current).toString();
        method = 'GET';
        body = undefined;
        await res.arrayBuffer();
        continue;
      }
      return { url: current, status: res.status, html: await res.text(), headers: res.headers };
    }
    throw new Error('too many redirects');
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
