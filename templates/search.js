// Client-side search over the index built at build time (assets/search-index.js).
// Accent-insensitive: "juarez" finds "Juárez". The ñ is a letter of its own, as Spanish
// readers expect: a query with ñ finds only ñ ("año" does not find "ano"), a query without
// it finds both ("pena" finds "Peña"). No server, works from file://.
// Messages come from the search form's data-none, data-one and data-many attributes, in the
// page's language. The index page's filters and sort (see below) act on its cards.
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
    return text.normalize("NFC").toLowerCase().replace(/ñ/g, "\uE000")
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/\uE000/g, "ñ")
      .replace(/[^a-z0-9ñ]+/g, " ").trim();
  }

  // The index's words with ñ read as n, for queries typed without ñ.
  index.forEach(function (entry) { entry.kn = entry.k.replace(/ñ/g, "n"); });

  var form = input.form;
  function message(name, fallback) {
    return (form && form.getAttribute("data-" + name)) || fallback;
  }

  function search(query) {
    var words = fold(query).split(" ").filter(function (w) { return w.length > 0; });
    if (words.length === 0) { return []; }
    var hits = [];
    index.forEach(function (entry) {
      var exact = " " + entry.k + " ";
      var loose = " " + entry.kn + " ";
      var title = fold(entry.t);
      var looseTitle = title.replace(/ñ/g, "n");
      var score = 0;
      for (var i = 0; i < words.length; i++) {
        var precise = words[i].indexOf("ñ") !== -1;
        var haystack = precise ? exact : loose;
        if (haystack.indexOf(words[i]) === -1) { return; }
        score += (precise ? title : looseTitle).indexOf(words[i]) === -1 ? 1 : 5;
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
    var none = message("none", "No dossier matches.");
    announce(hits.length === 0 ? none : hits.length === 1 ? message("one", "1 dossier matches.") :
      message("many", "{n} dossiers match.").replace("{n}", String(hits.length)));
    if (hits.length === 0) {
      var empty = document.createElement("li");
      empty.textContent = none;
      list.appendChild(empty);
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

  // The query is kept in the address (`?q=…`), so that results can be linked and shared.
  function remember(query) {
    try {
      var url = new URL(window.location.href);
      if (query.trim()) { url.searchParams.set("q", query); } else { url.searchParams.delete("q"); }
      window.history.replaceState(null, "", url.toString());
    } catch (error) { /* An address that cannot change (some file:// pages) keeps its query out. */ }
  }

  input.addEventListener("input", function () {
    show(search(input.value), input.value);
    remember(input.value);
  });
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

  // A linked search (`?q=juarez`) shows its results on arrival.
  var linked = new URLSearchParams(window.location.search).get("q");
  if (linked) {
    input.value = linked;
    show(search(linked), linked);
  }

  // The index's filters (language, status, confidence, share of cited claims) show only
  // the cards that match them all; its sort reorders the cards. Without the script the
  // cards stay in the site's order (newest first) and the sorter stays hidden.
  var cardList = document.querySelector(".cards");
  var sorter = document.getElementById("sorter");
  var controls = ["lang-filter", "status-filter", "confidence-filter", "coverage-filter", "sort-by"]
    .map(function (id) { return document.getElementById(id); })
    .filter(function (control) { return control; });
  if (cardList && controls.length > 0) {
    if (sorter) { sorter.hidden = false; }
    var cards = Array.prototype.slice.call(cardList.querySelectorAll(".card"));
    cards.forEach(function (card, i) { card.setAttribute("data-order", String(i)); });
    var value = function (id) {
      var control = document.getElementById(id);
      return control ? control.value : "";
    };
    var coverage = function (card) {
      var text = card.getAttribute("data-coverage");
      return text === "" || text === null ? -1 : Number(text);
    };
    var rank = {
      confidence: { high: 0, medium: 1, low: 2 },
      status: { confirmed: 0, corroborated: 1, alleged: 2, disputed: 3, retracted: 4 }
    };
    var ranked = function (table, key) { return key in table ? table[key] : 9; };
    var keys = {
      "coverage-low": function (card) { return coverage(card); },
      "coverage-high": function (card) { return -coverage(card); },
      "confidence": function (card) { return ranked(rank.confidence, card.getAttribute("data-confidence")); },
      "status": function (card) { return ranked(rank.status, card.getAttribute("data-status")); }
    };
    var matches = function (card) {
      var lang = value("lang-filter");
      var status = value("status-filter");
      var confidence = value("confidence-filter");
      var limit = value("coverage-filter");
      if (lang && card.getAttribute("data-lang") !== lang) { return false; }
      if (status && card.getAttribute("data-status") !== status) { return false; }
      if (confidence && card.getAttribute("data-confidence") !== confidence) { return false; }
      if (limit) {
        var n = Number(limit);
        var share = coverage(card);
        if (share < 0 || (n < 0 ? share >= -n : share < n)) { return false; }
      }
      return true;
    };
    var apply = function () {
      var key = keys[value("sort-by")];
      var order = function (card) { return Number(card.getAttribute("data-order")); };
      var sorted = cards.slice().sort(function (a, b) {
        var byKey = key ? key(a) - key(b) : 0;
        return byKey !== 0 ? byKey : order(a) - order(b);
      });
      sorted.forEach(function (card) {
        card.hidden = !matches(card);
        cardList.appendChild(card);
      });
    };
    controls.forEach(function (control) { control.addEventListener("change", apply); });
  }
})();
