/**
 * The second simulated bank (`--profile northbank`): Northbank, a building society whose API looks
 * nothing like the default bank's — an OAuth identity host (`POST /oauth/token` to log in, refresh and
 * revoke beside it), a versioned `/api/v2` core with other resource names (beneficiaries, savings
 * products, documents, messages), a single-page web app under `/my`, smaller JSON answers and a slower
 * core. The logical endpoint names are the default bank's, so every visit and campaign runs here too;
 * `session-keepalive` is Northbank's own (its web app pings it while a customer reads).
 */
import { BANK_SURFACE } from './api-surface';
import { buildSurface, type ApiSurface, type EndpointDef, type ServiceDef } from './surface';

export const NB_ID_HOST = 'id.northbank.example';
export const NB_API_HOST = 'api.northbank.example';
export const NB_WEB_HOST = 'online.northbank.example';

const SERVICES: readonly ServiceDef[] = [
  { name: 'nb-identity', host: 'identity.nb-core.svc', port: 8443, path: '/' },
  { name: 'nb-core', host: 'core-banking.nb-core.svc', port: 8080, path: '/' },
  { name: 'nb-payments', host: 'payments.nb-core.svc', port: 8443, path: '/' },
  { name: 'nb-catalog', host: 'savings-catalog.nb-core.svc', port: 8080, path: '/' },
  { name: 'nb-web', host: 'spa.nb-edge.svc', port: 80, path: '/' },
  { name: 'nb-status', host: 'status.nb-core.svc', port: 8080, path: '/' },
];

/** Logical name → [host, method, template, service] on Northbank. */
const ROUTES: Readonly<Record<string, readonly [string, string, string, string]>> = {
  'auth-login': [NB_ID_HOST, 'POST', '/oauth/token', 'nb-identity'],
  'auth-mfa-verify': [NB_ID_HOST, 'POST', '/auth/otp/verify', 'nb-identity'],
  'auth-token-refresh': [NB_ID_HOST, 'POST', '/oauth/refresh', 'nb-identity'],
  'auth-logout': [NB_ID_HOST, 'POST', '/oauth/revoke', 'nb-identity'],
  'auth-password-reset': [NB_ID_HOST, 'POST', '/auth/forgot-password', 'nb-identity'],
  'auth-password-reset-confirm': [NB_ID_HOST, 'POST', '/auth/forgot-password/confirm', 'nb-identity'],
  'auth-signup': [NB_ID_HOST, 'POST', '/auth/register', 'nb-identity'],
  'auth-health': [NB_ID_HOST, 'GET', '/healthz', 'nb-status'],
  'accounts-list': [NB_API_HOST, 'GET', '/api/v2/accounts', 'nb-core'],
  'accounts-get': [NB_API_HOST, 'GET', '/api/v2/accounts/{id}', 'nb-core'],
  'accounts-balances': [NB_API_HOST, 'GET', '/api/v2/accounts/{id}/balance', 'nb-core'],
  'accounts-transactions': [NB_API_HOST, 'GET', '/api/v2/accounts/{id}/transactions', 'nb-core'],
  'transactions-get': [NB_API_HOST, 'GET', '/api/v2/transactions/{uuid}', 'nb-core'],
  'accounts-statements': [NB_API_HOST, 'GET', '/api/v2/accounts/{id}/statements', 'nb-core'],
  'statements-download': [NB_API_HOST, 'GET', '/api/v2/documents/{uuid}', 'nb-core'],
  'cards-list': [NB_API_HOST, 'GET', '/api/v2/cards', 'nb-core'],
  'cards-get': [NB_API_HOST, 'GET', '/api/v2/cards/{id}', 'nb-core'],
  'cards-freeze': [NB_API_HOST, 'POST', '/api/v2/cards/{id}/block', 'nb-core'],
  'payees-list': [NB_API_HOST, 'GET', '/api/v2/beneficiaries', 'nb-payments'],
  'payees-create': [NB_API_HOST, 'POST', '/api/v2/beneficiaries', 'nb-payments'],
  'payees-delete': [NB_API_HOST, 'DELETE', '/api/v2/beneficiaries/{id}', 'nb-payments'],
  'payments-create': [NB_API_HOST, 'POST', '/api/v2/payments', 'nb-payments'],
  'payments-get': [NB_API_HOST, 'GET', '/api/v2/payments/{uuid}', 'nb-payments'],
  'transfers-create': [NB_API_HOST, 'POST', '/api/v2/transfers', 'nb-payments'],
  'profile-get': [NB_API_HOST, 'GET', '/api/v2/profile', 'nb-core'],
  'profile-email-update': [NB_API_HOST, 'PATCH', '/api/v2/profile/contact', 'nb-core'],
  'profile-address-update': [NB_API_HOST, 'PUT', '/api/v2/profile/address', 'nb-core'],
  'notifications-list': [NB_API_HOST, 'GET', '/api/v2/messages', 'nb-core'],
  'products-list': [NB_API_HOST, 'GET', '/api/v2/savings', 'nb-catalog'],
  'products-get': [NB_API_HOST, 'GET', '/api/v2/savings/{id}', 'nb-catalog'],
  'products-rates': [NB_API_HOST, 'GET', '/api/v2/savings/{id}/rates', 'nb-catalog'],
  'branches-search': [NB_API_HOST, 'GET', '/api/v2/branches', 'nb-catalog'],
  'fx-rates': [NB_API_HOST, 'GET', '/api/v2/fx/quotes', 'nb-catalog'],
  'api-health': [NB_API_HOST, 'GET', '/healthz', 'nb-status'],
  'api-status': [NB_API_HOST, 'GET', '/ready', 'nb-status'],
  'web-home': [NB_WEB_HOST, 'GET', '/', 'nb-web'],
  'web-sign-in': [NB_WEB_HOST, 'GET', '/sign-on', 'nb-web'],
  'web-dashboard': [NB_WEB_HOST, 'GET', '/my/overview', 'nb-web'],
  'web-products': [NB_WEB_HOST, 'GET', '/savings', 'nb-web'],
  'static-app-js': [NB_WEB_HOST, 'GET', '/static/js/main.7d3e91.js', 'nb-web'],
  'static-vendor-js': [NB_WEB_HOST, 'GET', '/static/js/runtime.0b12aa.js', 'nb-web'],
  'static-main-css': [NB_WEB_HOST, 'GET', '/static/css/app.5c0d2f.css', 'nb-web'],
  'static-logo': [NB_WEB_HOST, 'GET', '/static/media/northbank.svg', 'nb-web'],
  'static-favicon': [NB_WEB_HOST, 'GET', '/favicon.ico', 'nb-web'],
  'static-robots': [NB_WEB_HOST, 'GET', '/robots.txt', 'nb-web'],
  'web-sitemap': [NB_WEB_HOST, 'GET', '/sitemap.xml', 'nb-web'],
};

