/* 网页填报 (SPEC §11): the form, its checks and the report file it makes.

   Everything it knows comes from #sb-form-data, exported by the build from the checker's own
   schema and rule catalogue (generator/site/fill.py): types, keys, labels, choices, required
   sections, vague words, grade thresholds, check-digit tables, the units' rosters and every
   rule's message templates. The checks below mirror generator/schema.py and generator/rules/
   and word their messages from those templates, so that a message here reads exactly as
   `shangbao check` says it about the generated file. CI's `shangbao check` stays the authority.
   Nothing is loaded from outside. */
(function () {
  "use strict";

  var dataEl = document.getElementById("sb-form-data");
  var form = document.getElementById("sb-form");
  if (!dataEl || !form) { return; }
  var D = JSON.parse(dataEl.getAttribute("data-json"));
  var RULES = D.rules;
  var TYPES = {};
  D.types.forEach(function (t) { TYPES[t.code] = t; });
  var COMMON = {};
  D.common.forEach(function (k) { COMMON[k.name] = k; });
  var UNITS = {};
  D.units.forEach(function (u) { UNITS[u.id] = u; });
  var STORE = "sb-fill-draft:" + location.pathname;
  var ROSTER_KEYS = { author: "author", reviewed_by: "leaders", approved_by: "leaders" };
  var HIDDEN_KEYS = { type: 1, draft: 1, classification: 1, anonymous: 1, tags: 1 };
  var EXTRA_KEYS = ["classification", "anonymous", "tags"];
  var HINTS = { /* what a choice means for the person filing (SPEC §4) */
    anonymous: "网站上不显示执笔人；但代码托管平台的提交记录仍会记下是谁提交的。",
    classification: "公开：公开版网站可见；内部：内部版可见（默认）；限定：仅领导可见。含身份证号、手机号的报告须选“限定”。",
    follows: "续报、终报填所跟进的初报编号，如 anjianke/2026/2026-11-03-收费站火情（在网站报告页“编号”处复制）。"
  };

  /* --- Python's wording ------------------------------------------------------------- */

  function pyG(x) { /* format(x, "g") */
    if (x === 0) { return "0"; }
    var e = Number(x).toExponential(5).split("e");
    var exp = parseInt(e[1], 10);
    if (exp < -4 || exp >= 6) {
      var mant = e[0].indexOf(".") >= 0 ? e[0].replace(/\.?0+$/, "") : e[0];
      return mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }
    var s = Number(x).toFixed(Math.max(0, 5 - exp));
    return s.indexOf(".") >= 0 ? s.replace(/\.?0+$/, "") : s;
  }

  function pyStr(v) { /* str(value) of a value as the checker loaded it */
    if (v && typeof v === "object" && v.t === "map") {
      return "{" + v.v.map(function (kv) { return pyRepr(kv[0]) + ": " + pyRepr(kv[1]); }).join(", ") + "}";
    }
    if (v && typeof v === "object") { return v.py !== undefined ? v.py : String(v.v); }
    return String(v);
  }

  function pyRepr(v) { /* repr() of a str or number */
    if (typeof v === "string" || v.t === "str") {
      var s = typeof v === "string" ? v : v.v;
      var q = s.indexOf("'") >= 0 && s.indexOf('"') < 0 ? '"' : "'";
      return q + s.replace(/\\/g, "\\\\").replace(new RegExp(q, "g"), "\\" + q) + q;
    }
    return pyStr(v);
  }

  function pyFormat(template, fields) {
    return template.replace(/\{\{|\}\}|\{(\w+)(?::([^}]*))?\}/g, function (m, name, spec) {
      if (m === "{{") { return "{"; }
      if (m === "}}") { return "}"; }
      var v = fields[name];
      if (v === undefined) { throw new Error("message field " + name); }
      return spec === "g" ? pyG(typeof v === "object" ? v.v : v) : pyStr(v);
    });
  }

  function message(code, fields) { return pyFormat(RULES[code].message, fields); }
  function detail(code, name, fields) { return pyFormat(RULES[code].details[name], fields || {}); }

  function shown(value) { /* schema._shown */
    var chars = Array.from(pyStr(value));
    return chars.length <= 40 ? chars.join("") : chars.slice(0, 40).join("") + "…";
  }

  function pyRegex(pattern, flags) { return new RegExp(pattern, flags || ""); }

  /* --- time in the organisation's timezone ------------------------------------------- */

  var ZONE = new Intl.DateTimeFormat("en-CA", {
    timeZone: D.timezone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
  });

  function localOf(date) { /* "YYYY-MM-DD HH:MM:SS" in the organisation's timezone */
    var p = {};
    ZONE.formatToParts(date).forEach(function (x) { p[x.type] = x.value; });
    return p.year + "-" + p.month + "-" + p.day + " " + (p.hour === "24" ? "00" : p.hour) + ":" + p.minute + ":" + p.second;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function daysIn(y, m) { return new Date(Date.UTC(y, m, 0)).getUTCDate(); }
  function validDate(y, m, d) { return m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m) && y >= 1; }

  var LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;
  var OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;
  var DATE = /^\d{4}-\d{2}-\d{2}$/;

  function parseTime(text) { /* timeparse.parse_time → {local: "YYYY-MM-DD HH:MM:SS"} or null */
    text = text.trim();
    var m = LOCAL.exec(text);
    if (m) {
      var n = m.slice(1).map(function (g) { return g ? parseInt(g, 10) : 0; });
      if (!validDate(n[0], n[1], n[2]) || n[3] > 23 || n[4] > 59 || n[5] > 59) { return null; }
      return { local: m[1] + "-" + m[2] + "-" + m[3] + " " + m[4] + ":" + m[5] + ":" + pad(n[5]) };
    }
    if (OFFSET.test(text)) {
      var y = +text.slice(0, 4), mo = +text.slice(5, 7), d = +text.slice(8, 10);
      var h = +text.slice(11, 13), mi = +text.slice(14, 16);
      if (!validDate(y, mo, d) || h > 23 || mi > 59) { return null; }
      var iso = text.replace(" ", "T").replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
      var ms = Date.parse(iso);
      return isNaN(ms) ? null : { local: localOf(new Date(ms)) };
    }
    return null;
  }

  function parseDate(text) {
    text = text.trim();
    if (!DATE.test(text)) { return null; }
    return validDate(+text.slice(0, 4), +text.slice(5, 7), +text.slice(8, 10)) ? { date: text } : null;
  }

  function isoWeek(y, m, d) {
    var day = new Date(Date.UTC(y, m - 1, d));
    var dow = day.getUTCDay() || 7;
    day.setUTCDate(day.getUTCDate() + 4 - dow);
    var first = Date.UTC(day.getUTCFullYear(), 0, 1);
    return [day.getUTCFullYear(), Math.ceil(((day - first) / 86400000 + 1) / 7)];
  }

  function parsePeriod(text, kind) { /* periods.parse: the period's id or null */
    text = text.trim();
    var kinds = kind ? [kind] : Object.keys(D.period.forms);
    for (var i = 0; i < kinds.length; i++) {
      var m = pyRegex(D.period.forms[kinds[i]]).exec(text);
      if (!m) { continue; }
      var year = parseInt(m[1], 10);
      if (year < D.period.years[0] || year > D.period.years[1]) { return null; }
      var n = m[2] ? parseInt(m[2], 10) : 0;
      if (kinds[i] === "weekly" && (n < 1 || n > isoWeek(year, 12, 28)[1])) { return null; }
      if (kinds[i] === "monthly" && (n < 1 || n > 12)) { return null; }
      return text;
    }
    return null;
  }

  function periodStart(kind, id) { /* periods.Period: its first day and its Chinese name */
    var m = pyRegex(D.period.forms[kind]).exec(id);
    var year = parseInt(m[1], 10), n = m[2] ? parseInt(m[2], 10) : 0, start;
    if (kind === "weekly") {
      var jan4 = new Date(Date.UTC(year, 0, 4));
      var monday = new Date(Date.UTC(year, 0, 4 - ((jan4.getUTCDay() || 7) - 1) + (n - 1) * 7));
      start = monday.getUTCFullYear() + "-" + pad(monday.getUTCMonth() + 1) + "-" + pad(monday.getUTCDate());
    } else if (kind === "monthly") {
      start = year + "-" + pad(n) + "-01";
    } else if (kind === "quarterly") {
      start = year + "-" + pad(3 * n - 2) + "-01";
    } else {
      start = year + "-01-01";
    }
    var label = pyFormat(D.period.labels[kind], { year: String(year), n: kind === "quarterly" ? D.period.quarter_names[n - 1] : n });
    return { start: start, label: label };
  }

  function previousPeriod(kind, today) { /* period_containing(kind, today).previous() */
    var y = +today.slice(0, 4), m = +today.slice(5, 7), d = +today.slice(8, 10);
    if (kind === "weekly") {
      var back = new Date(Date.UTC(y, m - 1, d - 7));
      var w = isoWeek(back.getUTCFullYear(), back.getUTCMonth() + 1, back.getUTCDate());
      return w[0] + "-W" + pad(w[1]);
    }
    if (kind === "monthly") { return m === 1 ? (y - 1) + "-12" : y + "-" + pad(m - 1); }
    if (kind === "quarterly") {
      var q = Math.floor((m - 1) / 3) + 1;
      return q === 1 ? (y - 1) + "-Q4" : y + "-Q" + (q - 1);
    }
    return String(y - 1);
  }

  /* --- YAML as the checker reads it ------------------------------------------------- */

  var YAML_UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;
  var PLAIN = /^[^\x00-\x7f\s][^:#[\]{}&*!|>'"%@`,\x00-\x1f\u007f-\u009f\u2028\u2029\ufeff]*$/;

  var WORD = /^[A-Za-z][A-Za-z0-9_-]*$/;
  var SPECIAL = /^(?:true|false|null|yes|no|on|off|y|n)$/i;

  function yamlString(s) {
    if ((PLAIN.test(s) && !/\s$/.test(s)) || (WORD.test(s) && !SPECIAL.test(s))) { return s; }
    return JSON.stringify(s).replace(YAML_UNSAFE, function (c) {
      return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
    });
  }

  /* One value as written: {yaml: text after "key: ", value: what the checker loads} */
  function written(spec, raw) {
    var text = String(raw).trim();
    var form = spec.form;
    if (form === "bool") { return { yaml: "true", value: { t: "bool", v: true } }; }
    if (form === "list") {
      var items = text.split(/[,，、;；\s]+/).filter(Boolean);
      return { yaml: "[" + items.map(yamlString).join(", ") + "]", value: { t: "list", v: items } };
    }
    if (form === "mapping") { /* one "名称: 数字" a line → {名称: 数字, …} */
      var pairs = {};
      text.split("\n").forEach(function (line) {
        var m = /^(.+?)\s*[:：]\s*(.*)$/.exec(line.trim()) || [null, line.trim(), ""];
        if (m[1]) { pairs[m[1]] = written({ form: "number" }, m[2]); }
      });
      var names = Object.keys(pairs);
      return { yaml: "{" + names.map(function (n) { return yamlString(n) + ": " + (pairs[n].yaml || '""'); }).join(", ") + "}",
               value: { t: "map", v: names.map(function (n) { return [n, pairs[n].value]; }) } };
    }
    if ((form === "int" || form === "number") && /^[+-]?\d+$/.test(text)) {
      var big = BigInt(text).toString();
      return { yaml: big, value: { t: "int", v: Number(big), py: big } };
    }
    if ((form === "int" || form === "number") && /^[+-]?(\d+\.\d*|\.\d+)$/.test(text)) {
      var num = String(Number(text));
      var isInt = /^-?\d+$/.test(num);
      return { yaml: num, value: { t: isInt ? "int" : "float", v: Number(text), py: isInt ? num : (num.indexOf(".") < 0 ? num + ".0" : num) } };
    }
    if (form === "time" && LOCAL.test(text)) { return { yaml: text, value: { t: "str", v: text } }; }
    if (form === "date" && DATE.test(text)) { return { yaml: text, value: { t: "str", v: text } }; }
    if (form === "period") { return { yaml: JSON.stringify(text), value: { t: "str", v: text } }; }
    return { yaml: yamlString(text), value: { t: "str", v: text } };
  }

  /* --- state: what the person typed, per type, kept as a draft in this browser ------- */

  var nowLocal = localOf(new Date());
  var restored = load();
  var state = restored || fresh();
  /* A field's messages show once the reader has filled it in, not on a form that was just
     opened: an empty form is not a list of mistakes. A draft brought back from the browser, and a
     click on 提交 with errors left, show every message. The messages of untouched fields are still
     written (hidden), so the count below and the checker agree. */
  var touched = {};
  var revealAll = !!restored;

  function fresh() {
    var unit = D.units.length === 1 ? D.units[0].id : "";
    return { type: D.types[0].code, common: { unit: unit, reported_at: nowLocal.slice(0, 16), classification: "internal" },
             own: {}, sections: {}, body: {} };
  }

  function load() {
    try {
      var raw = localStorage.getItem(STORE);
      var s = raw ? JSON.parse(raw) : null;
      return s && s.common && s.type ? s : null;
    } catch (e) { return null; }
  }

  function save() {
    try { localStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* private mode: no draft */ }
    var saved = document.getElementById("sb-form-saved");
    if (saved) { saved.textContent = "草稿已保存在本浏览器（" + localOf(new Date()).slice(11, 16) + "）"; }
  }

  function ownOf(type) {
    if (!state.own[type]) {
      var own = {};
      var today = nowLocal.slice(0, 10);
      TYPES[type].keys.forEach(function (k) {
        if (k.form === "date" && D.done_keys.indexOf(k.name) >= 0) { own[k.name] = today; }
        if (k.name === "period") { own.period = previousPeriod(type, today); }
        if (k.name === "stage") { own.stage = k.choices[0].value; }
        if (k.form === "int" && !k.required) { own[k.name] = "0"; }
        if (k.form === "number" && !k.required && k.name === "loss") { own[k.name] = "0"; }
      });
      state.own[type] = own;
    }
    return state.own[type];
  }

  function sectionsOf(type) { return state.sections[type] || (state.sections[type] = {}); }

  function valueOf(name) {
    if (name in COMMON && !(name in keyMap(state.type))) { return state.common[name] || ""; }
    return ownOf(state.type)[name] || "";
  }

  function keyMap(type) {
    var m = {};
    TYPES[type].keys.forEach(function (k) { m[k.name] = k; });
    return m;
  }

  /* --- the form ------------------------------------------------------------------- */

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function options(select, list, value, empty) {
    if (empty !== null) { select.appendChild(el("option", { value: "" }, empty)); }
    var found = false;
    list.forEach(function (o) {
      if (o.group) {
        var g = el("optgroup", { label: o.group });
        o.items.forEach(function (x) {
          g.appendChild(el("option", { value: x.value }, x.label));
          found = found || x.value === value;
        });
        if (o.items.length) { select.appendChild(g); }
      } else {
        select.appendChild(el("option", { value: o.value }, o.label));
        found = found || o.value === value;
      }
    });
    if (value && !found) { /* a draft from before the roster or the rules changed: kept, and flagged */
      select.appendChild(el("option", { value: value }, value + "（不在可选范围内）"));
    }
    select.value = value || "";
  }

  function rosterOptions(name) {
    var unit = UNITS[state.common.unit];
    if (!unit) { return []; }
    var pick = function (names) { return names.map(function (n) { return { value: n, label: n }; }); };
    if (ROSTER_KEYS[name] === "author") {
      return [{ group: "信息报送员", items: pick(unit.reporters) }, { group: "领导", items: pick(unit.leaders) }];
    }
    return pick(unit.leaders);
  }

  function field(spec, where) {
    var name = spec.name;
    var box = el("div", { "class": "sb-field sb-field--" + spec.form, "data-key": name });
    var id = "sb-f-" + name;
    var label = el("label", { "for": id }, spec.label);
    if (spec.required) { label.appendChild(el("span", { "class": "sb-req", title: "必填" }, " *")); }
    box.appendChild(label);
    var value = valueOf(name);
    var input;
    if (name === "type") {
      input = el("select", { name: "type", id: id });
      options(input, D.types.map(function (t) { return { value: t.code, label: t.label }; }), state.type, null);
    } else if (name === "unit") {
      input = el("select", { name: "unit", id: id });
      /* 批示、采用 are filed by the units in feedback_units only (R506) */
      var units = state.type === "feedback" && D.feedback_units.length
        ? D.units.filter(function (u) { return D.feedback_units.indexOf(u.id) >= 0; }) : D.units;
      options(input, units.map(function (u) { return { value: u.id, label: u.name }; }), value, "（请选择本单位）");
    } else if (ROSTER_KEYS[name]) {
      input = el("select", { name: name, id: id });
      options(input, rosterOptions(name), value, state.common.unit ? "（请选择）" : "（请先选择单位）");
    } else if (spec.form === "enum") {
      input = el("select", { name: name, id: id });
      var empty = name === "classification" || name === "stage" ? null : (spec.required ? "（请选择）" : "（不适用）");
      options(input, spec.choices, value, empty);
    } else if (spec.form === "mapping") {
      input = el("textarea", { name: name, id: id, rows: "3",
                               placeholder: "可不填。每行一项“名称: 数字”，名称与往期一致，如\n检查企业数: 12\n发现隐患: 30" });
      input.value = value;
      box.classList.add("sb-field--wide");
    } else if (spec.form === "bool") {
      input = el("input", { type: "checkbox", name: name, id: id });
      input.checked = !!value;
      box.classList.add("sb-field--check");
    } else {
      input = el("input", { type: "text", name: name, id: id });
      input.value = value;
      if (spec.form === "time") { input.setAttribute("placeholder", "YYYY-MM-DD HH:MM"); }
      if (spec.form === "date") { input.setAttribute("placeholder", "YYYY-MM-DD"); }
      if (spec.form === "int" || spec.form === "number") { input.setAttribute("inputmode", "decimal"); }
      if (spec.form === "list") { input.setAttribute("placeholder", "多个标签用逗号分开，如 防汛，森林防火"); }
      if (spec.form === "period") {
        input.setAttribute("placeholder", TYPES[state.type].period_example || D.period.any_example);
      }
    }
    var row = el("div", { "class": "sb-field__row" });
    row.appendChild(input);
    if (spec.form === "time" || spec.form === "date") {
      var picker = el("input", { type: spec.form === "time" ? "datetime-local" : "date", "class": "sb-picker",
                                 "aria-label": "选择" + spec.label, tabindex: "-1" });
      var t = spec.form === "time" ? parseTime(value) : parseDate(value);
      if (t) { picker.value = spec.form === "time" ? t.local.slice(0, 16).replace(" ", "T") : t.date; }
      picker.addEventListener("input", function () {
        if (!picker.value) { return; }
        input.value = spec.form === "time" ? picker.value.slice(0, 16).replace("T", " ") : picker.value;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
      row.appendChild(picker);
    }
    if (name === "reported_at") { /* a draft from yesterday: the time it is actually sent */
      var now = el("button", { type: "button", "class": "sb-button sb-now", title: "填入现在的时间" }, "现在");
      now.addEventListener("click", function () {
        input.value = localOf(new Date()).slice(0, 16);
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
      row.appendChild(now);
    }
    box.appendChild(row);
    if (HINTS[name]) { box.appendChild(el("p", { "class": "sb-field__hint" }, HINTS[name])); }
    box.appendChild(el("div", { "class": "sb-msgs" }));
    where.appendChild(box);
  }

  function requiredSections() {
    var t = TYPES[state.type];
    var by = t.sections.by;
    var case_ = t.sections.cases[by ? (ownOf(state.type)[by] || "") : ""] || t.sections.cases[""];
    return case_;
  }

  function textarea(name, label, value, hint) {
    var box = el("div", { "class": "sb-field sb-field--text-area", "data-key": name });
    var id = "sb-f-" + name.replace(/[^\w-]/g, "_") + "-" + Math.random().toString(36).slice(2, 7);
    box.appendChild(el("label", { "for": id }, label));
    var area = el("textarea", { name: name, id: id, rows: "5" });
    if (hint) { area.setAttribute("placeholder", hint); }
    area.value = value || "";
    box.appendChild(area);
    box.appendChild(el("div", { "class": "sb-msgs" }));
    return box;
  }

  function render() {
    var common = document.getElementById("sb-form-common");
    var own = document.getElementById("sb-form-own");
    var extra = document.getElementById("sb-form-extra");
    var sections = document.getElementById("sb-form-sections");
    [common, own, extra, sections].forEach(function (n) { n.textContent = ""; });
    field(COMMON.type, common);
    D.common.forEach(function (k) { if (!HIDDEN_KEYS[k.name]) { field(k, common); } });
    var type = TYPES[state.type];
    document.getElementById("sb-form-own-legend").textContent = type.label + "的事项";
    type.keys.forEach(function (k) { if (!HIDDEN_KEYS[k.name]) { field(k, own); } });
    own.parentNode.hidden = !own.children.length;
    EXTRA_KEYS.forEach(function (name) { field(COMMON[name], extra); });
    var req = requiredSections();
    document.getElementById("sb-form-sections-hint").textContent = req.sections.length
      ? type.label + req.variant + "的正文须包含：" + req.sections.join("、") + "。每节写明确切的时间、地点、人数和数量。"
      : "正文写明何时、何地、何单位做了什么、效果如何，数字准确，一事一报。";
    var texts = sectionsOf(state.type);
    req.sections.forEach(function (name) {
      sections.appendChild(textarea("section:" + name, "## " + name, texts[name]));
    });
    sections.appendChild(textarea("body", req.sections.length ? "其他内容（可不填）" : "正文", state.body[state.type] || ""));
    update();
  }

  form.addEventListener("input", onInput);
  form.addEventListener("change", onInput);

  function onInput(ev) {
    var t = ev.target;
    var name = t.getAttribute("name");
    if (!name) { return; }
    touched[name] = true;
    var value = t.type === "checkbox" ? (t.checked ? "true" : "") : t.value;
    var structural = false;
    if (name === "type") {
      if (state.type === value) { return; }
      state.type = value;
      structural = true;
    } else if (name.indexOf("section:") === 0) {
      sectionsOf(state.type)[name.slice(8)] = value;
    } else if (name === "body") {
      state.body[state.type] = value;
    } else if (name in keyMap(state.type)) {
      structural = name === TYPES[state.type].sections.by && ownOf(state.type)[name] !== value;
      ownOf(state.type)[name] = value;
    } else {
      if (name === "unit" && state.common.unit !== value) {
        Object.keys(ROSTER_KEYS).forEach(function (k) { state.common[k] = ""; });
        structural = true;
      }
      state.common[name] = value;
    }
    save();
    if (structural) { render(); } else { update(); }
  }

  /* --- the report file ------------------------------------------------------------ */

  function specs() {
    var keys = D.common.filter(function (k) { return EXTRA_KEYS.indexOf(k.name) < 0; });
    return keys.concat(TYPES[state.type].keys, EXTRA_KEYS.map(function (n) { return COMMON[n]; }));
  }

  function build() {
    var lines = ["---"];
    var meta = [];
    var lineOf = {};
    specs().forEach(function (spec) {
      var raw = spec.name === "type" ? state.type : valueOf(spec.name);
      if (raw === undefined || String(raw).trim() === "") { return; }
      if (spec.name === "classification" && raw === "internal") { return; } /* the default */
      var w = written(spec, raw);
      if (w.value.t === "list" && !w.value.v.length) { return; }
      lines.push(spec.name + ": " + w.yaml);
      lineOf[spec.name] = lines.length;
      meta.push({ key: spec.name, spec: spec, value: w.value });
    });
    lines.push("---");
    var bodyLine = lines.length + 1;
    var parts = [];
    var where = []; /* [first line in the file, last line, field name] */
    var line = bodyLine + 1; /* the body starts with a blank line */
    var texts = sectionsOf(state.type);
    function add(text, name, heading) {
      if (parts.length) { line += 1; }
      var block = heading ? "## " + heading + "\n\n" + text : text;
      var n = block.split("\n").length;
      where.push([line, line + n - 1, name]);
      parts.push(block);
      line += n;
    }
    requiredSections().sections.forEach(function (name) {
      var text = trimBlock(texts[name] || "");
      if (text) { add(text, "section:" + name, name); }
    });
    var free = trimBlock(state.body[state.type] || "");
    if (free) { add(free, "body"); }
    var body = parts.length ? "\n" + parts.join("\n\n") + "\n" : "";
    var text = lines.join("\n") + "\n" + body;
    return { text: text, meta: meta, lineOf: lineOf, bodyLine: bodyLine, body: body.replace(/\n$/, ""), where: where };
  }

  function trimBlock(text) { return text.replace(/\r\n?/g, "\n").replace(/^\s*\n|\s+$/g, ""); }

  function fileName(title) {
    var name = title.replace(pyRegex(D.file_name.unsafe, "g"), "-").replace(/^[-.]+|[-.]+$/g, "");
    return Array.from(name).slice(0, D.file_name.chars).join("") || D.file_name.fallback;
  }

  function target(report) {
    var reported = report.typed.reported_at;
    var day = reported ? reported.local.slice(0, 10) : nowLocal.slice(0, 10);
    var dir = "submissions/" + (state.common.unit || "单位") + "/" + day.slice(0, 4);
    return { dir: dir, name: day + "-" + fileName(report.typed.title || "") + ".md" };
  }

  /* --- the checks (generator/schema.py, generator/rules/) ----------------------------- */

  function enumCode(value, choices) {
    value = value.trim();
    for (var i = 0; i < choices.length; i++) {
      if (value === choices[i].value || value === choices[i].label) { return choices[i].value; }
    }
    return null;
  }

  function convert(spec, v, type) { /* schema._convert: {typed} or {code, fields} */
    var form = spec.form;
    var s = v.t === "str" ? v.v : null;
    if (form === "text") { return s !== null ? { typed: s.trim() } : (v.t === "int" || v.t === "float" ? { typed: v.py } : bad("text")); }
    if (form === "time") { var t = s !== null && parseTime(s); return t ? { typed: t } : bad("time"); }
    if (form === "date") { var d = s !== null && parseDate(s); return d ? { typed: d } : bad("date"); }
    if (form === "int") { return v.t === "int" ? { typed: v.v } : bad("int"); }
    if (form === "number") { return v.t === "int" || v.t === "float" ? { typed: v.v } : bad("number"); }
    if (form === "bool") { return { typed: v.v === true }; }
    if (form === "list") { return { typed: v.v.map(function (x) { return x.trim(); }) }; }
    if (form === "mapping") {
      var wrong = v.v.filter(function (kv) { return kv[1].t !== "int" && kv[1].t !== "float"; });
      if (!wrong.length) { return { typed: v.v }; }
      /* schema._convert names the first entry that is not a number */
      return { code: "R203", fields: { key: spec.name, value: shown(wrong[0][1]),
                                       expected: pyFormat(D.form_text.mapping_item, { name: wrong[0][0] }) } };
    }
    if (form === "period") {
      if (s === null || parsePeriod(s) === null) {
        var example = (TYPES[type] && TYPES[type].period_example) || D.period.any_example;
        return { code: "R203", fields: { key: spec.name, value: shown(v), expected: "报告期应写成 " + example } };
      }
      return { typed: s.trim() };
    }
    if (form === "enum") {
      var code = s !== null ? enumCode(s, spec.choices) : null;
      return code !== null ? { typed: code } : { code: "R204", fields: { key: spec.name, value: shown(v), allowed: spec.allowed } };
    }
    return { typed: s };

    function bad(kind) {
      return { code: "R203", fields: { key: spec.name, value: shown(v), expected: D.form_text[kind] } };
    }
  }

  function later(a, b) { /* rules/times._later */
    if (a.local && b.local) { return a.local > b.local; }
    return (a.date || a.local.slice(0, 10)) > (b.date || b.local.slice(0, 10));
  }

  function showTime(v) { return v.date || v.local.slice(0, 16); }

  function uscProblem(code) { /* rules/content.uscc_problem */
    var chars = Array.from(code);
    if (chars.length !== 18) { return detail("R405", "length", { length: chars.length }); }
    var badChar = chars.filter(function (c) { return D.uscc.chars.indexOf(c) < 0; })[0];
    if (badChar !== undefined) { return detail("R405", "character", { char: badChar }); }
    var total = 0;
    for (var i = 0; i < 17; i++) { total += D.uscc.chars.indexOf(chars[i]) * D.uscc.weights[i]; }
    var expected = D.uscc.chars[(31 - total % 31) % 31];
    return chars[17] !== expected ? detail("R405", "check", { expected: expected }) : null;
  }

  function idNumberValid(n) { /* rules/safety.id_number_valid */
    if (n.length !== 18 || !/^\d{17}$/.test(n.slice(0, 17))) { return false; }
    var total = 0;
    for (var i = 0; i < 17; i++) { total += (+n[i]) * D.id_number.weights[i]; }
    if (D.id_number.check[total % 11] !== n[17].toUpperCase()) { return false; }
    var y = +n.slice(6, 10), m = +n.slice(10, 12), d = +n.slice(12, 14);
    /* a real date, not after today (people born before 1900 have numbers too) */
    return validDate(y, m, d) && n.slice(6, 10) + "-" + n.slice(10, 12) + "-" + n.slice(12, 14) <= localOf(new Date()).slice(0, 10);
  }

  function personalData(text) { /* rules/safety.personal_data: descriptions */
    var found = [];
    /* full-width digits read as ASCII, one for one (safety._HALF_WIDTH) */
    text = String(text).replace(/[０-９Ｘｘ＋－　]/g, function (c) {
      return c === "　" ? " " : String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    });
    if (!/\d/.test(text)) { return found; }
    var m;
    var ids = pyRegex(D.id_number.pattern, "g");
    while ((m = ids.exec(text))) {
      if (idNumberValid(m[1])) { found.push(detail("R504", "id_number", { prefix: m[1].slice(0, 6) })); }
    }
    var mobiles = pyRegex(D.mobile.pattern, "g");
    while ((m = mobiles.exec(text))) { found.push(detail("R504", "mobile", { prefix: m[1].slice(0, 3) })); }
    return found;
  }

  function vaguePattern() {
    var words = D.vague_words.slice().sort(function (a, b) { return b.length - a.length; });
    return words.length ? new RegExp(words.map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("|"), "g") : null;
  }

  function check(file) {
    var out = []; /* {code, field, text} */
    var type = state.type;
    var typed = {};
    var present = {};
    file.meta.forEach(function (m) { present[m.key] = m; });
    function say(code, fieldName, fields) {
      out.push({ code: code, field: fieldName, text: message(code, fields) });
    }
    specs().forEach(function (spec) {
      if (spec.name === "type") { return; }
      var m = present[spec.name];
      if (!m) {
        if (spec.required) { say("R201", spec.name, { key: spec.name, meaning: spec.label, hint: "" }); }
        return;
      }
      var r = convert(spec, m.value, type);
      if (r.code) { say(r.code, spec.name, r.fields); } else { typed[spec.name] = r.typed; }
    });
    if (type === "incident") { typed.stage = typed.stage || "初报"; }
    D.conditional.forEach(function (c) {
      if (c.type === type && c.values.indexOf(typed[c.when]) >= 0 && !present[c.key]) {
        var spec = keyMap(type)[c.key] || COMMON[c.key];
        say("R201", c.key, { key: c.key, meaning: spec.label, hint: c.hint });
      }
    });
    var unit = typed.unit !== undefined ? UNITS[typed.unit] : null;
    if (typed.unit !== undefined && !unit) {
      say("R205", "unit", { unit: typed.unit, known: D.units.map(function (u) { return u.id; }).join("、") });
    }
    if (unit && typed.author !== undefined && unit.leaders.concat(unit.reporters).indexOf(typed.author) < 0) {
      say("R207", "author", { author: typed.author, unit: typed.unit, reporters: unit.reporters.join("、") || "无",
                              leaders: unit.leaders.join("、") || "无" });
    }
    if (type === "feedback" && typed.unit && D.feedback_units.indexOf(typed.unit) < 0) {
      say("R506", "unit", { unit: typed.unit, allowed: D.feedback_units.join("、") || RULES.R506.details.none });
    }
    var report = { typed: typed };

    /* R301: what records something done is not in the future */
    var now = { local: localOf(new Date()) };
    D.done_keys.forEach(function (key) {
      if (typed[key] && later(typed[key], now)) {
        say("R301", key, { key: key, value: showTime(typed[key]), now: now.local.slice(0, 16) });
      }
    });
    /* R302: times in order */
    if (typed.reported_at) {
      D.order_keys.forEach(function (pair) {
        var v = typed[pair[0]];
        if (v && later(v, typed.reported_at)) {
          say("R302", pair[0], { detail: detail("R302", "after_reported", {
            meaning: pair[1], value: showTime(v), reported: showTime(typed.reported_at) }) });
        }
      });
    }
    if (typed.assigned_on && typed.due && typed.assigned_on.date > typed.due.date) {
      say("R302", "due", { detail: detail("R302", "due_before_assigned", { due: typed.due.date, assigned: typed.assigned_on.date }) });
    }
    /* R306: the period is of the type's kind and has begun */
    if (D.period.forms[type] && typed.period) {
      var kind = Object.keys(D.period.forms).filter(function (k) { return pyRegex(D.period.forms[k]).test(typed.period); })[0];
      var R306 = RULES.R306.details;
      if (kind !== type) {
        say("R306", "period", { detail: pyFormat(R306.kind, { type_label: TYPES[type].label, example: D.period.examples[type],
          period: typed.period, kind_label: D.period.kind_labels[kind] || R306.unknown }) });
      } else if (typed.reported_at) {
        var p = periodStart(kind, typed.period);
        if (p.start + " 00:00:00" > typed.reported_at.local) {
          say("R306", "period", { detail: pyFormat(R306.not_begun, { period: typed.period, label: p.label, start: p.start,
                                                                     reported: showTime(typed.reported_at) }) });
        }
      }
    }
    /* R401: required sections */
    var t = TYPES[type];
    var by = t.sections.by;
    var req = t.sections.cases[by ? (typed[by] || "") : ""] || t.sections.cases[""];
    var heads = {};
    sectionTitles(file.body).forEach(function (title) {
      heads[title.replace(pyRegex(D.body.numbering), "").trim()] = true;
    });
    req.sections.forEach(function (name) {
      if (!heads[name]) {
        say("R401", "section:" + name, { section: name, type_label: t.label, variant: req.variant, required: req.sections.join("、") });
      }
    });
    /* R407: template placeholders, and required sections without text of their own */
    var PH = D.placeholder;
    var w407 = RULES.R407.details;
    var snippet = function (text) { /* rules/content._snippet */
      var start = text.indexOf(PH), end = text.indexOf("】", start);
      var piece = Array.from(end >= 0 ? text.slice(start, end + 1) : text.slice(start));
      return piece.length <= 40 ? piece.join("") : piece.slice(0, 39).join("") + "…";
    };
    file.meta.forEach(function (m) {
      var strings = m.value.t === "str" ? [m.value.v] : m.value.t === "list" ? m.value.v.slice() : [];
      if (m.value.t === "map") {
        m.value.v.forEach(function (kv) { strings.push(kv[0]); if (kv[1].t === "str") { strings.push(kv[1].v); } });
      }
      var found = strings.filter(function (x) { return x.indexOf(PH) >= 0; })[0];
      if (found !== undefined) { say("R407", m.key, { detail: pyFormat(w407.in_key, { key: m.key, snippet: snippet(found) }) }); }
    });
    var bodyLines = file.body.split("\n");
    bodyLines.forEach(function (text, offset) {
      if (text.indexOf(PH) >= 0) {
        var line = file.bodyLine + offset;
        say("R407", bodyField(file, line), { detail: pyFormat(w407.in_line, { line: line, snippet: snippet(text) }) });
      }
    });
    var heads407 = sectionOffsets(file.body);
    heads407.forEach(function (h, i) {
      var name = h.title.replace(pyRegex(D.body.numbering), "").trim();
      if (req.sections.indexOf(name) < 0) { return; }
      var own = bodyLines.slice(h.offset + 1, i + 1 < heads407.length ? heads407[i + 1].offset : bodyLines.length);
      var ownText = function (line) { /* rules/content._own_text */
        var t = line.trim();
        if (!t || t.charAt(0) === "#") { return false; }
        return t.indexOf(PH) >= 0 ? !!t.replace(new RegExp(PH + "[^】]*】?", "g"), "").trim() : true;
      };
      if (!own.some(ownText) && !own.some(function (l) { return l.indexOf(PH) >= 0; })) {
        say("R407", bodyField(file, file.bodyLine + h.offset), { detail: pyFormat(w407.no_text, { title: h.title, name: name }) });
      }
    });
    /* R402: vague words */
    var vague = vaguePattern();
    if (vague) {
      if (typed.title) {
        vague.lastIndex = 0;
        var w = vague.exec(typed.title);
        if (w) { say("R402", "title", { line: file.lineOf.title, word: w[0] }); }
      }
      file.body.split("\n").forEach(function (text, offset) {
        var line = file.bodyLine + offset;
        vague.lastIndex = 0;
        var m;
        while ((m = vague.exec(text))) { say("R402", bodyField(file, line), { line: line, word: m[0] }); }
      });
    }
    /* R404: grade against casualties and loss */
    if (type === "incident" && typed.severity) {
      var g = gradeReached(typed.deaths || 0, typed.injuries || 0, typed.loss || 0);
      if (D.grades.order.indexOf(g[0]) > D.grades.order.indexOf(typed.severity)) {
        say("R404", "severity", { declared: typed.severity, grade: g[0], reason: g[1] });
      }
    }
    /* R405: 统一社会信用代码 */
    if (type === "credit" && typed.uscc) {
      var problem = uscProblem(typed.uscc.trim());
      if (problem) { say("R405", "uscc", { code: typed.uscc, problem: problem }); }
    }
    /* R406: impossible numbers */
    D.count_keys.forEach(function (pair) {
      var v = typed[pair[0]];
      if (v !== undefined && v < 0) {
        say("R406", pair[0], { detail: detail("R406", "negative", { meaning: pair[1], key: pair[0], value: present[pair[0]].value }) });
      } else if (v !== undefined && v > D.count_limits[pair[0]]) {
        say("R406", pair[0], { detail: detail("R406", "too_large", { meaning: pair[1], key: pair[0], value: present[pair[0]].value,
                                                                   limit: D.count_limits[pair[0]] }) });
      }
    });
    if (typed.hazards_found !== undefined && typed.hazards_fixed !== undefined &&
        typed.hazards_fixed > typed.hazards_found && typed.hazards_found >= 0) {
      say("R406", "hazards_fixed", { detail: detail("R406", "fixed_over_found", { fixed: typed.hazards_fixed, found: typed.hazards_found }) });
    }
    if (typed.progress !== undefined && !(typed.progress >= 0 && typed.progress <= 100)) {
      say("R406", "progress", { detail: detail("R406", "progress", { progress: { v: typed.progress } }) });
    }
    /* R501, R502: sign-off */
    var leaders = unit && unit.leaders.length ? unit.leaders.join("、") : RULES.R501.details.none;
    ["reviewed_by", "approved_by"].forEach(function (key) {
      if (!typed[key]) { say("R501", key, { what: RULES.R501.details[key], key: key, leaders: leaders }); }
    });
    if (unit) {
      ["reviewed_by", "approved_by"].forEach(function (key) {
        var person = typed[key];
        if (person && unit.leaders.indexOf(person) < 0) {
          say("R502", key, { detail: detail("R502", "not_leader", { what: RULES.R501.details[key], person: person, unit: unit.name,
                                                                   leaders: unit.leaders.join("、") || RULES.R502.details.none }) });
        }
      });
      if (typed.approved_by && typed.author && typed.approved_by === typed.author) {
        say("R502", "approved_by", { detail: detail("R502", "self", { person: typed.approved_by }) });
      }
    }
    /* R503: state-secret marks (never in this system) */
    var secret = RULES.R503.details;
    var secretIn = function (text) { /* rules/safety._secret_in */
      var m = pyRegex(D.secret.line).exec(text) || pyRegex(D.secret.any).exec(text);
      return m ? m.slice(1).filter(Boolean)[0] : null;
    };
    if (typed.title && secretIn(typed.title)) {
      say("R503", "title", { detail: pyFormat(secret.title, { mark: secretIn(typed.title), fix: secret.fix }) });
    }
    (typed.tags || []).forEach(function (tag) {
      if (D.secret.marks.indexOf(tag.trim()) >= 0) {
        say("R503", "tags", { detail: pyFormat(secret.tag, { tag: tag, fix: secret.fix }) });
      }
    });
    file.body.split("\n").forEach(function (text, offset) {
      var mark = secretIn(text);
      var line = file.bodyLine + offset;
      if (mark) { say("R503", bodyField(file, line), { detail: pyFormat(secret.line, { line: line, mark: mark, fix: secret.fix }) }); }
    });
    /* R504: personal data below restricted */
    if ((typed.classification || "internal") !== "restricted") {
      var fix = RULES.R504.details.fix;
      file.meta.forEach(function (m) {
        var strings = m.value.t === "str" ? [m.value.v] : m.value.t === "list" ? m.value.v : [];
        if (m.value.t === "map") { /* rules/safety._strings: every name, and every value that is text */
          m.value.v.forEach(function (kv) {
            strings.push(kv[0]);
            if (kv[1].t === "str") { strings.push(kv[1].v); }
          });
        }
        strings.forEach(function (s) {
          personalData(s).forEach(function (what) {
            say("R504", m.key, { detail: detail("R504", "in_key", { key: m.key, what: what, fix: fix }) });
          });
        });
      });
      file.body.split("\n").forEach(function (text, offset) {
        var line = file.bodyLine + offset;
        personalData(text).forEach(function (what) {
          say("R504", bodyField(file, line), { detail: detail("R504", "in_line", { line: line, what: what, fix: fix }) });
        });
      });
    }
    /* R505: active HTML in the body */
    activeHtml(file.body).forEach(function (a) {
      var line = file.bodyLine + a.offset;
      say("R505", bodyField(file, line), { detail: detail("R505", "in_line", { line: line, what: a.what }) });
    });
    return { findings: out, report: report };
  }

  var entityBox = document.createElement("textarea");
  function unescapeHtml(text) { /* Python's html.unescape, as the browser decodes an attribute */
    entityBox.innerHTML = text.replace(/</g, "&lt;");
    return entityBox.value;
  }

  function activeHtml(body) { /* rules/safety.active_html: [{offset, what}] */
    var found = [];
    var A = D.active_html;
    body.split("\n").forEach(function (text, offset) {
      var m;
      if (text.indexOf("<") >= 0) {
        var tags = pyRegex(A.tag, "gi");
        while ((m = tags.exec(text))) { found.push({ offset: offset, what: detail("R505", "tag", { tag: m[1].toLowerCase() }) }); }
        var handlers = pyRegex(A.handler, "gi");
        var since = 0;
        while ((m = handlers.exec(text))) { /* inside a tag: a "<" before it, no ">" between */
          var opened = text.lastIndexOf("<", m.index - 1);
          var closed = opened >= 0 ? text.indexOf(">", opened) : -1;
          if (opened >= since && (closed < 0 || closed >= m.index)) {
            found.push({ offset: offset, what: detail("R505", "handler", { name: m[1].toLowerCase() }) });
          }
          since = m.index + m[0].length;
        }
      }
      var seen = text;
      if (text.indexOf("&") >= 0 || text.indexOf("\t") >= 0) {
        if (!(text.indexOf(":") >= 0 || text.indexOf("&#") >= 0 || text.indexOf("&colon;") >= 0)) { return; }
        seen = unescapeHtml(text).replace(pyRegex(A.invisible, "g"), "");
      } else if (text.indexOf(":") < 0) {
        return;
      }
      var links = pyRegex(A.link, "gim");
      while ((m = links.exec(seen))) {
        found.push({ offset: offset, what: detail("R505", "link", { scheme: m[1].split(":")[0].trim().toLowerCase() }) });
      }
    });
    return found;
  }

  function gradeReached(deaths, injuries, loss) { /* rules/content.grade_reached */
    var words = RULES.R404.details;
    for (var i = 0; i < D.grades.thresholds.length; i++) {
      var g = D.grades.thresholds[i];
      var reasons = [];
      if (deaths >= g[1]) { reasons.push(pyFormat(words.deaths, { deaths: deaths })); }
      if (injuries >= g[2]) { reasons.push(pyFormat(words.injuries, { injuries: injuries })); }
      if (loss >= g[3]) { reasons.push(pyFormat(words.loss, { loss: { v: loss } })); }
      if (reasons.length) { return [g[0], reasons.join(words.joiner)]; }
    }
    return [D.grades.order[0], ""];
  }

  function sectionOffsets(body) { /* reader.sections_of: each heading and its line in the body */
    var out = [];
    var inCode = false;
    var fence = pyRegex(D.body.fence);
    body.split("\n").forEach(function (text, offset) {
      if (fence.test(text)) { inCode = !inCode; return; }
      var title = inCode ? null : headingTitle(text);
      if (title !== null) { out.push({ title: title, offset: offset }); }
    });
    return out;
  }

  function sectionTitles(body) { return sectionOffsets(body).map(function (h) { return h.title; }); }

  function headingTitle(line) { /* reader: the title of a "## 标题" line, or null */
    if (line.slice(0, 2) !== "##" || (line.charAt(2) !== " " && line.charAt(2) !== "\t")) { return null; }
    var rest = line.slice(2).replace(/^[ \t]+/, "");
    if (!rest) { return line.length > 3 ? "" : null; }
    var title = rest.replace(/[ \t]+$/, "").replace(/#+$/, "").replace(/[ \t]+$/, "");
    return (title || rest.charAt(0)).trim();
  }

  function bodyField(file, line) {
    for (var i = 0; i < file.where.length; i++) {
      if (line >= file.where[i][0] && line <= file.where[i][1]) { return file.where[i][2]; }
    }
    return "body";
  }

  /* --- showing it ------------------------------------------------------------------ */

  function update() {
    var file = build();
    var result = check(file);
    var findings = result.findings;
    form.querySelectorAll(".sb-msgs").forEach(function (n) { n.textContent = ""; });
    var general = document.getElementById("sb-form-status");
    var errors = 0, warnings = 0, shown = 0;
    findings.forEach(function (f) {
      var sev = RULES[f.code].severity;
      if (sev === "error") { errors++; } else if (sev === "warning") { warnings++; }
      var fieldBox = form.querySelector('.sb-field[data-key="' + cssEscape(f.field) + '"] .sb-msgs');
      var box = fieldBox || form.querySelector('.sb-field[data-key="body"] .sb-msgs');
      var visible = revealAll || touched[f.field] || (!fieldBox && touched.body);
      if (visible) { shown++; }
      var p = el("p", { "class": "sb-msg sb-msg--" + sev + (visible ? "" : " sb-msg--later"), "data-rule": f.code,
                        "data-severity": sev, title: f.code + " " + RULES[f.code].title }, f.text);
      box.appendChild(p);
    });
    var where = target(result.report);
    var path = where.dir + "/" + where.name;
    document.getElementById("sb-form-path").textContent = path;
    document.getElementById("sb-form-output").textContent = file.text;
    general.textContent = errors && !shown
      ? "尚未填完：还有 " + errors + " 处必填项或错误。填写各项后，问题会在该项下方提示；点“提交”可一次列出全部。"
      : errors
      ? "还有 " + errors + " 处错误" + (warnings ? "、" + warnings + " 处警告" : "") + "，见各项下方的红字；改正后再提交。"
      : warnings ? "有 " + warnings + " 处警告（见各项下方），请核实后再提交；检查程序用 --strict 时警告也不通过。"
      : "检查通过：可以提交。提交后仍以代码托管平台上 shangbao check 的结果为准。";
    general.className = "sb-form-status sb-form-status--" + (errors ? "error" : warnings ? "warning" : "ok");
    submitLink(file.text, where, errors);
    current = { text: file.text, dir: where.dir, name: where.name, errors: errors };
  }

  function cssEscape(s) { return window.CSS && CSS.escape ? CSS.escape(s) : s.replace(/["\\]/g, "\\$&"); }

  /* --- submitting ----------------------------------------------------------------- */

  var current = null;

  function segments(path) { return path.split("/").map(encodeURIComponent).join("/"); }

  function submitLink(text, where, errors) {
    var link = document.getElementById("sb-form-submit");
    var next = document.getElementById("sb-form-next");
    var host = D.git_host;
    if (!host) {
      link.hidden = true;
      link.removeAttribute("href");
      next.textContent = "本站没有设置代码托管平台（_org.yml 中的 git_host）：请点“复制全文”或“下载文件”，把文件交给本单位的信息员，" +
        "放到报送仓库的 " + where.dir + "/ 下提交。";
      return;
    }
    link.hidden = false;
    var editor = host.kind === "gitlab" ? "/-/new/" : host.kind === "github" ? "/new/" : "/_new/";
    var base = host.url + editor + segments(host.branch) + "/" + segments(where.dir);
    var full = base + "?filename=" + encodeURIComponent(where.name) + "&value=" + encodeURIComponent(text);
    var prefilled = host.kind !== "gitlab" && full.length <= D.max_url;
    link.dataset.mode = prefilled ? "prefilled" : "fallback";
    if (prefilled) {
      link.href = full;
      link.textContent = "提交（打开网页编辑器）";
      next.textContent = "点“提交”会在代码托管平台打开新建文件的网页，文件名和全文都已填好：核对后在页面下方选择“新建分支并发起合并请求”，" +
        "再点提交。本单位领导审核、签发并合并后，报告即正式报送。";
    } else {
      link.href = host.kind === "gitlab" ? base : base + "?filename=" + encodeURIComponent(where.name);
      link.textContent = "复制全文、下载文件并打开新建文件页";
      next.textContent = (host.kind === "gitlab"
        ? "GitLab 不能预先填好文件内容。"
        : "报告超过 " + Math.round(D.max_url / 1024) + " KB，不能直接带入网页编辑器。") +
        "点上面的按钮会复制全文、下载文件，并打开新建文件的网页：在文件名处填“" + where.name + "”（已填好的不用改），" +
        "在编辑框中粘贴（Ctrl+V），然后选择“新建分支并发起合并请求”，再点提交。";
    }
    link.setAttribute("aria-disabled", errors ? "true" : "false");
    link.title = errors ? "还有错误，改正后再提交" : "";
  }

  document.getElementById("sb-form-submit").addEventListener("click", function (ev) {
    if (!current || current.errors) {
      ev.preventDefault();
      if (!revealAll) { revealAll = true; update(); }
      document.getElementById("sb-form-status").scrollIntoView({ block: "center" });
      return;
    }
    if (this.dataset.mode === "fallback") {
      copy(current.text);
      download();
    }
    try { localStorage.removeItem(STORE); } catch (e) { /* nothing saved */ }
    document.getElementById("sb-form-saved").textContent = "已交给代码托管平台；本浏览器中的草稿已清除（页面上的内容仍在，可以再复制）。";
  });

  function copy(text) {
    var done = function () { flash("已复制全文"); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { legacyCopy(text); done(); });
    } else {
      legacyCopy(text);
      done();
    }
  }

  function legacyCopy(text) {
    var area = el("textarea", { readonly: "", "class": "sb-offscreen" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* the text is on the page to copy by hand */ }
    document.body.removeChild(area);
  }

  function download() {
    if (!current) { return; }
    var blob = new Blob([current.text], { type: "text/markdown;charset=utf-8" });
    var a = el("a", { download: current.name, href: URL.createObjectURL(blob) });
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function flash(text) { document.getElementById("sb-form-saved").textContent = text; }

  document.getElementById("sb-form-copy").addEventListener("click", function () { if (current) { copy(current.text); } });
  document.getElementById("sb-form-copy-path").addEventListener("click", function () {
    if (current) { copy(current.name); flash("已复制文件名"); }
  });
  document.getElementById("sb-form-download").addEventListener("click", download);
  document.getElementById("sb-form-clear").addEventListener("click", function () {
    if (!window.confirm("清空本页填写的全部内容（包括本浏览器保存的草稿）？")) { return; }
    try { localStorage.removeItem(STORE); } catch (e) { /* nothing saved */ }
    state = fresh();
    touched = {};
    revealAll = false;
    render();
    flash("已清空");
  });

  if (!TYPES[state.type]) { state.type = D.types[0].code; }
  form.hidden = false;
  document.getElementById("sb-form-result").hidden = false;
  render();
})();
