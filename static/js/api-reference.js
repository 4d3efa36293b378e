// Starts the vendored Swagger UI on /schema (src/medskapa/web/api_reference.py). A file, not
// inline script, so the page keeps the site's strict Content-Security-Policy.
"use strict";

window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.url,
    domNode: root,
    deepLinking: true,
    // The default asks validator.swagger.io for a badge: no request leaves this site.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
