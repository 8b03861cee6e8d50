/* econindex explorer: search and display only. Every number below was computed in Python by
   econindex.indices and embedded as JSON; this script formats it. Text is set with textContent
   (never innerHTML), so no label from a data file can inject markup. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("explorer-data").textContent);
  var input = document.getElementById("search");
  var results = document.getElementById("results");
  var profile = document.getElementById("profile");
  var KIND_ORDER = { geo: 0, soc: 1, request: 2, task: 3 };
  var KIND_NAME = { geo: "place", soc: "SOC group", request: "request cluster", task: "task" };

  function detail(p) {
    if (p.kind === "geo") { return p.level_name; }
    if (p.kind === "soc") { return "SOC " + p.key; }
    if (p.kind === "task") { return "SOC " + p.soc; }
    return "level " + p.request_level;
  }
  var index = Object.keys(D.profiles).map(function (id) {
    var p = D.profiles[id];
    return { kind: p.kind, key: p.key, name: p.name, detail: detail(p), lname: p.name.toLowerCase(), lkey: p.key.toLowerCase() };
  });
  var children = {};
  Object.keys(D.profiles).forEach(function (id) {
    var p = D.profiles[id];
    if (p.kind === "request" && p.parent) { (children[p.parent] = children[p.parent] || []).push(p); }
  });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) { if (arguments[i]) { parent.appendChild(arguments[i]); } }
    return parent;
  }
  function link(kind, key, text) {
    var a = el("a", "ref", text);
    a.href = "#" + kind + "=" + encodeURIComponent(key);
    return a;
  }
  function num(v, d) { return v === null || v === undefined ? "n/a" : v.toFixed(d); }
  function pct(v) { return v === null || v === undefined ? "n/a" : (100 * v).toFixed(1) + "%"; }
  function times(v) { return v === null || v === undefined ? "n/a" : v.toFixed(2) + "\u00d7"; }
  function count(v) { return v === null || v === undefined ? "n/a" : Math.round(v).toLocaleString("en-US"); }
  function bar(frac, cls) {
    var b = el("span", "bar " + (cls || ""));
    var f = el("span", "fill");
    f.style.width = (100 * Math.max(0, Math.min(1, frac || 0))).toFixed(1) + "%";
    return add(b, f);
  }
  function source(sec) {
    var s = D.sources[sec.source];
    var text = "Source: " + s.title + (s.window ? " (" + s.window + ")" : "");
    return el("p", "source", sec.how ? text + "; " + sec.how : text);
  }
  function section(title, sec) {
    var box = el("section", "card");
    add(box, el("h3", null, title));
    box.dataset.source = sec ? String(sec.source) : "";
    return box;
  }

  // ------------------------------------------------------------------ search
  function score(e, q) {
    if (e.lkey === q || e.lname === q) { return 0; }
    if (e.lname.indexOf(q) === 0) { return 1; }
    if (e.lkey.indexOf(q) === 0) { return 2; }
    if ((" " + e.lname).indexOf(" " + q) >= 0) { return 3; }
    if (e.lname.indexOf(q) >= 0 || e.lkey.indexOf(q) >= 0) { return 4; }
    return -1;
  }
  function find(query, limit) {
    var q = query.trim().toLowerCase();
    if (!q) { return []; }
    var hits = [];
    index.forEach(function (e) {
      var s = score(e, q);
      if (s >= 0) { hits.push([s, KIND_ORDER[e.kind], e.name.length, e]); }
    });
    hits.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; });
    return hits.slice(0, limit).map(function (h) { return h[3]; });
  }
  function showResults() {
    results.textContent = "";
    var hits = find(input.value, 25);
    hits.forEach(function (e) {
      var li = el("li");
      var a = link(e.kind, e.key, e.name);
      add(li, a, el("span", "detail", KIND_NAME[e.kind] + " \u00b7 " + e.detail));
      results.appendChild(li);
    });
    if (input.value.trim() && !hits.length) { results.appendChild(el("li", "none", "No match")); }
  }
  input.addEventListener("input", showResults);
  input.addEventListener("keydown", function (ev) {
    var first = results.querySelector("a");
    if (ev.key === "Enter" && first) { location.hash = first.getAttribute("href"); }
    if (ev.key === "ArrowDown" && first) { ev.preventDefault(); first.focus(); }
  });
  results.addEventListener("keydown", function (ev) {  // arrow keys walk the result list
    var links = Array.prototype.slice.call(results.querySelectorAll("a"));
    var i = links.indexOf(document.activeElement);
    if (i < 0) { return; }
    if (ev.key === "ArrowDown" && i + 1 < links.length) { ev.preventDefault(); links[i + 1].focus(); }
    if (ev.key === "ArrowUp") { ev.preventDefault(); (i > 0 ? links[i - 1] : input).focus(); }
  });

  // ------------------------------------------------------------------ sections
  function usage(sec) {
    var box = section("Usage index", sec);
    var big = el("p", "big", num(sec.value, 2));
    var rank = sec.eligible
      ? "rank " + sec.rank + " of " + sec.of
      : "below the reporting threshold (" + count(sec.min_count) + " conversations)";
    add(box, big, el("p", null, rank + " \u00b7 tier: " + sec.tier +
      (sec.count !== null ? " \u00b7 " + count(sec.count) + " conversations" : "")));
    add(box, el("p", "note", "1 = usage in line with the working-age population; 2 = twice that."));
    return add(box, source(sec));
  }
  function automation(sec) {
    var box = section("Automation share", sec);
    add(box, el("p", "big", pct(sec.value)));
    var line = sec.of > 1 ? "rank " + sec.rank + " of " + sec.of + " (1 = most automated)" : "";
    if (sec.reference !== null) { line += " \u00b7 reference " + pct(sec.reference) + ": " + sec.reference_label; }
    add(box, el("p", null, line), el("p", "note", "Directive + feedback loop, share of " + sec.base + " conversations."));
    return add(box, source(sec));
  }
  function mix(sec) {
    var box = section("Collaboration mix", sec);
    var t = el("table", "mix");
    var head = add(el("tr"), el("th", null, "pattern"), el("th", null, "here"), el("th", null, "reference"),
      el("th", null, ""), el("th", "num", "conversations"));
    add(t, head);
    sec.rows.forEach(function (r) {
      var bars = add(el("td", "bars"), bar(r.share, "here"), bar(r.reference, "ref"));
      add(t, add(el("tr", r.mode), el("td", null, r.pattern + " (" + r.mode + ")"), el("td", "num", pct(r.share)),
        el("td", "num", pct(r.reference)), bars, el("td", "num", count(r.count))));
    });
    add(box, t, el("p", "note", sec.reference_label ? "Reference: " + sec.reference_label + "." : "No reference mix in these data."));
    return add(box, source(sec));
  }
  function specTable(sec, rows, firstHeader) {
    var t = el("table", "spec");
    add(t, add(el("tr"), el("th", null, firstHeader), el("th", "num", "specialization"), el("th", "num", "share"),
      el("th", "num", "reference"), el("th", "num", "conversations"), el("th", null, "")));
    rows = rows.map(function (a) {  // [kind, key, count, share, reference_share, specialization]
      var p = D.profiles[a[0] + ":" + a[1]];
      return { kind: a[0], key: a[1], name: p ? p.name : a[1], count: a[2], share: a[3], reference_share: a[4], specialization: a[5] };
    });
    var maxLq = Math.max.apply(null, rows.map(function (r) { return r.specialization || 0; }).concat([1]));
    rows.forEach(function (r) {
      var tr = el("tr");
      var cbar = bar(sec.max_count ? Math.sqrt((r.count || 0) / sec.max_count) : 0, "count");
      cbar.title = count(r.count) + " conversations (bar: square root of the largest cell, " + count(sec.max_count) + ")";
      add(tr, add(el("td"), link(r.kind, r.key, r.name)),
        add(el("td", "num"), bar(r.specialization / maxLq, "lq"), document.createTextNode(" " + times(r.specialization))),
        el("td", "num", pct(r.share)), el("td", "num", pct(r.reference_share)),
        el("td", "num", count(r.count)), add(el("td"), cbar));
      t.appendChild(tr);
    });
    return t;
  }
  function spec(sec) {
    sec = Object.assign({}, D.tables[sec.table], sec);
    var box = section("Top specializations: " + sec.label, sec);
    add(box, specTable(sec, sec.rows, sec.over === "soc_major" ? "SOC group" : sec.over));
    add(box, el("p", "note", "Specialization = share here / reference share (" + sec.reference + "); " +
      sec.cells + " published cells, " + count(sec.total) + " conversations. The last bar is the cell's size."));
    if (sec.caveat) { add(box, el("p", "note", sec.caveat)); }
    return add(box, source(sec));
  }
  function places(sec) {
    sec = Object.assign({}, D.tables[sec.table], sec);
    var box = section("Where it is most over-represented: " + sec.places, sec);
    add(box, el("p", null, count(sec.pooled_count) + " conversations in " + sec.cells +
      " published cells; reference share " + pct(sec.reference_share) + "."));
    add(box, specTable(sec, sec.rows, "place"));
    add(box, el("p", "note", "Reference: " + sec.reference + "."));
    if (sec.caveat) { add(box, el("p", "note", sec.caveat)); }
    return add(box, source(sec));
  }
  function tasks(sec) {
    var box = section("Tasks in this group (" + sec.n_tasks + " with published cells)", sec);
    var ul = el("ul", "tasks");
    sec.rows.forEach(function (r) {  // [task key, conversations]
      add(ul, add(el("li"), link("task", r[0], r[0]), el("span", "detail", " " + count(r[1]) + " conversations")));
    });
    return add(box, ul, source(sec));
  }
  function sparkline(rows) {
    var NS = "http://www.w3.org/2000/svg";
    var vals = rows.map(function (r) { return r.value; }).filter(function (v) { return v !== null; });
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 200 50");
    svg.setAttribute("class", "spark");
    if (vals.length < 2) { return svg; }
    var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals), span = hi - lo || 1;
    var pts = [];
    rows.forEach(function (r, i) {
      if (r.value === null) { return; }
      var x = 10 + 180 * i / (rows.length - 1), y = 45 - 40 * (r.value - lo) / span;
      pts.push(x.toFixed(1) + "," + y.toFixed(1));
      var c = document.createElementNS(NS, "circle");
      c.setAttribute("cx", x.toFixed(1)); c.setAttribute("cy", y.toFixed(1)); c.setAttribute("r", "3");
      if (r.flagged) { c.setAttribute("class", "flagged"); }
      svg.appendChild(c);
    });
    var line = document.createElementNS(NS, "polyline");
    line.setAttribute("points", pts.join(" "));
    svg.insertBefore(line, svg.firstChild);
    return svg;
  }
  function trend(sec) {
    var hasIndex = sec.rows.some(function (r) { return r.value !== undefined; });
    var hasAuto = sec.rows.some(function (r) { return r.automation !== undefined && r.automation !== null; });
    var box = section(hasIndex ? "Usage index across periods" : "Across periods", sec);
    if (hasIndex) { add(box, sparkline(sec.rows)); }
    var t = el("table", "trend");
    var head = add(el("tr"), el("th", null, "period start"));
    if (hasIndex) { add(head, el("th", "num", "index"), el("th", "num", "rank"), el("th", null, "tier")); }
    if (hasAuto) { add(head, el("th", "num", "automation share")); }
    add(t, head);
    sec.rows.forEach(function (r) {
      var tr = add(el("tr", r.flagged ? "flagged" : null), el("td", null, r.period + (r.flagged ? " (abuse-flagged)" : "")));
      if (hasIndex) {
        add(tr, el("td", "num", num(r.value, 2)), el("td", "num", r.rank === null ? "n/a" : r.rank + " of " + r.of),
          el("td", null, r.tier));
      }
      if (hasAuto) { add(tr, el("td", "num", pct(r.automation))); }
      t.appendChild(tr);
    });
    return add(box, t, source(sec));
  }

  function specOrder(name) {
    if (name === "spec:soc_major") { return "0"; }
    if (name.indexOf("spec:request:") === 0) { return "1" + (9 - Number(name.split(":")[2])); }
    return "2" + name;
  }
  function render(p) {
    profile.textContent = "";
    var head = el("div", "head");
    add(head, el("h2", null, p.name), el("p", "detail", KIND_NAME[p.kind] + " \u00b7 " + p.key +
      (p.level_name ? " \u00b7 " + p.level_name : "")));
    if (p.kind === "task" && p.soc) { add(head, add(el("p"), document.createTextNode("SOC group: "), link("soc", p.soc, p.soc_name + " (" + p.soc + ")"))); }
    if (p.kind === "request") {
      add(head, el("p", null, "Request level " + p.request_level + " (0 = finest)"));
      if (p.parent) { add(head, add(el("p"), document.createTextNode("Parent: "), link("request", p.parent, p.parent))); }
      var kids = children[p.key] || [];
      if (kids.length) {
        var ul = el("ul", "kids");
        kids.forEach(function (k) { add(ul, add(el("li"), link("request", k.key, k.name))); });
        add(head, el("p", null, "Clusters under it:"), ul);
      }
    }
    (p.flags || []).forEach(function (f) { add(head, el("p", "flag", f)); });
    profile.appendChild(head);
    var s = p.sections;
    if (s.usage) { profile.appendChild(usage(s.usage)); }
    if (s.automation) { profile.appendChild(automation(s.automation)); }
    if (s.mix) { profile.appendChild(mix(s.mix)); }
    Object.keys(s).filter(function (k) { return k.indexOf("spec:") === 0; })
      .sort(function (a, b) { return specOrder(a) < specOrder(b) ? -1 : 1; })
      .forEach(function (k) { profile.appendChild(spec(s[k])); });
    ["places:state_us", "places:country"].forEach(function (k) { if (s[k]) { profile.appendChild(places(s[k])); } });
    if (s.tasks) { profile.appendChild(tasks(s.tasks)); }
    if (s.trend) { profile.appendChild(trend(s.trend)); }
    if (!Object.keys(s).length) { profile.appendChild(el("p", "note", "The data hold no figures for this entry.")); }
    document.title = p.name + " \u00b7 econindex explorer";
  }
  function route() {
    var m = /^#(geo|soc|task|request)=(.*)$/.exec(location.hash);
    if (!m) {
      profile.textContent = "";
      add(profile, el("p", "note", "Search above, or open a link such as #geo=HI or #soc=15."));
      return;
    }
    var key;
    try { key = decodeURIComponent(m[2]); } catch (err) { key = m[2]; }
    var p = D.profiles[m[1] + ":" + key];
    if (!p && m[1] === "geo") { p = D.profiles["geo:" + key.toUpperCase()]; }
    if (!p) {
      profile.textContent = "";
      add(profile, el("p", "note", "No " + KIND_NAME[m[1]] + " named \u201c" + key + "\u201d in these data."));
      return;
    }
    render(p);
    window.scrollTo(0, 0);
  }

  var foot = document.getElementById("sources");
  add(foot, el("h3", null, "Data"));
  var ul = el("ul");
  D.sources.forEach(function (s) {
    var li = el("li", null, s.title + (s.window ? " (" + s.window + ")" : "") + (s.files ? "; files: " + s.files : ""));
    s.notes.forEach(function (n) { add(li, el("div", "note", n)); });
    ul.appendChild(li);
  });
  add(foot, ul);
  window.addEventListener("hashchange", route);
  route();
}());
