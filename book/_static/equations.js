// coursekit: displayed equations that are a little too wide for the column are
// typeset slightly smaller (down to MIN_SCALE) instead of being cut off; wider
// ones keep their size and scroll sideways in their own box (coursekit.css).
// Jupyter Book adds this file to every page; it does nothing without MathJax.
// When done it sets <html data-ck-equations="fitted"> (the browser test waits for it).
(() => {
  const MIN_SCALE = 0.8;

  function fit() {
    for (const box of document.querySelectorAll('mjx-container[display="true"]')) {
      const math = box.querySelector("mjx-math");
      if (!math) continue;
      math.style.fontSize = ""; // measure at the natural size
      const natural = math.getBoundingClientRect().width;
      const room = box.clientWidth - 2; // a pixel of slack on each side against rounding
      if (natural <= room || natural === 0) continue;
      const scale = room / natural;
      if (scale >= MIN_SCALE) math.style.fontSize = `${Math.floor(scale * 1000) / 10}%`;
    }
    document.documentElement.dataset.ckEquations = "fitted";
  }

  let pending = false;
  const refit = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      fit();
    });
  };

  window.addEventListener("load", () => {
    const mj = window.MathJax;
    if (!mj || !mj.startup || !mj.startup.promise) {
      document.documentElement.dataset.ckEquations = "fitted"; // no maths on this page
      return;
    }
    mj.startup.promise.then(fit);
    window.addEventListener("resize", refit);
  });
})();
