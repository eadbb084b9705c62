// coursekit: boxes that scroll sideways (wide tables, displayed equations, code,
// cell outputs) can be reached and scrolled with the keyboard (WCAG 2.1.1; axe's
// scrollable-region-focusable), are named for screen readers, and show a cue
// (coursekit.css, .ck-scrolls) that there is more to see.
// Jupyter Book adds this file to every page. Whether a box scrolls depends on the
// screen, so it runs after the maths is sized (equations.js) and again on resize.
// When done it sets <html data-ck-a11y="ready"> (the browser test waits for it).
(() => {
  const BOXES = [
    "article table",
    "article .pst-scrollable-table-container",
    "article .table-wrapper",
    'article mjx-container[display="true"]',
    "article span.math",
    "article pre",
    "article .cell_output .output",
  ].join(", ");

  const scrolls = (el) => {
    const style = getComputedStyle(el);
    return el.scrollWidth > el.clientWidth + 1 && /(auto|scroll)/.test(style.overflowX);
  };

  const nameFor = (el) => {
    if (el.matches("span.math")) return "formula, scrolls sideways";
    if (el.matches("mjx-container")) {
      const num = el.parentElement && el.parentElement.querySelector(":scope > span.eqno");
      const label = num ? ` ${num.textContent.replace("#", "").trim()}` : "";
      return `equation${label}, scrolls sideways`;
    }
    if (el.matches("table, .pst-scrollable-table-container, .table-wrapper")) {
      const caption = el.querySelector("caption");
      const text = caption ? caption.textContent.replace("#", "").trim() : "";
      return text ? `table: ${text}, scrolls sideways` : "table, scrolls sideways";
    }
    if (el.matches("pre")) return "code, scrolls sideways";
    return "cell output, scrolls sideways";
  };

  function mark() {
    for (const el of document.querySelectorAll(BOXES)) {
      const wide = scrolls(el);
      const ours = el.dataset.ckScroll === "1";
      if (wide && !ours) {
        // MathJax gives its containers tabindex 0 already (its menu); keep what is there.
        if (!el.hasAttribute("tabindex")) {
          el.setAttribute("tabindex", "0");
          el.dataset.ckTabindex = "1";
        }
        el.dataset.ckScroll = "1";
        el.classList.add("ck-scrolls");
        if (el.matches("table")) {
          if (!el.hasAttribute("aria-label") && !el.querySelector("caption")) el.setAttribute("aria-label", nameFor(el));
        } else if (!el.hasAttribute("role")) {
          el.setAttribute("role", "region");
          el.setAttribute("aria-label", nameFor(el));
        }
      } else if (!wide && ours) {
        // Wider screen now: the box no longer scrolls, so it leaves the tab order.
        if (el.dataset.ckTabindex === "1") el.removeAttribute("tabindex");
        delete el.dataset.ckTabindex;
        if (el.getAttribute("role") === "region") el.removeAttribute("role");
        el.removeAttribute("aria-label");
        el.classList.remove("ck-scrolls");
        delete el.dataset.ckScroll;
      }
    }
    document.documentElement.dataset.ckA11y = "ready";
  }

  let pending = false;
  const again = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      mark();
    });
  };

  window.addEventListener("load", () => {
    const html = document.documentElement;
    // After equations.js has sized the maths (it sets data-ck-equations).
    if (html.dataset.ckEquations === "fitted") mark();
    else {
      new MutationObserver((changes, observer) => {
        if (html.dataset.ckEquations === "fitted") {
          observer.disconnect();
          mark();
        }
      }).observe(html, { attributes: true, attributeFilter: ["data-ck-equations"] });
    }
    window.addEventListener("resize", again);
  });
})();
