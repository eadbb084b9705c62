// coursekit: offline set-up for the book's live widgets (no kernel, no internet).
//
// Loaded by myst-nb on every page with widget state, after require.js and
// before @jupyter-widgets/html-manager's embed-amd.js (the order of
// `nb_ipywidgets_js` in book/_config.yml). build.py copies this file, the
// html-manager, require.js and anywidget's AMD bundle to <site>/_widgets/.
(function () {
  "use strict";
  var script = document.currentScript;
  // The folder this file was served from, as an absolute URL: it works for
  // pages at any depth and for a site served under a sub-path.
  var base = new URL(".", script.src).href;
  // The widgets' models are `_model_module: "anywidget"`; the html-manager
  // asks require.js for that module, and finds it here. (`@jupyter-widgets/base`,
  // `/controls` and `/html-manager` are defined by embed-amd.js itself.)
  // baseUrl: the html-manager derives its webpack public path from its AMD
  // module's URL, so its font files (vendored under
  // @jupyter-widgets/html-manager/dist/ here) are found in this folder for
  // pages at any depth, instead of next to each page.
  window.requirejs.config({ baseUrl: base, paths: { anywidget: base + "anywidget/index" } });
  // The html-manager falls back to a CDN (jsDelivr) for any module require.js
  // cannot find. It reads the CDN from a `data-jupyter-widgets-cdn` attribute
  // on any script tag when it renders the widgets; point it at this folder, so
  // that a module missing here is a local 404, never a request to the internet.
  script.setAttribute("data-jupyter-widgets-cdn", base + "cdn-disabled/");
})();
