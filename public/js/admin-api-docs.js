// The admin API reference (/admin/api/docs): Swagger UI over the OpenAPI document, served
// from Latchkey itself (no CDN). A file, not an inline script, so the CSP stays strict.
window.addEventListener('DOMContentLoaded', () => {
  const root = document.getElementById('swagger-ui');
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    deepLinking: true,
    // "Try it out" sends requests to this same origin only (connect-src 'self').
    tryItOutEnabled: false,
    persistAuthorization: false,
  });
});
