/* Render the maths that pymdownx.arithmatex (generic mode) leaves as \( ... \) and \[ ... \]
   in <span class="arithmatex"> / <div class="arithmatex">, with the vendored KaTeX (no network). */
(function () {
  "use strict";
  function render(root) {
    (root || document).querySelectorAll(".arithmatex").forEach(function (el) {
      if (el.dataset.katex) { return; }
      var tex = el.textContent.trim();
      var display = el.tagName === "DIV";
      var m = /^\\\[([\s\S]*)\\\]$/.exec(tex) || /^\\\(([\s\S]*)\\\)$/.exec(tex);
      if (m) { tex = m[1]; display = display || tex.indexOf("\\[") === 0; }
      katex.render(tex, el, { displayMode: display, throwOnError: false });
      el.dataset.katex = "1";
    });
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () { render(document); });  // Material's page-load stream
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { render(document); });
  } else {
    render(document);
  }
}());