function defs(): EndpointDef[] {
  const out: EndpointDef[] = [];
  for (const e of BANK_SURFACE.endpoints) {
    const r = ROUTES[e.route.name];
    if (!r) throw new Error(`northbank has no route for ${e.route.name}`);
    const [host, method, template, service] = r;
    const api = host !== NB_WEB_HOST;
    out.push({
      name: e.route.name,
      host,
      method,
      template,
      service,
      auth: e.auth,
      // Leaner JSON from the API; a core banking system slower than the default bank's.
      resp: Math.max(2, Math.round(e.respMedian * (api ? 0.6 : 1.2))),
      sigma: e.respSigma,
      body: e.reqBody,
      latency: Math.max(1, Math.round(e.latencyMedian * (api ? 1.8 : 1))),
    });
  }
  out.push({
    name: 'session-keepalive',
    host: NB_API_HOST,
    method: 'GET',
    template: '/api/v2/session/keepalive',
    service: 'nb-identity',
    auth: 'session',
    resp: 60,
    sigma: 0.05,
    latency: 4,
  });
  return out;
}

export const NORTHBANK_SURFACE: ApiSurface = buildSurface({
  idStream: 'vigil-simulated-northbank-api-v1',
  hosts: [NB_ID_HOST, NB_API_HOST, NB_WEB_HOST],
  webHost: NB_WEB_HOST,
  issuer: `https://${NB_ID_HOST}`,
  services: SERVICES,
  defs: defs(),
  // Savings products 20000–20600; every eleventh retired.
  catalog: { first: 20_000, last: 20_600, exists: (id) => id >= 20_000 && id <= 20_600 && id % 11 !== 5 },
});
