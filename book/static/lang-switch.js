// A link on every page to the same page in the other language.
// Both books are siblings (nl/ and fr/) with the same page names, so the twin page is
// this page's address with the language folder swapped; it works from disk and from a server.
(function () {
  "use strict";
  var names = { nl: "Français", fr: "Nederlands" };
  function twin(href, from, to) {
    var marker = "/" + from + "/";
    var at = href.lastIndexOf(marker);
    return at < 0 ? null : href.slice(0, at) + "/" + to + "/" + href.slice(at + marker.length);
  }
  function addLink() {
    var lang = (document.documentElement.lang || "").slice(0, 2);
    var other = lang === "nl" ? "fr" : lang === "fr" ? "nl" : null;
    if (!other || document.getElementById("lang-switch")) return;
    var target = twin(window.location.href.split("#")[0], lang, other);
    if (!target) return;
    var link = document.createElement("a");
    link.id = "lang-switch";
    link.href = target;
    link.hreflang = other;
    link.lang = other;
    link.textContent = names[lang];
    link.className = "lang-switch";
    var place = document.querySelector(".article-header-buttons") || document.querySelector(".bd-header-article") ||
      document.body;
    place.insertBefore(link, place.firstChild);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", addLink);
  else addLink();
})();
