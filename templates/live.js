// casefile serve: reload the page after a rebuild; show a failed build's errors over the page.
(function () {
  "use strict";
  var seen = null;
  var overlay = null;
  function show(errors) {
    if (!errors) {
      if (overlay) { overlay.remove(); overlay = null; }
      return;
    }
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "casefile-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:9999;overflow:auto;background:rgba(20,24,29,.94);" +
        "color:#fff;padding:2rem;font:14px/1.5 ui-monospace,monospace";
      var title = document.createElement("h2");
      title.textContent = "casefile: the last build failed (showing the previous site)";
      title.style.cssText = "color:#ff8a80;font:bold 18px system-ui,sans-serif;margin:0 0 1rem";
      var pre = document.createElement("pre");
      pre.style.whiteSpace = "pre-wrap";
      overlay.appendChild(title);
      overlay.appendChild(pre);
      document.body.appendChild(overlay);
    }
    overlay.querySelector("pre").textContent = errors;
  }
  function poll() {
    fetch("/__casefile/state", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (seen !== null && state.version !== seen && !state.errors) { location.reload(); return; }
        seen = state.version;
        show(state.errors);
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, 700); });
  }
  poll();
})();
