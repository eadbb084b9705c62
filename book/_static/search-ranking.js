// coursekit: the search page lists the book's pages before the API reference's
// entries, and each page at most once.
//
// Jupyter Book adds every .js file in _static/ to every page; this one acts only
// where Sphinx's searchtools.js defines `Search` (search.html). It wraps
// Search._performSearch, whose result list is in ascending rank (the page pops
// the best one off the end). Each result is [docname, title, anchor, descr, score, file].
//
// Why: a query such as "loss" matched dozens of coursekit.* objects, which
// outscored the chapters; and a glossary term was listed twice (once from its
// index entry, once from the page's full text), both titled "Glossary".
(() => {
  const API_DOC = "api";

  /** Best first: pages (each docname + title once), then the API's objects and sections. */
  function rank(ascending) {
    const seen = new Set();
    const pages = [];
    const objects = [];
    for (const result of ascending.slice().reverse()) {
      const [docname, title, anchor, descr] = result;
      const key = `${docname}\u0000${title}`;
      if (seen.has(key)) continue; // the same page under the same title: keep the better one
      seen.add(key);
      // An API object, or one of the reference's sections (a match on a module heading).
      if (docname === API_DOC && (descr || anchor)) objects.push(result);
      else pages.push(result);
    }
    return [...pages, ...objects].reverse();
  }

  function wrap() {
    // `Search` is a top-level const of searchtools.js: visible here by name only.
    if (typeof Search === "undefined" || Search.coursekitRanked) return;
    const perform = Search._performSearch;
    Search._performSearch = (...args) => rank(perform(...args));
    Search.coursekitRanked = true;
  }

  // If this file runs before searchtools.js, wrap on DOMContentLoaded: this listener
  // is then registered before searchtools' own (which runs the query), so it runs first.
  wrap();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wrap);
})();
