// iamdiff diff report: filtering and sorting of the findings table, and opening a
// principal's details from a link. Inlined into the page. It reads values from data-*
// attributes only and never writes markup (no innerHTML): the page's text is escaped
// once, by the template.
(function () {
  "use strict";
  var table = document.getElementById("findings");
  if (!table) return;
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var form = document.getElementById("filters");
  var fPrincipal = document.getElementById("f-principal");
  var fService = document.getElementById("f-service");
  var fCategory = document.getElementById("f-category");
  var fLevel = document.getElementById("f-level");
  var fGate = document.getElementById("f-gate");
  var count = document.getElementById("f-count");
  var none = document.getElementById("no-match");

  function applyFilters() {
    var text = fPrincipal.value.trim().toLowerCase();
    var service = fService.value;
    var category = fCategory.value;
    var level = fLevel.value;
    var gate = fGate.value;
    var shown = 0;
    rows.forEach(function (tr) {
      var d = tr.dataset;
      var ok = (!text || d.principal.toLowerCase().indexOf(text) !== -1) &&
        (!service || d.service === service) &&
        (!category || d.category === category) &&
        // at or above the chosen level, not only equal (issue 12)
        (!level || Number(d.rank) >= Number(level)) &&
        (!gate || d.gate === gate);
      tr.hidden = !ok;
      if (ok) shown += 1;
    });
    count.textContent = shown === rows.length
      ? rows.length + " findings"
      : shown + " of " + rows.length + " findings";
    none.hidden = shown !== 0;
  }

  [fPrincipal, fService, fCategory, fLevel, fGate].forEach(function (el) {
    el.addEventListener("input", applyFilters);
    el.addEventListener("change", applyFilters);
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.addEventListener("reset", function () { setTimeout(applyFilters, 0); });

  // sorting: a click (or Enter/Space, buttons get both) on a header sorts by that column;
  // a second click reverses. Ties keep the report's order, so the result is stable.
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  rows.forEach(function (tr, i) { tr.dataset.order = String(i); });
  headers.forEach(function (th, col) {
    var button = th.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      var numeric = button.dataset.type === "num";
      headers.forEach(function (h) { if (h.hasAttribute("aria-sort")) h.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var sorted = rows.slice().sort(function (a, b) {
        var x = a.cells[col].dataset.v || "";
        var y = b.cells[col].dataset.v || "";
        var c = numeric ? (Number(x) - Number(y)) : x.localeCompare(y, undefined, { sensitivity: "base" });
        if (c === 0) return Number(a.dataset.order) - Number(b.dataset.order);
        return asc ? c : -c;
      });
      sorted.forEach(function (tr) { tbody.appendChild(tr); });
    });
  });

  // a link to a principal opens its details
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.tagName === "DETAILS") {
      el.open = true;
      el.scrollIntoView({ block: "start" });
    }
  }
  window.addEventListener("hashchange", openTarget);
  // a printed report shows every principal's details
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details.principal"), function (d) { d.open = true; });
  });
  // open at once on click too: the hash may already point there, and then no event fires
  table.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a.plink");
    var el = a && document.getElementById(a.getAttribute("href").slice(1));
    if (el && el.tagName === "DETAILS") el.open = true;
  });
  openTarget();
  applyFilters();
})();
