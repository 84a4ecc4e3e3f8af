/* 信息上报网站：页眉搜索（Pagefind）。不从外部加载任何东西：pagefind.js 与索引都在本站 pagefind/ 下。 */
(function () {
  "use strict";

  /* Chinese search. The index (generator/site/search.py) holds every run of Chinese characters
     as overlapping character pairs (明火扑灭 → 明火 火扑 扑灭), each character spelled as four
     ASCII letters after "qz", so that any word of two or more characters is found, whatever a
     dictionary would say. encodeQuery spells the reader's query the same way; decodeHtml turns
     the excerpts Pagefind returns back into readable text. Keep both in step with search.py. */
  var HAN = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{3134f}";
  var HAN_RUN = new RegExp("^[" + HAN + "]+$", "u");
  var SEGMENT = new RegExp("[" + HAN + "]+|(?:(?![" + HAN + "])[\\p{L}\\p{N}_])+|[^\\p{L}\\p{N}_]+", "gu");
  var AFFIX = "(?:[^\\p{L}\\p{N}_]|&lt;|&gt;|&amp;)*";
  var TOKEN = new RegExp("^(" + AFFIX + ")qz((?:[a-z]{4}){1,2})(" + AFFIX + ")$", "u");
  var PUNCT = /^[^\p{L}\p{N}_]+$/u;
  var GLUE = "\u2060";
  var EXCERPT_WORDS = 60;
  var MAX_TERMS = 10; /* a long title: ten of its pairs are plenty to find it, and cost ten index chunks at most */
  var lastQuery = [];

  function spell(ch) {
    var n = ch.codePointAt(0) - 0x3400;
    var s = "";
    for (var k = 3; k >= 0; k--) { s += String.fromCharCode(97 + Math.floor(n / Math.pow(26, k)) % 26); }
    return s;
  }

  function runTokens(run) {
    var chars = Array.from(run).map(spell);
    if (chars.length === 1) { return ["qz" + chars[0]]; }
    var out = [];
    for (var i = 0; i + 1 < chars.length; i++) { out.push("qz" + chars[i] + chars[i + 1]); }
    return out;
  }

  function encodeQuery(term) {
    var quoted = /^\s*".+"\s*$/.test(term);
    var words = term.replace(/^\s*"|"\s*$/g, "").split(/\s+/).filter(Boolean);
    var out = [];
    var all = [];
    words.forEach(function (word) {
      (word.match(SEGMENT) || []).forEach(function (seg) {
        if (HAN_RUN.test(seg)) {
          /* Every pair is needed to place the excerpt, but each pair may live in its own index
             chunk: search with every other pair (and the last), which still covers each character. */
          var pairs = runTokens(seg);
          all.push.apply(all, pairs);
          out.push.apply(out, quoted ? pairs : pairs.filter(function (p, i) { return i % 2 === 0 || i === pairs.length - 1; }));
        } else if (!PUNCT.test(seg)) {
          out.push(seg);
          all.push(seg);
        }
      });
    });
    if (out.length > MAX_TERMS) { out = out.slice(0, MAX_TERMS - 1).concat(out.slice(-1)); }
    lastQuery = all.map(function (w) { return w.toLowerCase(); });
    var q = out.join(" ");
    /* Pages must hold every pair (Pagefind finds pages with all the words). Measured on the
       sample, this ranks a unit's own reports first for its name, which phrase search does
       not; a reader who wants the pairs adjacent and in order types the query in "quotes". */
    return quoted && out.length > 1 ? "\"" + q + "\"" : q;
  }

  function unspell(letters) {
    var s = "";
    for (var i = 0; i < letters.length; i += 4) {
      var n = 0;
      for (var j = i; j < i + 4; j++) { n = n * 26 + letters.charCodeAt(j) - 97; }
      s += String.fromCodePoint(n + 0x3400);
    }
    return s;
  }

  /* Excerpt HTML from Pagefind (tokens joined by spaces, some in <mark>) → readable HTML. */
  function decodeHtml(html) {
    if (!html) { return html; }
    var units = [];
    var prevHan = false;
    var prevKind = false;
    function push(text, marked) { units.push({ text: text, marked: marked }); }
    html.split(" ").forEach(function (part) {
      if (!part) { return; }
      var m = /^<mark>([\s\S]*)<\/mark>$/.exec(part);
      var marked = !!m;
      if (m) { part = m[1]; }
      /* a token next to a Chinese token is glued to it, others are not; GLUE marks the exceptions */
      var flip = part.charAt(0) === GLUE;
      part = part.replace(/^\u2060+/, "");
      var t = TOKEN.exec(part);
      var glued = (prevKind || !!t) !== flip;
      prevKind = !!t;
      if (!t) {
        if (units.length && !glued) { push(" ", false); }
        push(part, marked);
        prevHan = false;
        return;
      }
      var chars = Array.from(unspell(t[2]));
      if (glued && prevHan && !t[1] && chars.length === 2) {
        /* overlapping pair: its first character is the last one already shown */
        if (marked) { units[units.length - 1].marked = true; }
        push(chars[1], marked);
      } else {
        if (units.length && !glued) { push(" ", false); }
        if (t[1]) { push(t[1], false); }
        chars.forEach(function (c) { push(c, marked); });
      }
      if (t[3]) { push(t[3], false); }
      prevHan = !t[3];
    });
    var out = "";
    var open = false;
    units.forEach(function (u) {
      if (u.marked && !open) { out += "<mark>"; open = true; }
      if (!u.marked && open) { out += "</mark>"; open = false; }
      out += u.text;
    });
    return open ? out + "</mark>" : out;
  }

  function indexWord(word) {
    return word.replace(/[^\p{L}\p{N}_]/gu, "").toLowerCase();
  }

  /* Pagefind centres the excerpt on the densest cluster of any query pair, which for 配电柜 may
     be 配电房 in the title. When the query's pairs occur together and in order, show that place. */
  function phraseExcerpt(result) {
    var want = lastQuery;
    if (want.length < 2 || typeof result.content !== "string") { return null; }
    var words = result.content.split(/[\r\n\s]+/);
    var norm = words.map(indexWord);
    for (var i = 0; i + want.length <= norm.length; i++) {
      var ok = true;
      for (var k = 0; k < want.length && ok; k++) {
        ok = norm[i + k] === want[k] || (k === want.length - 1 && norm[i + k].indexOf(want[k]) === 0);
      }
      if (!ok) { continue; }
      var start = Math.max(0, i - Math.floor((EXCERPT_WORDS - want.length) / 2));
      var end = Math.min(words.length, start + EXCERPT_WORDS);
      var html = [];
      for (var j = start; j < end; j++) {
        var w = words[j].replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
        html.push(j >= i && j < i + want.length ? "<mark>" + w + "</mark>" : w);
      }
      return html.join(" ");
    }
    return null;
  }

  function decodeResult(result) {
    result.excerpt = decodeHtml(phraseExcerpt(result) || result.excerpt);
    return result;
  }

  function base() {
    var btn = document.querySelector("[data-sb-search-open]");
    var rel = btn ? btn.getAttribute("data-sb-base") || "." : ".";
    return new URL(rel.replace(/\/?$/, "/"), window.location.href);
  }

  /* The results list: our own small UI on Pagefind's low-level API (pagefind/pagefind.js), instead
     of pagefind-ui.js (120 KB more to download). The class names are Pagefind UI's. */
  var PAGE = 5; /* results shown at first, and per “显示更多结果” (as Pagefind UI) */
  var shown = [];
  var pending = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text) { e.textContent = text; }
    return e;
  }

  function build(box) {
    var form = el("form", "pagefind-ui__form");
    form.setAttribute("role", "search");
    form.addEventListener("submit", function (ev) { ev.preventDefault(); });
    var label = el("label", "sb-visually-hidden", "搜索本站");
    label.htmlFor = "sb-search-input";
    var input = el("input", "pagefind-ui__search-input");
    input.id = "sb-search-input";
    input.type = "search";
    input.autocomplete = "off";
    input.placeholder = "输入标题、单位名或正文中的词语";
    input.setAttribute("aria-controls", "sb-search-results");
    var msg = el("p", "pagefind-ui__message");
    msg.setAttribute("role", "status");
    msg.setAttribute("aria-live", "polite");
    var list = el("ol", "pagefind-ui__results");
    list.id = "sb-search-results";
    var more = el("button", "pagefind-ui__button", "显示更多结果");
    more.type = "button";
    more.hidden = true;
    form.appendChild(label);
    form.appendChild(input);
    box.textContent = "";
    box.appendChild(form);
    box.appendChild(msg);
    box.appendChild(list);
    box.appendChild(more);
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { run(input.value); }, 250);
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") {
        var first = list.querySelector("a");
        if (first) { ev.preventDefault(); first.focus(); }
      }
    });
    list.addEventListener("keydown", function (ev) {
      if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") { return; }
      var links = Array.prototype.slice.call(list.querySelectorAll("a.pagefind-ui__result-link"));
      var i = links.indexOf(document.activeElement);
      if (i < 0) { return; }
      ev.preventDefault();
      if (ev.key === "ArrowDown" && i + 1 < links.length) { links[i + 1].focus(); }
      else if (ev.key === "ArrowUp") { (i > 0 ? links[i - 1] : input).focus(); }
    });
    more.addEventListener("click", function () { showMore(list, more); });
    return { input: input, msg: msg, list: list, more: more };
  }

  var pf = null;
  var ui = null;

  function run(term) {
    var ticket = ++pending;
    var q = term.trim();
    ui.list.textContent = "";
    ui.more.hidden = true;
    shown = [];
    if (!q) { ui.msg.textContent = ""; return; }
    ui.msg.textContent = "正在搜索“" + q + "”……";
    pf.search(encodeQuery(q)).then(function (search) {
      if (ticket !== pending) { return; }
      shown = search.results;
      if (!shown.length) { ui.msg.textContent = "没有找到与“" + q + "”相关的报告"; return; }
      ui.msg.textContent = "找到 " + shown.length + " 条与“" + q + "”相关的结果";
      showMore(ui.list, ui.more);
    });
  }

  function showMore(list, more) {
    var ticket = pending;
    var from = list.children.length;
    var batch = shown.slice(from, from + PAGE);
    more.hidden = true;
    Promise.all(batch.map(function (r) { return r.data(); })).then(function (items) {
      if (ticket !== pending) { return; }
      items.forEach(function (d) {
        labelMember(d);
        decodeResult(d);
        var li = el("li", "pagefind-ui__result");
        var title = el("p", "pagefind-ui__result-title");
        var a = el("a", "pagefind-ui__result-link", (d.meta && d.meta.title) || d.url);
        a.href = d.url;
        title.appendChild(a);
        li.appendChild(title);
        if (d.meta && d.meta.sub) { li.appendChild(el("p", "sb-search-sub", d.meta.sub)); }
        var ex = el("p", "pagefind-ui__result-excerpt");
        ex.innerHTML = d.excerpt || "";  /* Pagefind escapes the page text; decodeHtml keeps it escaped */
        li.appendChild(ex);
        list.appendChild(li);
      });
      more.hidden = list.children.length >= shown.length;
    });
  }

  /* An upper organisation's site also searches its members' sites (Pagefind multisite):
     members/search.json, written by the build (generator/site/member_pages.py), lists each
     member's name, site and pagefind/ bundle. A member whose bundle cannot be loaded is left
     out; its results are labelled with its name. */
  var members = [];

  function mergeMembers(root) {
    return fetch(new URL("members/search.json", root).href).then(function (res) {
      return res.ok ? res.json() : [];
    }).then(function (list) {
      return Promise.all((list || []).map(function (m) {
        /* only a bundle that answers is merged: a member that is down must not break the search */
        return fetch(new URL("pagefind-entry.json", m.bundle).href).then(function (res) {
          if (!res.ok) { return; }
          return pf.mergeIndex(m.bundle, { excerptLength: EXCERPT_WORDS }).then(function () { members.push(m); });
        }).catch(function () { /* unreachable member: search the others */ });
      }));
    }).catch(function () { /* no members */ });
  }

  function labelMember(d) {
    for (var i = 0; i < members.length; i++) {
      if (d.url && d.url.indexOf(members[i].site) === 0) {
        d.meta = d.meta || {};
        d.meta.sub = "【" + members[i].name + "】" + (d.meta.sub ? " " + d.meta.sub : "");
        return;
      }
    }
  }

  function load(done) {
    if (ui) { done(); return; }
    var box = document.getElementById("sb-search");
    if (!box) { return; }
    var root = base();
    import(new URL("pagefind/pagefind.js", root).href).then(function (mod) {
      pf = mod;
      return pf.options({ baseUrl: root.pathname, excerptLength: EXCERPT_WORDS });
    }).then(function () {
      return mergeMembers(root);
    }).then(function () {
      if (!ui) { ui = build(box); }
      done();
    }).catch(function () {
      box.textContent = "搜索索引不可用（网站可能尚未建立索引）。";
    });
  }

  function focusInput() {
    if (ui) { ui.input.focus(); }
  }

  function open(query) {
    var panel = document.getElementById("sb-search-panel");
    if (!panel) { return; }
    panel.hidden = false;
    document.documentElement.classList.add("sb-search-open");
    load(function () {
      if (query && ui) { ui.input.value = query; run(query); }
      focusInput();
    });
  }

  function close() {
    var panel = document.getElementById("sb-search-panel");
    if (panel) { panel.hidden = true; }
    document.documentElement.classList.remove("sb-search-open");
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) { return; }
    if (t.closest("[data-sb-search-open]")) { ev.preventDefault(); open(); }
    else if (t.closest("[data-sb-search-close]")) { ev.preventDefault(); close(); }
  });

  document.addEventListener("keydown", function (ev) {
    var panel = document.getElementById("sb-search-panel");
    var typing = ev.target instanceof Element && ev.target.closest("input, textarea, [contenteditable]");
    if (ev.key === "Escape" && panel && !panel.hidden) { close(); }
    else if ((ev.key === "/" || ev.key === "s") && !typing && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
      ev.preventDefault();
      open();
    }
  });

  /* ?q=词语 opens the search with that query (links from other pages, bookmarks). */
  var q = new URLSearchParams(window.location.search).get("q");
  if (q) { open(q); }
})();
