{% raw %}
  // ---------------------------------------------------------------- the model's arithmetic
  function norm(v) { // as lms_prognosis.literature.design: stripped lower-case text, "1.0" -> "1"
    if (v === null || v === undefined || (typeof v === "number" && isNaN(v))) return null;
    var t = String(v).trim().toLowerCase();
    return t.slice(-2) === ".0" ? t.slice(0, -2) : t;
  }
  function num(v) {
    if (v === null || v === undefined || v === "" || typeof v === "boolean") return NaN;
    var x = Number(v);
    return isFinite(x) ? x : NaN;
  }
  function sameLevel(v, level) {
    if (v === null || v === undefined) return false;
    if (String(v) === level) return true;
    var a = Number(v), b = Number(level);
    return level !== "" && String(v) !== "" && !isNaN(a) && !isNaN(b) && a === b;
  }
  function asBool(v) {
    var t = norm(v);
    if (t === "true" || t === "1" || t === "yes") return 1;
    if (t === "false" || t === "0" || t === "no") return 0;
    return NaN;
  }
  function missing(name) {
    var e = new Error("missing or unusable value for " + name);
    e.field = name; return e;
  }
  function lastAtOrBefore(times, t) { // searchsorted(times, t, side="right") - 1
    var lo = 0, hi = times.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (times[mid] <= t) lo = mid + 1; else hi = mid; }
    return lo - 1;
  }
  function confInt(s, se, type, z) { // lms_prognosis._survfit.conf_int (R survfit_confint)
    if (type === "plain") { var h = se * s * z; return [Math.max(s - h, 0), Math.min(s + h, 1)]; }
    if (type === "log") {
      var xx = s === 0 ? NaN : s;
      return [Math.exp(Math.log(xx) - z * se), Math.min(Math.exp(Math.log(xx) + z * se), 1)];
    }
    if (type === "log-log") {
      var x2 = (s === 0 || s === 1) ? NaN : s;
      var se2 = z * se / Math.log(x2), ll = Math.log(-Math.log(x2));
      return [Math.exp(-Math.exp(ll - se2)), Math.exp(-Math.exp(ll + se2))];
    }
    var x3 = s === 0 ? NaN : s;
    var se3 = z * se * (1 + x3 / (1 - x3)), lg = Math.log(s / (1 - s));
    return [1 - 1 / (1 + Math.exp(lg - se3)), 1 - 1 / (1 + Math.exp(lg + se3))];
  }

  function rcsBasis(k, x) { // lms_prognosis.cox._splines.rcs_basis (Hmisc rcspline.eval, norm 2)
    var nk = k.length, t1 = k[0], tk = k[nk - 1], tk1 = k[nk - 2], kd = Math.pow(tk - t1, 2 / 3);
    var cube = function (u) { var m = Math.max(u / kd, 0); return m * m * m; };
    var pk = cube(x - tk), pk1 = cube(x - tk1), out = [x];
    for (var j = 0; j < nk - 2; j++)
      out.push(cube(x - k[j]) + ((tk1 - k[j]) * pk - (tk - k[j]) * pk1) / (tk - tk1));
    return out;
  }
  function bsplines(t, x) { // all cubic B-splines on knots t at lo <= x <= hi (Cox-de Boor)
    var nb = t.length - 4, k = 3, h = [1], j, i;
    while (k < nb - 1 && x >= t[k + 1]) k++;
    for (j = 1; j <= 3; j++) {
      var hh = h; h = [0];
      for (i = 0; i < j; i++) {
        var li = t[k + i + 1], lj = t[k + i + 1 - j], f = hh[i] / (li - lj);
        h[i] += f * (li - x); h.push(f * (x - lj));
      }
    }
    var out = []; for (i = 0; i < nb; i++) out.push(0);
    for (i = 0; i < 4; i++) out[k - 3 + i] = h[i];
    return out;
  }
  function nsBasis(b, x) { // lms_prognosis.cox._splines.ns_basis (R splines::ns)
    var lo = b.t[0], hi = b.t[b.t.length - 1], ncol = b.proj[0].length, out = [], c, r;
    if (x < lo || x > hi) {
      var v = x < lo ? b.value_lo : b.value_hi, sl = x < lo ? b.slope_lo : b.slope_hi;
      for (c = 0; c < ncol; c++) out.push(v[c] + (x - (x < lo ? lo : hi)) * sl[c]);
      return out;
    }
    var B = bsplines(b.t, x);
    for (c = 0; c < ncol; c++) {
      var a = 0; for (r = 1; r < B.length; r++) a += B[r] * b.proj[r - 1][c];
      out.push(a);
    }
    return out;
  }
  function coxDesign(patient) { // Design.transform: treatment contrasts, spline bases
    var x = [];
    M.terms.forEach(function (t) {
      var v = patient[t.covariate];
      if (t.kind === "numeric") {
        var n = num(v); if (isNaN(n)) throw missing(t.covariate); x.push(n);
      } else if (t.kind === "spline") {
        var s = num(v); if (isNaN(s)) throw missing(t.covariate);
        var basis = t.basis.type === "rcs" ? rcsBasis(t.basis.knots, s) : nsBasis(t.basis, s);
        t.columns.forEach(function (j) { x.push(basis[j]); });
      } else if (t.kind === "bool") {
        var b = typeof v === "boolean" ? (v ? 1 : 0) : asBool(v);
        if (isNaN(b)) throw missing(t.covariate); x.push(b);
      } else {
        var k = -1;
        for (var i = 0; i < t.levels.length; i++) if (sameLevel(v, t.levels[i])) { k = i; break; }
        if (k < 0) throw missing(t.covariate);
        for (var j = 1; j < t.levels.length; j++) x.push(k === j ? 1 : 0);
      }
    });
    return x;
  }
  function coxStratum(patient) {
    if (!M.strata_columns.length) return M.strata[0];
    for (var s = 0; s < M.strata.length; s++) {
      var key = M.strata[s].key, ok = true;
      for (var c = 0; c < M.strata_columns.length; c++)
        if (!sameLevel(patient[M.strata_columns[c]], key[c])) { ok = false; break; }
      if (ok) return M.strata[s];
    }
    throw missing(M.strata_columns.join(", "));
  }
  function coxLp(patient) {
    var x = coxDesign(patient), p = x.length, z = [], lp = 0;
    for (var i = 0; i < p; i++) { z.push(x[i] - M.center[i]); lp += z[i] * M.beta[i]; }
    return {z: z, lp: lp};
  }
  function coxPredict(patient, times) { // lms_prognosis.cox.baseline.predict_survival
    var d = coxLp(patient), z = d.z, p = z.length, st = coxStratum(patient), V = M.vcov;
    var zv = [], zvz = 0, i, j;
    for (j = 0; j < p; j++) { var a = 0; for (i = 0; i < p; i++) a += z[i] * V[i][j]; zv.push(a); }
    for (j = 0; j < p; j++) zvz += zv[j] * z[j];
    var rr = Math.exp(d.lp), bt = st.time, last = bt[bt.length - 1];
    return times.map(function (t) {
      var pos = lastAtOrBefore(bt, t), inside = t <= last;
      var h0 = pos >= 0 ? st.cumhaz[pos] : 0, v0 = pos >= 0 ? st.cumvar[pos] : 0;
      var xb = pos >= 0 ? st.xbar[pos] : null, zvxb = 0, xvx = 0;
      if (xb) {
        for (j = 0; j < p; j++) zvxb += zv[j] * xb[j];
        for (i = 0; i < p; i++) { var r = 0; for (j = 0; j < p; j++) r += V[i][j] * xb[j]; xvx += xb[i] * r; }
      }
      var quad = Math.max((h0 * h0) * zvz - 2 * h0 * zvxb + xvx, 0);
      var cumhaz = inside ? h0 * rr : NaN, v = inside ? (v0 + quad) * rr * rr : NaN;
      var s = Math.exp(-cumhaz), se = Math.sqrt(v), ci = confInt(s, se, M.conf_type, M.z);
      if (pos < 0) ci = [1, 1];
      return {time: t, surv: s, lower: ci[0], upper: ci[1], std_err: se * s, cumhaz: cumhaz};
    });
  }

  function termValue(rule, v) { // lms_prognosis.literature.model_design, one term
    if (rule.type === "ge" || rule.type === "gt") {
      var x = num(v); if (isNaN(x)) return NaN;
      return rule.type === "ge" ? (x >= rule.cut ? 1 : 0) : (x > rule.cut ? 1 : 0);
    }
    var t = norm(typeof v === "boolean" ? (v ? "true" : "false") : v);
    return (t !== null && Object.prototype.hasOwnProperty.call(rule.map, t)) ? rule.map[t] : NaN;
  }
  function publishedLp(patient) {
    var lp = 0;
    M.terms.forEach(function (t) {
      var x = termValue(t.rule, patient[t.rule.column]);
      if (isNaN(x)) throw missing(t.rule.column);
      lp += x * t.coef;
    });
    return lp;
  }
  function groupOf(lp) {
    var g = M.groups; if (!g) return null;
    var k = 0;
    g.cuts.forEach(function (c) { if (g.strict ? lp > c + g.tol : lp >= c) k += 1; });
    return g.labels[k];
  }
  function publishedPredict(patient, times) { // PublishedModel.predict_survival
    var lp = publishedLp(patient), B = M.baseline;
    var eff = M.model_kind === "points" ? lp * (M.slope ? M.slope : 1) : lp;
    var group = groupOf(lp);
    return times.map(function (t) {
      var s = NaN;
      if (B.kind === "weibull") s = Math.exp(-Math.pow(t / B.scale, B.shape) * Math.exp(eff));
      else if (B.kind === "step") {
        var pos = lastAtOrBefore(B.time, t);
        var h0 = t > B.time[B.time.length - 1] ? NaN : (pos >= 0 ? B.cumhaz[pos] : 0);
        s = Math.exp(-h0 * Math.exp(eff));
      } else if (B.kind === "groups") {
        B.surv.forEach(function (r) { if (r.group === group && r.time === t) s = r.surv; });
      }
      return {time: t, surv: s, lower: NaN, upper: NaN, std_err: NaN, cumhaz: -Math.log(s)};
    });
  }

  function quadForm(V, d) { var q = 0; for (var i = 0; i < d.length; i++) for (var j = 0; j < d.length; j++) q += d[i] * V[i][j] * d[j]; return q; }
  function fgPredict(patient, times) { // FineGrayResult.predict_cif
    var d = coxLp(patient), z = d.z, p = z.length, rr = Math.exp(d.lp), cause = M.causes[0];
    return times.map(function (t) {
      var pos = lastAtOrBefore(M.time, t), h0 = pos >= 0 ? M.cumhaz[pos] : 0;
      var v0 = pos >= 0 ? M.cumvar[pos] : 0, dv = [];
      for (var j = 0; j < p; j++) dv.push(h0 * z[j] - (pos >= 0 ? M.xbar[pos][j] : 0));
      var seH = rr * Math.sqrt(v0 + Math.max(quadForm(M.vcov, dv), 0)), s = Math.exp(-rr * h0);
      var ci = h0 === 0 ? [1, 1] : confInt(s, seH, M.conf_type, M.z);
      return {time: t, cause: cause, risk: 1 - s, lower: 1 - ci[1], upper: 1 - ci[0], std_err: s * seH};
    });
  }
  function cifInterval(f, se, type, z) { // lms_prognosis.cox.cause_specific._cif_interval
    if (!(f > 0 && f < 1) || se === 0) return se === 0 ? [f, f] : [NaN, NaN];
    if (type === "plain") return [Math.max(f - z * se, 0), Math.min(f + z * se, 1)];
    if (type === "log") return [f * Math.exp(-z * se / f), Math.min(f * Math.exp(z * se / f), 1)];
    if (type === "logit") {
      var lg = Math.log(f / (1 - f)), w = z * se / (f * (1 - f));
      return [1 / (1 + Math.exp(-(lg - w))), 1 / (1 + Math.exp(-(lg + w)))];
    }
    var a = Math.log(-Math.log(f)), w2 = z * se / (f * Math.log(f));
    return [Math.exp(-Math.exp(a - w2)), Math.exp(-Math.exp(a + w2))];
  }
  function csCurves(z) { // the Aalen-Johansen product limit of the cause-specific hazards
    var K = M.time.length, dlam = {}, cif = {}, sBefore = [], s = 1, j;
    M.hazards.forEach(function (h) {
      var r = Math.exp(dot(z, h.beta)); dlam[h.cause] = h.dh0.map(function (x) { return r * x; });
    });
    for (j = 0; j < K; j++) {
      sBefore.push(s); var tot = 0;
      M.hazards.forEach(function (h) { tot += dlam[h.cause][j]; });
      s *= 1 - tot;
    }
    M.hazards.forEach(function (h) {
      var c = 0; cif[h.cause] = dlam[h.cause].map(function (x, i) { c += sBefore[i] * x; return c; });
    });
    return {sBefore: sBefore, cif: cif};
  }
  function dot(a, b) { var s = 0; for (var i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }
  function csVariance(z, cv) { // lms_prognosis.cox._cs_aggregate.delta_variance (aggregates only)
    var K = M.time.length, q = z.length, out = {}, keep = [], b = [], r = {}, u, a, c;
    M.hazards.forEach(function (h) { r[h.cause] = Math.exp(dot(z, h.beta)); });
    for (u = 0; u < K; u++) {
      var tot = 0; M.hazards.forEach(function (h) { tot += r[h.cause] * h.dh0[u]; });
      keep.push(1 - tot); b.push(keep[u] !== 0 ? 1 / keep[u] : 0);
    }
    M.hazards.forEach(function (hk) {
      var k = hk.cause, f = cv.cif[k], v = [];
      for (u = 0; u < K; u++) v.push(0);
      M.hazards.forEach(function (h) {
        var rj = r[h.cause], sA2 = 0, sAB = 0, sB2 = 0, gA = [], gB = [], g = [];
        for (a = 0; a < q; a++) { gA.push(0); gB.push(0); g.push(0); }
        for (u = 0; u < K; u++) {
          var alpha = (h.cause === k ? cv.sBefore[u] : 0) + f[u] * b[u];
          var x = rj * rj * h.dh0_sq[u], F = f[u];
          sA2 += alpha * alpha * x; sAB += alpha * b[u] * x; sB2 += b[u] * b[u] * x;
          for (a = 0; a < q; a++) {
            var w = rj * (h.dh0[u] * z[a] - h.xdh0[u][a]);
            gA[a] += alpha * w; gB[a] += b[u] * w;
          }
          for (a = 0; a < q; a++) g[a] = gA[a] - F * gB[a];
          v[u] += (sA2 - 2 * F * sAB + F * F * sB2) + quadForm(h.vcov, g);
        }
      });
      out[k] = v;
    });
    return out;
  }
  function csPredict(patient, times) { // CauseSpecificResult.predict_cif(..., se_method="aggregate")
    var z = coxLp(patient).z, cv = csCurves(z), vr = csVariance(z, cv), last = M.last_time, out = [];
    M.causes.forEach(function (k) {
      times.forEach(function (t) {
        var pos = lastAtOrBefore(M.time, t);
        if (t > last) { out.push({time: t, cause: k, risk: NaN, lower: NaN, upper: NaN, std_err: NaN}); return; }
        if (pos < 0) { out.push({time: t, cause: k, risk: 0, lower: 0, upper: 0, std_err: 0}); return; }
        var f = cv.cif[k][pos], se = Math.sqrt(Math.max(vr[k][pos], 0));
        var ci = cifInterval(f, se, M.conf_type, M.z);
        out.push({time: t, cause: k, risk: f, lower: ci[0], upper: ci[1], std_err: se});
      });
    });
    return out;
  }
  var PREDICT = {cox: coxPredict, published: publishedPredict, finegray: fgPredict, cause_specific: csPredict};
  function lmsPredict(patient, times) {
    var ts = (Array.isArray(times) ? times : [times]).map(Number);
    ts.forEach(function (t) { if (!isFinite(t) || t < 0) throw new Error("times must be finite and >= 0"); });
    return PREDICT[M.type](patient, ts);
  }
  function fittedRiskLp(patient) { // lms_prognosis.report.assign_risk_groups: (x - means) . beta
    var x = coxDesign(patient), lp = 0, g = M.groups; // Cox: predict_risk's (R's centring);
    for (var i = 0; i < x.length; i++) lp += (x[i] - g.means[i]) * g.beta[i]; // Fine-Gray:
    return lp; // predict_cif's centring; cause-specific: the Cox model of the groups' cause
  }
  function lmsRiskGroup(patient) {
    if (!M.groups) return null;
    return groupOf(M.type === "published" ? publishedLp(patient) : fittedRiskLp(patient));
  }
  window.lmsPredict = lmsPredict;
  window.lmsRiskGroup = lmsRiskGroup;
  window.lmsModel = M;

{% endraw %}
