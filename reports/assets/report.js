// iamdiff diff report: renders the changes that cause the findings, the people list, the
// findings table (with each finding's cause) and each principal's drill-down from the
// report's data (the JSON in #report-data), a page at a time, so a report with thousands
// of findings opens at once. Filters, sorting and paging work on
// the data, not on the DOM. It builds elements with createElement and textContent only,
// never markup from strings (no innerHTML): text from the inputs is never parsed as HTML.
(function () {
  "use strict";
  var dataEl = document.getElementById("report-data");
  if (!dataEl) return;
  var D = JSON.parse(dataEl.textContent || "{}");
  var S = D.s || [], P = D.p || [], F = D.f || [], C = D.c || [];
  var LEVELS = ["List", "Read", "Tagging", "Write", "Permissions management"];
  var LEVEL_CLASS = ["lv-list", "lv-read", "lv-tagging", "lv-write", "lv-pm"];
  var LEVEL_SHORT = ["List", "Read", "Tagging", "Write", "Perm. mgmt"];
  var GATE = ["passes", "waived", "fails"];
  var PAGE_ROWS = 100, PAGE_PEOPLE = 50, PAGE_CHANGES = 50;
  // principals listed in an open change before "… N more"
  var CHANGE_PRINCIPALS = 100;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function dash(s) { return s ? s : "—"; }
  function pid(k) { return "p" + k; }
  function cid(i) { return "change-" + C[i][0]; }
  // a finding's causes are indexes into C, or the id of a change not listed there
  function causeId(x) { return typeof x === "number" ? C[x][0] : String(x); }
  function causeLink(x) {
    if (typeof x !== "number") return el("span", "c-id", x);
    var a = el("a", "clink", C[x][0]);
    a.href = "#" + cid(x);
    return a;
  }
  function principalLink(k) {
    var a = el("a", "plink");
    a.href = "#" + pid(k);
    a.appendChild(el("span", "kind", P[k][0]));
    a.appendChild(document.createTextNode(" " + P[k][1]));
    return a;
  }

  // findings of each principal (by rank)
  var byPrincipal = P.map(function () { return []; });
  F.forEach(function (f, i) { if (byPrincipal[f[0]]) byPrincipal[f[0]].push(i); });

  // ---- pager ----
  function pager(nav, page, pages, go) {
    nav.textContent = "";
    if (pages <= 1) return;
    var prev = el("button", "prev", "‹ Previous");
    prev.type = "button";
    prev.disabled = page === 0;
    prev.addEventListener("click", function () { go(page - 1); });
    var next = el("button", "next", "Next ›");
    next.type = "button";
    next.disabled = page >= pages - 1;
    next.addEventListener("click", function () { go(page + 1); });
    nav.appendChild(prev);
    nav.appendChild(el("span", "page-of", "page " + (page + 1) + " of " + pages));
    nav.appendChild(next);
  }

  // ---- the changes, by impact ----
  var changes = document.getElementById("changes");
  var changesPager = document.getElementById("changes-pager");
  var changesPage = 0;

  function changeDetails(i) {
    var c = C[i];
    var d = el("details", "cause" + (c[1] ? " fails" : ""));
    d.id = cid(i);
    var sum = el("summary");
    sum.appendChild(el("span", "gate " + (c[1] ? "gate-fails" : "gate-passes"), c[1] ? "fails" : "passes"));
    sum.appendChild(el("strong", "c-id", c[0]));
    sum.appendChild(el("span", "c-summary", c[2]));
    sum.appendChild(el("span", "c-impact", "→ " + c[3]));
    if (c[4] !== null && c[4] !== undefined) sum.appendChild(el("span", "level " + LEVEL_CLASS[c[4]], LEVELS[c[4]]));
    d.appendChild(sum);
    var built = false;
    d.addEventListener("toggle", function () {
      if (d.open && !built) { built = true; d.appendChild(changeBody(i)); }
    });
    return d;
  }

  function changeBody(i) {
    var c = C[i];
    var body = el("div", "c-body");
    if (c[5].length) {
      var ul = el("ul", "c-detail");
      c[5].forEach(function (x) { ul.appendChild(el("li", null, x)); });
      body.appendChild(ul);
    }
    var who = el("p", "c-who");
    who.appendChild(el("span", "muted", c[6].length === 1 ? "Principal: " : "Principals (" + c[6].length + "): "));
    c[6].slice(0, CHANGE_PRINCIPALS).forEach(function (x, n) {
      if (n > 0) who.appendChild(document.createTextNode(", "));
      if (typeof x === "number" && P[x]) who.appendChild(principalLink(x));
      else who.appendChild(document.createTextNode(String(x)));
    });
    if (c[6].length > CHANGE_PRINCIPALS) who.appendChild(el("span", "muted", " … " + (c[6].length - CHANGE_PRINCIPALS) + " more"));
    body.appendChild(who);
    if (!c[7]) return body;
    var show = el("button", "c-show", "Show its " + c[7] + (c[7] === 1 ? " finding" : " findings") + " in the table");
    show.type = "button";
    show.addEventListener("click", function () {
      fCause.value = c[0];
      applyFilters();
      table.scrollIntoView({ block: "start" });
    });
    body.appendChild(show);
    return body;
  }

  function showChanges(page) {
    var pages = Math.max(1, Math.ceil(C.length / PAGE_CHANGES));
    changesPage = Math.min(Math.max(0, page), pages - 1);
    changes.textContent = "";
    for (var i = changesPage * PAGE_CHANGES; i < Math.min(C.length, (changesPage + 1) * PAGE_CHANGES); i++) {
      changes.appendChild(changeDetails(i));
    }
    pager(changesPager, changesPage, pages, showChanges);
  }

  function openChange(id) {
    var i = -1;
    for (var n = 0; n < C.length; n++) if (C[n][0] === id) { i = n; break; }
    if (i < 0) return;
    if (Math.floor(i / PAGE_CHANGES) !== changesPage) showChanges(Math.floor(i / PAGE_CHANGES));
    var d = document.getElementById(cid(i));
    if (d) { d.open = true; d.scrollIntoView({ block: "start" }); }
  }

  // ---- people ----
  var people = document.getElementById("people");
  var peoplePager = document.getElementById("people-pager");
  var peoplePage = 0;

  function countsText(k) {
    var p = P[k], bits = [];
    var n = byPrincipal[k] ? byPrincipal[k].length : 0;
    bits.push(n + (n === 1 ? " finding" : " findings"));
    if (p[6]) bits.push(p[6] + " lost");
    if (p[8]) bits.push(p[8] + " narrowed");
    if (p[9]) bits.push(p[9] + " conditional");
    if (p[10]) bits.push(p[10] + " gained");
    if (p[11]) bits.push(p[11] + " to review");
    return bits.join(" · ");
  }

  function principalDetails(k) {
    var p = P[k];
    var d = el("details", "principal" + (p[5] ? " fails" : ""));
    d.id = pid(k);
    var sum = el("summary");
    var name = el("span", "p-name");
    name.appendChild(el("span", "kind", p[0]));
    name.appendChild(document.createTextNode(" " + p[1]));
    if (p[2]) name.appendChild(el("span", "muted", " (was " + p[2] + ")"));
    sum.appendChild(name);
    sum.appendChild(el("span", "pill status-" + p[3], p[3]));
    sum.appendChild(el("span", "level " + LEVEL_CLASS[p[4]], LEVELS[p[4]]));
    sum.appendChild(el("span", "p-counts", countsText(k)));
    sum.appendChild(el("span", "gate " + (p[5] ? "gate-fails" : "gate-passes"), p[5] ? "fails" : "passes"));
    d.appendChild(sum);
    var built = false;
    d.addEventListener("toggle", function () {
      if (d.open && !built) { built = true; d.appendChild(principalBody(k)); }
    });
    return d;
  }

  function principalBody(k) {
    var p = P[k];
    var body = el("div", "p-body");
    var arns = el("dl", "arns");
    function arn(label, v) {
      if (!v) return;
      var row = el("div");
      row.appendChild(el("dt", null, label));
      var dd = el("dd");
      dd.appendChild(el("code", null, v));
      row.appendChild(dd);
      arns.appendChild(row);
    }
    if (p[12] && p[12] === p[13]) arn("ARN", p[12]); else { arn("ARN before", p[12]); arn("ARN after", p[13]); }
    body.appendChild(arns);
    (byPrincipal[k] || []).forEach(function (i) { body.appendChild(findingArticle(F[i])); });
    return body;
  }

  function findingArticle(f) {
    var a = el("article", "finding" + (f[5] === 2 ? " fails" : "") + (f[11] ? " waived" : ""));
    var h = el("header", "f-head");
    h.appendChild(el("span", "code code-" + f[3], f[2]));
    h.appendChild(el("span", "level " + LEVEL_CLASS[f[4]], LEVELS[f[4]]));
    if (f[1]) h.appendChild(el("span", "svc-name", f[1]));
    if (f[5] === 2) h.appendChild(el("span", "gate gate-fails", "fails the gate"));
    else if (f[11]) h.appendChild(el("span", "gate gate-waived", "waived"));
    a.appendChild(h);
    a.appendChild(el("p", "f-msg", f[9]));
    if (f[11]) a.appendChild(el("p", "f-waiver", f[11]));
    var facts = el("dl", "f-facts");
    if (f[10].length) {
      var row = el("div");
      row.appendChild(el("dt", null, "Actions (" + f[6] + ", " + f[7] + " pairs)"));
      var dd = el("dd", "acts-list");
      f[10].forEach(function (id) { dd.appendChild(el("code", null, S[id])); dd.appendChild(document.createTextNode(" ")); });
      if (f[6] > f[10].length) dd.appendChild(el("span", "muted", "… " + (f[6] - f[10].length) + " more in the JSON report"));
      row.appendChild(dd);
      facts.appendChild(row);
    }
    if (f[8]) {
      var w = el("div");
      w.appendChild(el("dt", null, "Witness"));
      var wd = el("dd");
      wd.appendChild(el("code", "arn", f[8]));
      w.appendChild(wd);
      facts.appendChild(w);
    }
    if (f[14] && f[14].length) {
      var cr = el("div");
      cr.appendChild(el("dt", null, f[14].length === 1 ? "Cause" : "Causes"));
      var cd = el("dd", "causes");
      f[14].forEach(function (x, n) {
        if (n > 0) cd.appendChild(document.createTextNode("; "));
        cd.appendChild(causeLink(x));
        if (typeof x === "number") cd.appendChild(document.createTextNode(" " + C[x][2]));
      });
      cr.appendChild(cd);
      facts.appendChild(cr);
    }
    a.appendChild(facts);
    var sides = el("div", "sides");
    [["Before", f[12]], ["After", f[13]]].forEach(function (x) {
      var s = x[1], side = el("div", "side");
      var h4 = el("h4", null, x[0] + " ");
      h4.appendChild(el("span", "st st-" + (s[0] || ""), dash(s[0])));
      side.appendChild(h4);
      if (s[1].length) {
        var ul = el("ul", "res");
        s[1].forEach(function (id) { var li = el("li"); li.appendChild(el("code", null, S[id])); ul.appendChild(li); });
        side.appendChild(ul);
      }
      if (s[2].length) {
        var uc = el("ul", "conds");
        s[2].forEach(function (c) { var li = el("li", null, "if "); li.appendChild(el("code", null, c)); uc.appendChild(li); });
        side.appendChild(uc);
      }
      if (s[3].length) {
        var ur = el("ul", "routes");
        s[3].forEach(function (id) { ur.appendChild(el("li", "rt-stmt", S[id])); });
        side.appendChild(ur);
      } else {
        side.appendChild(el("p", "muted none", "No statement on this side."));
      }
      sides.appendChild(side);
    });
    a.appendChild(sides);
    return a;
  }

  function showPeople(page) {
    var pages = Math.max(1, Math.ceil(P.length / PAGE_PEOPLE));
    peoplePage = Math.min(Math.max(0, page), pages - 1);
    people.textContent = "";
    for (var k = peoplePage * PAGE_PEOPLE; k < Math.min(P.length, (peoplePage + 1) * PAGE_PEOPLE); k++) {
      people.appendChild(principalDetails(k));
    }
    if (!P.length) people.appendChild(el("p", "empty", "No principal changed."));
    pager(peoplePager, peoplePage, pages, showPeople);
  }

  function openPrincipal(k) {
    if (!(k >= 0 && k < P.length)) return;
    if (Math.floor(k / PAGE_PEOPLE) !== peoplePage) showPeople(Math.floor(k / PAGE_PEOPLE));
    var d = document.getElementById(pid(k));
    if (d) { d.open = true; d.scrollIntoView({ block: "start" }); }
  }

  // ---- the findings table ----
  var table = document.getElementById("findings");
  var tbody = table.tBodies[0];
  var fPrincipal = document.getElementById("f-principal");
  var fService = document.getElementById("f-service");
  var fCategory = document.getElementById("f-category");
  var fLevel = document.getElementById("f-level");
  var fGate = document.getElementById("f-gate");
  var fCause = document.getElementById("f-cause");
  var count = document.getElementById("f-count");
  var none = document.getElementById("no-match");
  var findingsPager = document.getElementById("findings-pager");
  var shown = F.map(function (_, i) { return i; });
  var tablePage = 0;
  var lastState = null;
  var sortKey = null, sortAsc = true;

  var KEYS = {
    principal: function (f) { return P[f[0]][0] + " " + P[f[0]][1]; },
    service: function (f) { return f[1] || ""; },
    code: function (f) { return f[2]; },
    level: function (f) { return f[4]; },
    actions: function (f) { return f[6]; },
    pairs: function (f) { return f[7]; },
    change: function (f) { return (f[12][0] || "") + " " + (f[13][0] || ""); },
    gate: function (f) { return f[5]; }
  };

  function row(i) {
    var f = F[i], p = P[f[0]];
    var tr = el("tr");
    tr.dataset.principal = p[1];
    tr.dataset.service = f[1] || "";
    tr.dataset.category = f[3];
    tr.dataset.level = LEVELS[f[4]];
    tr.dataset.gate = GATE[f[5]];
    tr.dataset.causes = (f[14] || []).map(causeId).join(" ");
    var td = el("td");
    td.dataset.v = p[0] + " " + p[1];
    td.appendChild(principalLink(f[0]));
    tr.appendChild(td);
    var svc = el("td");
    svc.dataset.v = f[1] || "";
    if (f[1]) svc.textContent = f[1]; else svc.appendChild(el("span", "muted", "principal"));
    tr.appendChild(svc);
    var code = el("td");
    code.dataset.v = f[2];
    code.appendChild(el("span", "code code-" + f[3], f[2]));
    tr.appendChild(code);
    var lv = el("td");
    lv.dataset.v = String(f[4]);
    var ls = el("span", "level " + LEVEL_CLASS[f[4]], LEVEL_SHORT[f[4]]);
    ls.title = LEVELS[f[4]];
    lv.appendChild(ls);
    tr.appendChild(lv);
    var acts = el("td");
    acts.dataset.v = String(f[6]);
    acts.appendChild(el("span", "count", f[6]));
    var names = f[10].slice(0, 5).map(function (id) { var s = S[id]; var c = s.indexOf(":"); return c > 0 ? s.slice(c + 1) : s; });
    if (names.length) acts.appendChild(el("span", "acts", names.join(", ") + (f[6] > names.length ? " … (+" + (f[6] - names.length) + " more)" : "")));
    tr.appendChild(acts);
    var pairs = el("td", "num", f[7]);
    pairs.dataset.v = String(f[7]);
    tr.appendChild(pairs);
    var ch = el("td", "change");
    ch.dataset.v = KEYS.change(f);
    ch.appendChild(el("span", "st st-" + (f[12][0] || ""), dash(f[12][0])));
    ch.appendChild(el("span", "arrow", "→"));
    ch.appendChild(el("span", "st st-" + (f[13][0] || ""), dash(f[13][0])));
    tr.appendChild(ch);
    var g = el("td");
    g.dataset.v = String(f[5]);
    g.appendChild(el("span", "gate gate-" + GATE[f[5]], GATE[f[5]]));
    tr.appendChild(g);
    // why: the first cause (the changes section says the rest)
    var why = el("td", "why");
    var cs = f[14] || [];
    if (cs.length) {
      why.appendChild(causeLink(cs[0]));
      if (typeof cs[0] === "number") why.appendChild(document.createTextNode(" " + C[cs[0]][2]));
      if (cs.length > 1) why.appendChild(el("span", "muted", " (+" + (cs.length - 1) + " more)"));
    } else {
      why.appendChild(el("span", "muted", "—"));
    }
    tr.appendChild(why);
    return tr;
  }

  function showTable(page) {
    var pages = Math.max(1, Math.ceil(shown.length / PAGE_ROWS));
    tablePage = Math.min(Math.max(0, page), pages - 1);
    var frag = document.createDocumentFragment();
    for (var j = tablePage * PAGE_ROWS; j < Math.min(shown.length, (tablePage + 1) * PAGE_ROWS); j++) frag.appendChild(row(shown[j]));
    tbody.textContent = "";
    tbody.appendChild(frag);
    pager(findingsPager, tablePage, pages, showTable);
  }

  function applyFilters() {
    var text = fPrincipal.value.trim().toLowerCase();
    var service = fService.value, category = fCategory.value;
    var level = fLevel.value === "" ? -1 : Number(fLevel.value);
    var gate = fGate.value === "" ? -1 : Number(fGate.value);
    var cause = fCause.value.trim().toUpperCase();
    // a text field fires "change" again when it loses focus: rebuilding the rows then
    // would swallow the click that moved the focus (a link in the table)
    var state = [text, service, category, level, gate, cause].join("\u0000");
    if (state === lastState) return;
    lastState = state;
    shown = [];
    for (var i = 0; i < F.length; i++) {
      var f = F[i];
      if (text && P[f[0]][1].toLowerCase().indexOf(text) === -1) continue;
      if (service && f[1] !== service) continue;
      if (category && f[3] !== category) continue;
      if (level >= 0 && f[4] < level) continue;
      if (gate >= 0 && f[5] !== gate) continue;
      if (cause && !(f[14] || []).some(function (x) { return causeId(x).toUpperCase() === cause; })) continue;
      shown.push(i);
    }
    sortShown();
    count.textContent = shown.length === F.length ? F.length + " findings" : shown.length + " of " + F.length + " findings";
    none.hidden = shown.length !== 0;
    showTable(0);
  }

  function sortShown() {
    if (!sortKey) return;
    var key = KEYS[sortKey];
    shown.sort(function (a, b) {
      var x = key(F[a]), y = key(F[b]);
      var c = typeof x === "number" ? x - y : String(x).localeCompare(String(y), undefined, { sensitivity: "base" });
      if (c === 0) return a - b;
      return sortAsc ? c : -c;
    });
  }

  // a click (or Enter/Space, buttons get both) on a header sorts by that column; a second
  // click reverses. Ties keep the report's order, so the result is stable.
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (th) {
    var button = th.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      sortAsc = th.getAttribute("aria-sort") !== "ascending";
      sortKey = button.dataset.key;
      headers.forEach(function (h) { if (h.hasAttribute("aria-sort")) h.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", sortAsc ? "ascending" : "descending");
      sortShown();
      showTable(0);
    });
  });

  [fPrincipal, fService, fCategory, fLevel, fCause, fGate].forEach(function (e) {
    e.addEventListener("input", applyFilters);
    e.addEventListener("change", applyFilters);
  });
  var form = document.getElementById("filters");
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.addEventListener("reset", function () { setTimeout(applyFilters, 0); });

  // a link to a principal or a change opens its details, wherever its page is
  function follow(hash) {
    var m = /^#p(\d+)$/.exec(hash);
    if (m) { openPrincipal(Number(m[1])); return; }
    var c = /^#change-(.+)$/.exec(hash);
    if (c) openChange(c[1]);
  }
  function openTarget() { follow(location.hash); }
  window.addEventListener("hashchange", openTarget);
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a.plink, a.clink");
    if (a) follow(a.getAttribute("href"));
  });
  // a printed report shows the current page's principals open
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details.principal"), function (d) { d.open = true; });
  });

  showChanges(0);
  showPeople(0);
  applyFilters();
  openTarget();
  window.__iamdiffReady = true;
})();
