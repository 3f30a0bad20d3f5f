import type { RequestListener } from 'node:http';
import type Provider from 'oidc-provider';
import type { Config } from './config/config.js';
import type { Logger } from './common/logger.js';
import type { FailureLimiter } from './storage/ephemeral-store.js';
import type { KeyRefresher } from './provider/key-refresh.js';
import type { Metrics } from './ops/metrics.js';
import { around } from './http/around.js';
import { boundedRequests } from './http/bounded-requests.js';
import { createMetadataCache, metadataCaching } from './http/metadata-caching.js';
import { metadataFastLane } from './http/metadata-fast-lane.js';
import { notFound } from './http/not-found.js';
import { oneHost } from './http/one-host.js';
import { clientIp } from './http/client-ip.js';
import { clientAuthLimits } from './http/client-auth-limits.js';
import { rateLimit } from './pages/rate-limit.js';
import { engineMethods } from './provider/oidc-internals.js';
import { requestLog } from './http/request-log.js';
import { securityHeaders } from './http/security-headers.js';
import { errorPages } from './http/error-pages.js';
import { httpMetrics } from './ops/http-metrics.js';
import { metricsRoute } from './ops/metrics-endpoint.js';
import { observeEngine } from './ops/engine-metrics.js';

/**
 * The middleware every request passes before the engine and the page modules, in order.
 * Split from app.ts, which wires the parts; this is the order they run in. Returns what
 * goes in front of Koa itself: the fast lane for discovery and the JWKS.
 */
export function useMiddleware(
  provider: Provider,
  { config, logger, metrics, keyRefresher, limits, clientAuthFailures }: {
    config: Config;
    logger: Logger;
    metrics: Metrics;
    keyRefresher: KeyRefresher;
    limits: Parameters<typeof rateLimit>[0];
    clientAuthFailures: FailureLimiter;
  },
): (handler: RequestListener) => RequestListener {
  observeEngine(provider, metrics);
  // The layers every request passes, outermost first, folded into one middleware (http/around.ts).
  provider.use(
    around([
      // First: every later layer (and the engine) sees the right ctx.ip and only trusted X-Forwarded-* headers.
      clientIp(config.trustedProxies),
      httpMetrics(metrics),
      requestLog(logger),
      securityHeaders({ hsts: config.issuer.startsWith('https:') }),
      errorPages(logger),
      oneHost({ issuer: config.issuer, exemptPaths: config.hostCheckExemptPaths, requestPrototype: provider.request }),
      boundedRequests([provider.pathFor('authorization'), provider.pathFor('pushed_authorization_request')]),
      // Turns what no inner middleware answered into Latchkey's 404 or 405 page.
      notFound((path) => engineMethods(provider, path)),
      clientAuthLimits(provider, clientAuthFailures),
    ]),
  );
  const metadata = createMetadataCache(provider.pathFor('jwks'), () => keyRefresher.version());
  provider.use(metadataCaching(metadata));
  // With a metrics port, /metrics is served there only (main.ts); otherwise on this port behind the token.
  if (config.metrics.token && config.metrics.port === undefined) provider.use(metricsRoute(metrics, config.metrics.token));
  if (config.initialAccessToken) {
    const registration = provider.pathFor('registration');
    const limit = rateLimit(limits, { name: 'registration', keys: (ctx) => ({ ip: ctx.ip }), budgets: { ip: config.rateLimits.registration }, answer: 'oauth' });
    provider.use((ctx, next) => (ctx.method === 'POST' && ctx.path === registration ? limit(ctx, next) : next()));
  }
  return metadataFastLane(metadata, { host: new URL(config.issuer).host, metrics, logger });
}
