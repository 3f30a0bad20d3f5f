import { request, type IncomingHttpHeaders } from 'node:http';

export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every header line as it came, in order (name, value, name, value…): duplicates too. */
  rawHeaders: string[];
  text: string;
}

/**
 * One HTTP/1.1 exchange with what fetch will not send: another `Host` header, or an
 * absolute-form request target (`target`, RFC 9112 §3.2.2). Connects to `url`'s host and
 * port; Host defaults to `url`'s.
 */
export function rawRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; target?: string; body?: string } = {},
): Promise<RawReply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: init.method ?? 'GET',
        path: init.target ?? `${u.pathname}${u.search}`,
        headers: { host: u.host, ...init.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, text }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
