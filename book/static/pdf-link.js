// A link on every page to the book's PDF edition (barometer.pdf). The build names the file and
// the words on this script's tag (data-href, data-label, data-title), and leaves the tag out where
// it could not print the PDF; the PDF sits at the book's root, beside _static/.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.href) return;
  var root = script.src.replace(/_static\/pdf-link\.js(\?.*)?$/, "");
  function addLink() {
    if (document.getElementById("pdf-link")) return;
    var link = document.createElement("a");
    link.id = "pdf-link";
    link.className = "pdf-link";
    link.href = root + script.dataset.href;
    link.type = "application/pdf";
    link.textContent = script.dataset.label;
    link.title = script.dataset.title;
    var place = document.querySelector(".article-header-buttons") || document.querySelector(".bd-header-article") ||
      document.body;
    var after = document.getElementById("lang-switch");
    place.insertBefore(link, after && after.parentNode === place ? after.nextSibling : place.firstChild);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", addLink);
  else addLink();
})();
