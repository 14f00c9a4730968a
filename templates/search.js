// Client-side search over the index built at build time (assets/search-index.js).
// Accent-insensitive: "juarez" finds "Juárez". No server, works from file://.
(function () {
  "use strict";
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var index = window.CASEFILE_SEARCH || [];
  if (!input || !list) { return; }
  // The form only hosts the field: submitting it must not reload the page.
  if (input.form) {
    input.form.addEventListener("submit", function (event) { event.preventDefault(); });
  }
  var root = document.body.getAttribute("data-root") || "";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, " ").trim();
  }

  function search(query) {
    var words = fold(query).split(" ").filter(function (w) { return w.length > 0; });
    if (words.length === 0) { return []; }
    var hits = [];
    index.forEach(function (entry) {
      var haystack = " " + entry.k + " ";
      var title = fold(entry.t);
      var score = 0;
      for (var i = 0; i < words.length; i++) {
        if (haystack.indexOf(words[i]) === -1) { return; }
        score += title.indexOf(words[i]) === -1 ? 1 : 5;
        if (haystack.indexOf(" " + words[i] + " ") !== -1) { score += 1; }
      }
      hits.push({ entry: entry, score: score });
    });
    hits.sort(function (a, b) { return b.score - a.score; });
    return hits.slice(0, 12);
  }

  function announce(text) {
    if (status) { status.textContent = text; }
  }

  function show(hits, query) {
    list.textContent = "";
    if (!query.trim()) { list.hidden = true; announce(""); return; }
    announce(hits.length === 0 ? "No dossier matches." :
      hits.length + (hits.length === 1 ? " dossier matches." : " dossiers match."));
    if (hits.length === 0) {
      var none = document.createElement("li");
      none.textContent = "No dossier matches.";
      list.appendChild(none);
    }
    hits.forEach(function (hit) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + hit.entry.u;
      a.textContent = hit.entry.t;
      var small = document.createElement("small");
      small.textContent = hit.entry.d + (hit.entry.s ? " · " + hit.entry.s : "");
      li.appendChild(a);
      li.appendChild(small);
      list.appendChild(li);
    });
    list.hidden = false;
  }

  input.addEventListener("input", function () { show(search(input.value), input.value); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { input.value = ""; show([], ""); }
    if (event.key === "Enter") {
      var first = list.querySelector("a");
      if (first) { window.location.href = first.href; }
    }
  });
  // A click anywhere outside the search box closes the results.
  document.addEventListener("click", function (event) {
    if (!list.hidden && input.form && !input.form.contains(event.target)) { list.hidden = true; }
  });
  input.addEventListener("focus", function () {
    if (input.value.trim()) { show(search(input.value), input.value); }
  });
})();
