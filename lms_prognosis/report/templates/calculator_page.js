{% raw %}
  // ---------------------------------------------------------------- the form
  var form = document.getElementById("patient-form");
  function el(id) { return document.getElementById(id); }
  function pct(x) { return isNaN(x) ? "" : (100 * x).toFixed(1) + "%"; }
  function fmtTime(t) {
    var y = t / 12, ys = Math.abs(y - Math.round(y)) < 1e-9 ? String(Math.round(y)) : y.toFixed(1);
    return t + " months (" + ys + (ys === "1" ? " year)" : " years)");
  }
  function readForm() {
    var patient = {}, missingLabels = [], problems = [], warns = [];
    M.fields.forEach(function (f) {
      var input = el("f-" + f.name), raw = input.value;
      input.removeAttribute("aria-invalid");
      if (raw === "") { missingLabels.push(f.label); return; }
      if (f.kind === "number") {
        var x = Number(raw);
        if (!isFinite(x) || (f.hard_min !== null && x < f.hard_min) || (f.hard_max !== null && x > f.hard_max)) {
          input.setAttribute("aria-invalid", "true");
          problems.push(f.label + ": " + raw + " is not a possible value" +
            (f.hard_max !== null ? " (" + f.hard_min + " to " + f.hard_max + (f.unit ? " " + f.unit : "") + ")" : ""));
          return;
        }
        if (f.min !== null && (x < f.min || x > f.max))
          warns.push(f.label + " " + x + (f.unit ? " " + f.unit : "") + " is outside the fitted data (" +
            f.min + " to " + f.max + "): the model extrapolates.");
        patient[f.name] = x;
      } else {
        patient[f.name] = raw;
      }
      if (f.population && f.population.outside.indexOf(raw) >= 0)
        warns.push(f.label + " " + input.options[input.selectedIndex].text + ": " + f.population.reason + ".");
    });
    return {patient: patient, missing: missingLabels, problems: problems, warnings: warns};
  }
  function showWarnings(list, cls) {
    var ul = el("warnings");
    list.forEach(function (w) { var li = document.createElement("li"); li.textContent = w; if (cls) li.className = cls; ul.appendChild(li); });
  }
  var COMPETING = M.type === "finegray" || M.type === "cause_specific";
  function ciText(row, value) {
    return isNaN(row.lower) ? (M.type === "published" ? "not available" : "")
      : (100 * row.lower).toFixed(1) + "\u2013" + pct(row.upper);
  }
  function fillSurvTable(res) {
    var body = el("surv-body"); body.innerHTML = "";
    res.forEach(function (row) {
      var tr = document.createElement("tr");
      var beyond = isNaN(row.surv);
      tr.innerHTML = '<th scope="row"></th><td class="num surv"></td><td class="num ci"></td>';
      tr.children[0].textContent = fmtTime(row.time);
      tr.children[1].textContent = beyond ? "beyond follow-up" : pct(row.surv);
      tr.children[2].textContent = beyond ? "" : ciText(row);
      tr.setAttribute("data-time", String(row.time));
      if (!beyond && !isNaN(row.lower)) { tr.children[2].setAttribute("data-lower", pct(row.lower)); tr.children[2].setAttribute("data-upper", pct(row.upper)); }
      body.appendChild(tr);
    });
  }
  function fillRiskTable(res) { // a heading row per horizon, then one row per cause
    var body = el("surv-body"); body.innerHTML = "";
    var rows = res.slice().sort(function (a, b) { return a.time - b.time || a.cause - b.cause; });
    rows.forEach(function (row, i) {
      if (i === 0 || rows[i - 1].time !== row.time) {
        var head = document.createElement("tr"); head.className = "horizon";
        head.innerHTML = '<th scope="colgroup" colspan="3"></th>';
        head.children[0].textContent = fmtTime(row.time);
        body.appendChild(head);
      }
      var tr = document.createElement("tr"), beyond = isNaN(row.risk);
      tr.innerHTML = '<th scope="row" class="cause"></th><td class="num risk"></td><td class="num ci"></td>';
      tr.children[0].textContent = M.cause_labels[String(row.cause)];
      tr.children[1].textContent = beyond ? "beyond follow-up" : pct(row.risk);
      tr.children[2].textContent = beyond ? "" : ciText(row);
      tr.setAttribute("data-time", String(row.time));
      tr.setAttribute("data-cause", String(row.cause));
      body.appendChild(tr);
    });
  }
  function update() {
    var r = readForm(), status = el("status");
    el("warnings").innerHTML = "";
    el("output").hidden = true;
    if (r.problems.length) { status.textContent = "Check the values marked below."; showWarnings(r.problems, "error"); return; }
    if (r.missing.length) { status.textContent = "Still needed: " + r.missing.join(", ") + "."; showWarnings(r.warnings); return; }
    var res;
    try { res = lmsPredict(r.patient, M.horizons); }
    catch (e) { status.textContent = "Cannot compute: " + e.message + "."; return; }
    status.textContent = "Prediction for the patient entered.";
    showWarnings(r.warnings);
    if (COMPETING) fillRiskTable(res); else fillSurvTable(res);
    el("table-wrap").hidden = res.length === 0;
    var g = lmsRiskGroup(r.patient);
    el("group-line").hidden = g === null;
    if (g !== null) { el("group").textContent = g; el("group-rule").textContent = M.groups_text ? "(" + M.groups_text + ")" : ""; }
    var sl = el("score-line");
    if (M.type === "published") {
      var lp = publishedLp(r.patient);
      sl.hidden = false;
      sl.textContent = M.model_kind === "points" ? "Score: " + lp + " point(s)."
        : "Relative risk vs the reference patient: " + Math.exp(lp).toFixed(2) + ".";
      if (!res.length) sl.textContent += " No baseline survival is published for this model, so only the score and risk group are shown.";
    }
    el("output").hidden = false;
    drawCurve(r.patient);
  }

  // ---------------------------------------------------------------- the curve (inline SVG)
  var SVGNS = "http://www.w3.org/2000/svg";
  function svgEl(name, attrs, text) {
    var e = document.createElementNS(SVGNS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function curveTimes(patient) {
    var end = M.curve_end, ts = [0], grid = null;
    if (M.type === "cox") grid = coxStratum(patient).time;
    else if (COMPETING) grid = M.time;
    else if (M.baseline.kind === "step") grid = M.baseline.time;
    else if (M.baseline.kind === "weibull") { for (var i = 1; i <= 240; i++) ts.push(end * i / 240); return ts; }
    else return [];
    grid = grid.filter(function (t) { return t <= end; });
    ts = ts.concat(grid);
    ts.push(end);
    return ts;
  }
  var COLOURS = ["#1f5f99", "#b2451f"], BANDS = ["#9cc3e6", "#f2b9a0"];
  function curveSeries(patient, ts) { // [{key, label, colour, band, pts: [{time, y, lower, upper}]}]
    var res = lmsPredict(patient, ts);
    if (!COMPETING) {
      var pts = res.filter(function (p) { return !isNaN(p.surv); }).map(function (p) {
        return {time: p.time, y: p.surv, lower: p.lower, upper: p.upper}; });
      return [{key: null, label: "predicted survival", colour: COLOURS[0], band: BANDS[0], pts: pts}];
    }
    return M.causes.map(function (k, i) {
      var pts = res.filter(function (p) { return p.cause === k && !isNaN(p.risk); }).map(function (p) {
        return {time: p.time, y: p.risk, lower: p.lower, upper: p.upper}; });
      return {key: k, label: M.cause_labels[String(k)], colour: COLOURS[i % 2], band: BANDS[i % 2], pts: pts};
    });
  }
  function stepPath(pts, key, X, Y, step) {
    var d = "";
    pts.forEach(function (p, i) {
      var y = Y(p[key]);
      if (i === 0) d += "M" + X(p.time) + "," + y;
      else { if (step) d += "H" + X(p.time); d += (step ? "V" : "L" + X(p.time) + ",") + y; }
    });
    return d;
  }
  function bandPath(pts, X, Y, step) {
    var dl = "";
    pts.slice().reverse().forEach(function (p, i) {
      var y = Y(p.lower);
      if (i === 0) dl += "L" + X(p.time) + "," + y;
      else dl += step ? "V" + y + "H" + X(p.time) : "L" + X(p.time) + "," + y;
    });
    return stepPath(pts, "upper", X, Y, step) + dl + "Z";
  }
  function axes(svg, W, H, L, R, T, B, X, Y, yMax, stepM, axisEnd) {
    var g = svgEl("g", {"font-size": "14"});
    for (var s = 0; s <= yMax + 1e-9; s += yMax > 0.5 ? 0.2 : 0.1) {
      g.appendChild(svgEl("line", {x1: L, x2: W - R, y1: Y(s), y2: Y(s), stroke: "#e3e6ea"}));
      g.appendChild(svgEl("text", {x: L - 8, y: Y(s) + 4, "text-anchor": "end"}, Math.round(100 * s) + "%"));
    }
    for (var t = 0; t <= axisEnd + 1e-9; t += stepM) {
      g.appendChild(svgEl("line", {x1: X(t), x2: X(t), y1: H - B, y2: H - B + 5, stroke: "#4a5360"}));
      g.appendChild(svgEl("text", {x: X(t), y: H - B + 20, "text-anchor": "middle"}, String(t)));
    }
    g.appendChild(svgEl("text", {x: L + (W - L - R) / 2, y: H - 6, "text-anchor": "middle"}, "Months after surgery"));
    g.appendChild(svgEl("line", {x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#4a5360"}));
    g.appendChild(svgEl("line", {x1: L, x2: L, y1: T, y2: H - B, stroke: "#4a5360"}));
    svg.appendChild(g);
  }
  function drawCurve(patient) {
    var box = el("curve"); box.innerHTML = "";
    var ts = curveTimes(patient);
    if (ts.length < 2) return;
    var series = curveSeries(patient, ts).filter(function (c) { return c.pts.length > 0; });
    if (!series.length) return;
    var step = M.type !== "published" || M.baseline.kind === "step";
    var W = Math.max(280, Math.min(box.clientWidth || 640, 704)), H = W < 480 ? 280 : 360;
    var L = 52, R = 16, T = 16, B = 48, end = M.curve_end, yMax = 1;
    var stepM = (end > 96 || W < 480) ? 24 : 12, axisEnd = Math.ceil(end / stepM - 1e-9) * stepM;
    var hasBand = series.every(function (c) { return c.pts.every(function (p) { return !isNaN(p.lower) && !isNaN(p.upper); }); });
    if (COMPETING) { // absolute risks are often small: the axis ends at the next 10% above the band
      var top = 0;
      series.forEach(function (c) { c.pts.forEach(function (p) { top = Math.max(top, hasBand ? p.upper : p.y); }); });
      yMax = Math.min(1, Math.max(0.1, Math.ceil(top * 10 - 1e-9) / 10));
    }
    var X = function (t) { return L + (W - L - R) * t / axisEnd; };
    var Y = function (s) { return T + (H - T - B) * (1 - s / yMax); };
    var what = COMPETING ? "Predicted absolute risk of each cause" : "Predicted survival curve";
    var lvl = Math.round(100 * (M.conf_level || 0.95)) + "%";
    var svg = svgEl("svg", {viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img", "aria-labelledby": "curve-title curve-desc"});
    svg.appendChild(svgEl("title", {id: "curve-title"}, what + (hasBand ? " with its " + lvl + " confidence band" : "")));
    var desc = series.map(function (c) {
      var last = c.pts[c.pts.length - 1];
      return (COMPETING ? c.label + ": from 0% at time 0 to " : "Survival from 100% at time 0 to ") + pct(last.y) + " at " + Math.round(last.time) + " months";
    }).join("; ");
    svg.appendChild(svgEl("desc", {id: "curve-desc"}, desc + "; the table gives the values at each horizon."));
    axes(svg, W, H, L, R, T, B, X, Y, yMax, stepM, axisEnd);
    series.forEach(function (c) {
      if (hasBand) svg.appendChild(svgEl("path", {d: bandPath(c.pts, X, Y, step), fill: c.band, "fill-opacity": COMPETING ? "0.5" : "0.6", stroke: "none"}));
    });
    series.forEach(function (c) {
      svg.appendChild(svgEl("path", {d: stepPath(c.pts, "y", X, Y, step), fill: "none", stroke: c.colour, "stroke-width": "2.5", "data-cause": c.key === null ? "" : String(c.key)}));
      M.horizons.forEach(function (h) {
        if (h > end) return;
        var p = curveSeries(patient, [h]).filter(function (d) { return d.key === c.key; })[0].pts[0];
        if (p) svg.appendChild(svgEl("circle", {cx: X(h), cy: Y(p.y), r: 4.5, fill: c.colour, stroke: "#fff", "stroke-width": "1.5"}));
      });
    });
    box.appendChild(svg);
    var cap = document.createElement("p"); cap.className = "hint";
    if (COMPETING) {
      var legend = document.createElement("ul"); legend.className = "legend";
      series.forEach(function (c) {
        var li = document.createElement("li"), sw = document.createElement("span");
        sw.className = "swatch"; sw.style.background = c.colour; sw.setAttribute("aria-hidden", "true");
        li.appendChild(sw); li.appendChild(document.createTextNode(c.label)); legend.appendChild(li);
      });
      box.insertBefore(legend, svg);
      cap.textContent = "Lines: absolute risk of each cause (colours as in the key above)" +
        (hasBand ? "; shaded bands: " + lvl + " confidence intervals" : "") + "; dots: the horizons in the table.";
    } else if (hasBand) {
      cap.textContent = "Line: predicted survival; shaded band: " + lvl + " confidence interval; dots: the horizons in the table.";
    } else return;
    box.appendChild(cap);
  }

  var lastWidth = 0;
  window.addEventListener("resize", function () {
    var w = el("curve").clientWidth;
    if (w !== lastWidth && !el("output").hidden) { lastWidth = w; update(); }
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("reset", function () { setTimeout(update, 0); });
  // a patient given in the address (?age=61&grade=3) fills the form
  var params = new URLSearchParams(window.location.search);
  M.fields.forEach(function (f) { if (params.has(f.name)) el("f-" + f.name).value = params.get(f.name); });
  update();
{% endraw %}
