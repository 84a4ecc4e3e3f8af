/* 信息上报网站：页眉搜索（Pagefind）。不从外部加载任何东西：pagefind.js 与索引都在本站 pagefind/ 下。 */
(function () {
  "use strict";

  /* Search (SPEC §13). The index (generator/site/search.py) holds every run of Chinese characters
     as its overlapping character pairs and its last character (明火扑灭 → 明火 火扑 扑灭 灭; a run glued to
     digits or letters before it also starts with its first character alone), each character
     spelled as four ASCII letters after "qz"; punctuation left out, a decimal number one token.
     Each term of the query (a space separates terms; "…" keeps spaces inside one term) is spelled
     the same way and asked of Pagefind as a phrase: every token exactly, adjacent and in order. So
     a term is found where its characters stand together, codes and numbers only whole, and a term
     found nowhere finds nothing. Pages must hold every term (the sets are intersected here). The
     excerpt is cut here from the page's own text (its side file t/<key>.json: title, sub, c:
     metadata card, t: body), not from Pagefind's excerpt. The index is cut into shards (one per
     year, pagefind/sb-shards.json), merged here with Pagefind's mergeIndex. Keep foldText,
     termTokens, titleToken and sideUrl in step with search.py. */
  var HAN = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{3134f}";
  var WORDCH = "(?:(?![" + HAN + "])[\\p{L}\\p{N}])";
  var WORD = new RegExp("([" + HAN + "]+)|(\\p{Nd}+\\.\\p{Nd}+(?![.\\p{Nd}])|" + WORDCH + "+)", "gu");
  var PUNCT = new RegExp("(?![" + HAN + "])[^\\p{L}\\p{N}\\s]", "u");
  var HAN_SPACE = new RegExp("([" + HAN + "]) (?=[" + HAN + "])", "gu");
  var DECIMAL_POINT = /(\p{Nd})\.(?=\p{Nd})/gu;
  var STARTS_WORD = new RegExp("^" + WORDCH, "u");
  var ENDS_WORD = new RegExp(WORDCH + "$", "u");
  var EXCERPT_BEFORE = 24; /* characters shown before the first match */
  var EXCERPT_CHARS = 110;
  var CHECK_ALL = 200; /* a query that Pagefind cannot answer exactly: check up to this many pages */
  var T2S = {};
  var CARD_SEP = "\u2063"; /* between the lines of the metadata card (search.py CARD_SEP) */

  function spell(ch) {
    var n = ch.codePointAt(0) - 0x3400;
    var s = "";
    for (var k = 3; k >= 0; k--) { s += String.fromCharCode(97 + Math.floor(n / Math.pow(26, k)) % 26); }
    return s;
  }

  /* traditional → simplified (OpenCC's table, pagefind/sb-fold.json), full-width → half-width,
     capitals → small; one character for one, so positions stay those of the page's own text */
  function foldText(text) {
    var out = "";
    for (var ch of text) {
      var c = T2S[ch] || ch;
      var n = c.normalize("NFKC");
      if (n.length === ch.length && Array.from(n).length === 1) { c = n; }
      if (c >= "A" && c <= "Z") { c = c.toLowerCase(); }
      out += c;
    }
    return out;
  }

  /* The tokens of one folded term, as search.py encode_text writes them, except that a term ending
     in a run of two or more tokens leaves out the run's last character: in the page the run may go
     on (安全 inside 安全生产, 2026年 inside 2026年度). */
  function termTokens(term) {
    var out = [];
    var prevEnd = -1;
    var prevWord = false;
    var lastRun = 0;
    var hanThenWord = false;
    var m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(term))) {
      if (m[1]) {
        var chars = Array.from(m[1]).map(spell);
        var glued = prevWord && m.index === prevEnd;
        if (glued) { out.push("qg" + chars[0]); }
        for (var i = 0; i + 1 < chars.length; i++) { out.push("qz" + chars[i] + chars[i + 1]); }
        out.push("qz" + chars[chars.length - 1]);
        lastRun = chars.length + (glued ? 1 : 0);
        prevWord = false;
      } else {
        /* a word right after Chinese: the index does not tell 第45 from 第 45, so check the pages */
        if (lastRun && m.index === prevEnd) { hanThenWord = true; }
        out.push(wordToken(m[2]));
        lastRun = 0;
        prevWord = true;
      }
      prevEnd = m.index + m[0].length;
    }
    if (lastRun > 1) { out.pop(); }
    out.hanThenWord = hanThenWord;
    return out;
  }

  /* search.py word_token: a word mixing letters and digits spelled in letters only */
  function wordToken(word) {
    if (!/\d/.test(word) || /^\d+$/.test(word)) { return word; }
    return word.replace(/[0-9.z]/g, function (c) {
      return c === "." ? "zk" : c === "z" ? "zz" : "z" + String.fromCharCode(97 + Number(c));
    });
  }

  function titleToken(text) {
    var s = foldText(text).replace(/\s+/g, "");
    var h = 0x811c9dc5;
    for (var i = 0; i < s.length; i++) { h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0; }
    var out = "qt";
    for (var k = 0; k < 7; k++) { out += String.fromCharCode(97 + h % 26); h = Math.floor(h / 26); }
    return out;
  }

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  /* Where a folded term stands in folded text: as written, spaces inside it matching any spaces,
     letters and digits at its ends not continuing a longer word or number (3 is not 37 nor 3.5). */
  function termPattern(term) {
    var re = escapeRe(term).replace(/\s+/g, "\\s+");
    if (STARTS_WORD.test(term)) { re = "(?<!" + WORDCH + "|\\p{Nd}\\.)" + re; }
    if (ENDS_WORD.test(term)) { re += "(?!" + WORDCH + "|\\.\\p{Nd})"; }
    return new RegExp(re, "gu");
  }

  /* The query as terms: words split by spaces, "…" one term with its spaces. */
  function parseQuery(q) {
    var terms = [];
    var re = /"([^"]*)"?|(\S+)/g;
    var m;
    while ((m = re.exec(q))) {
      var text = foldText((m[1] !== undefined ? m[1] : m[2]).replace(/"/g, "")).trim().replace(/\s+/g, " ");
      /* Chinese has no spaces between words: inside "…", 收费站 火情 is 收费站火情 */
      text = text.replace(HAN_SPACE, "$1");
      if (!text) { continue; }
      var tokens = termTokens(text);
      if (!tokens.length) { continue; }  /* punctuation only */
      terms.push({
        text: text,
        tokens: tokens,
        pattern: termPattern(text),
        /* the index leaves punctuation out: such a term is checked on the pages' text */
        check: PUNCT.test(text.replace(DECIMAL_POINT, "$1")) || tokens.hanThenWord
      });
    }
    return terms;
  }

  function matches(text, term) {
    term.pattern.lastIndex = 0;
    var out = [];
    var m;
    while ((m = term.pattern.exec(text))) {
      out.push([m.index, m.index + m[0].length]);
      if (!m[0].length) { term.pattern.lastIndex++; }
    }
    return out;
  }

  function pageHolds(d, terms) {
    var text = foldText([d.title || "", d.sub || "", (d.c || "").split(CARD_SEP).join("\n"), d.t || ""].join("\n"));
    return terms.every(function (t) { return matches(text, t).length > 0; });
  }

  function esc(s) { return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }

  /* text[from, to) with the given ranges in <mark>, as HTML */
  function markHtml(text, ranges, from, to) {
    var out = "";
    var at = from;
    ranges.forEach(function (r) {
      var a = Math.max(r[0], at);
      var b = Math.min(r[1], to);
      if (b <= a) { return; }
      out += esc(text.slice(at, a)) + "<mark>" + esc(text.slice(a, b)) + "</mark>";
      at = b;
    });
    return out + esc(text.slice(at, to));
  }

  function rangesIn(text, terms) {
    var folded = foldText(text);
    var ranges = [];
    terms.forEach(function (t) { ranges = ranges.concat(matches(folded, t)); });
    ranges.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    return ranges;
  }

  /* The excerpt: the page's own text around the first match in the body, the matching lines of
     the metadata card when the body has none, else the beginning of the body. */
  function excerptHtml(d, terms) {
    var body = d.t || "";
    var ranges = rangesIn(body, terms);
    if (ranges.length) {
      var from = Math.max(0, ranges[0][0] - EXCERPT_BEFORE);
      /* start at a sentence, clause or paragraph when one begins shortly before the match */
      var cut = Math.max(body.lastIndexOf("。", ranges[0][0] - 1), body.lastIndexOf("；", ranges[0][0] - 1),
                         body.lastIndexOf(" ", ranges[0][0] - 1));
      if (cut >= from && cut < ranges[0][0]) { from = cut + 1; }
      from = wordStart(body, from);
      var to = Math.min(body.length, from + EXCERPT_CHARS);
      ranges.forEach(function (r) { if (r[0] < to && r[1] > to) { to = r[1]; } });  /* no half-marked term */
      return markHtml(body, ranges, from, wordEnd(body, to));
    }
    var lines = (d.c || "").split(CARD_SEP).filter(function (line) { return rangesIn(line, terms).length; });
    if (lines.length) {
      return lines.map(function (line) {
        return "<span class=\"sb-search-card\">" + markHtml(line, rangesIn(line, terms), 0, line.length) + "</span>";
      }).join("\n");  /* lines apart on the card: a line break, shown as a space */
    }
    return esc(body.slice(0, wordEnd(body, Math.min(body.length, EXCERPT_CHARS))));
  }

  /* An excerpt never starts or ends inside a number, a date, a code or a Latin word, nor inside a
     character written as two UTF-16 units: “11月12日” cut after its first digit would read 1月12日,
     “123万元” cut after two would read 12, 2026-11-25 cut after 2026 would read -11-25. (A decimal
     point, a thousands separator and the - / : of a date or time between digits are inside it.) */
  var INSIDE_WORD = new RegExp("^(?:" + WORDCH + "|[.,\\-/:])$", "u");
  var SEPARATOR = /[.,\-/:]/;

  function joined(text, i) {  /* whether text[i - 1] and text[i] are one word or number */
    var a = text.charAt(i - 1);
    var b = text.charAt(i);
    if (/[\ud800-\udbff]/.test(a) && /[\udc00-\udfff]/.test(b)) { return true; }
    if (!INSIDE_WORD.test(a) || !INSIDE_WORD.test(b)) { return false; }
    if (SEPARATOR.test(a)) { return /\p{Nd}/u.test(text.charAt(i - 2)) && /\p{Nd}/u.test(b); }
    if (SEPARATOR.test(b)) { return /\p{Nd}/u.test(a) && /\p{Nd}/u.test(text.charAt(i + 1)); }
    return true;
  }

  function wordStart(text, i) {
    while (i > 0 && i < text.length && joined(text, i)) { i--; }
    return i;
  }

  function wordEnd(text, i) {
    while (i > 0 && i < text.length && joined(text, i)) { i++; }
    return i;
  }

  function intersect(sets) {
    var out = sets[0];
    for (var i = 1; i < sets.length; i++) {
      var ids = {};
      sets[i].forEach(function (r) { ids[r.id] = true; });
      out = out.filter(function (r) { return ids[r.id]; });
    }
    return out;
  }

  /* Pagefind's answer for one term: exact (a phrase of its tokens; one Chinese character alone: every
     token that starts with it, i.e. the character anywhere). With prefix "qy", the same in the
     page's title and subtitle only (search.py RANK_PREFIX). A long term (a title) is asked as its
     first and its last WINDOW tokens, each a phrase: each token may sit in an index chunk of its
     own, and the first query must stay small; the pages found are then checked on their text. */
  var WINDOW = 5;

  function phrase(tokens, prefix, options) {
    var t = prefix === "qz" ? tokens : tokens.map(function (tok) {
      return tok.indexOf("qz") === 0 ? prefix + tok.slice(2) : wordToken(prefix + tok);
    });
    var single = t.length === 1 && /^q[zy][a-z]{4}$/.test(t[0]);
    return pf.search(single ? t[0] : "\"" + t.join(" ") + "\"", options).then(function (s) { return s.results; });
  }

  function searchTerm(term, prefix, options, whole) {
    var t = term.tokens;
    if (whole || t.length <= 2 * WINDOW) { return phrase(t, prefix, options); }
    return Promise.all([phrase(t.slice(0, WINDOW), prefix, options), phrase(t.slice(-WINDOW), prefix)])
      .then(intersect);
  }

  var NEWEST = { sort: { date: "desc" } };

  function flat(text) { return foldText(text || "").replace(/\s+/g, ""); }

  /* The results for a query: [{id, data()}], the count exact, in this order: the page whose whole
     title is the query; pages whose title or subtitle holds every term; the others; newest first
     within each. */
  function find(q) {
    var terms = parseQuery(q);
    if (!terms.length) { return Promise.resolve({ terms: terms, results: [] }); }
    var long = terms.some(function (t) { return t.tokens.length > 2 * WINDOW; });
    var check = long || terms.some(function (t) { return t.check; });
    var wanted = flat(q.replace(/"/g, ""));
    function searchAll(whole) {
      return Promise.all(terms.map(function (t, i) { return searchTerm(t, "qz", i ? undefined : NEWEST, whole); }))
        .then(intersect);
    }
    /* The ranking searches (the whole title, each term in titles and subtitles) are small: asked
       at once with the terms' (one worker answers them in turn, without waiting for this thread) */
    function rankingSearches() {
      return Promise.all([
        pf.search("\"" + titleToken(q.replace(/"/g, "")) + "\"").then(function (s) { return s.results; })
      ].concat(terms.map(function (t) { return searchTerm(t, "qy", undefined, false); })));
    }
    var early = check ? null : rankingSearches();
    return searchAll(false).then(function (found) {
      if (check && found.length <= CHECK_ALL) {
        /* check every page on its text; rank on it too */
        return Promise.all(found.map(pageOf)).then(function (data) {
          var order = [];
          found.forEach(function (r, i) {
            var d = data[i];
            if (!pageHolds(d, terms)) { return; }
            var heading = foldText((d.title || "") + "\n" + (d.sub || ""));
            var rank = flat(d.title) === wanted ? 0
              : terms.every(function (t) { return matches(heading, t).length > 0; }) ? 1 : 2;
            order.push([rank, i, r]);
          });
          order.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
          return { terms: terms, results: order.map(function (x) { return x[2]; }) };
        });
      }
      /* too many to check: the whole phrases (exact), ranked by the index */
      var exact = long ? searchAll(true) : Promise.resolve(found);
      return Promise.all([exact, early || rankingSearches()]).then(function (all) {
        var results = all[0];
        var titled = all[1].shift();
        var heading = intersect(all[1]);
        var rank = {};
        heading.forEach(function (r) { rank[r.id] = 1; });
        titled.forEach(function (r) { rank[r.id] = 0; });
        var order = results.map(function (r, i) { return [r.id in rank ? rank[r.id] : 2, i, r]; });
        order.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
        return { terms: terms, results: order.map(function (x) { return x[2]; }) };
      });
    });
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
      timer = setTimeout(function () { run(input.value); }, 150);
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

  var terms = [];
  var count = 0;
  var query = "";

  function say(text) { ui.msg.textContent = text; }

  function sayCount() {
    /* a query of punctuation alone is no search (the index leaves punctuation out): saying 没有找到
       would be false, nearly every page has a ， */
    if (!terms.length) { say("标点符号不能单独搜索，请输入文字或数字"); return; }
    say(count ? "找到 " + count + " 条含“" + query + "”的结果" : "没有找到“" + query + "”");
  }

  function run(term) {
    var ticket = ++pending;
    var q = term.trim();
    ui.msg.removeAttribute("data-sb-done");
    ui.list.textContent = "";
    ui.more.hidden = true;
    shown = [];
    if (!q) { say(""); return; }
    say("正在搜索“" + q + "”……");
    find(q).then(function (found) {
      if (ticket !== pending) { return; }
      query = q;
      terms = found.terms;
      shown = found.results;
      count = shown.length;
      sayCount();
      if (count) { showMore(ui.list, ui.more); } else { ui.msg.setAttribute("data-sb-done", q); }
    });
  }

  /* The next PAGE results. Each is checked on its own text before it is shown (what the index
     proves already holds; a page that does not hold every term is dropped and not counted). */
  function showMore(list, more) {
    var ticket = pending;
    var from = list.children.length;
    var batch = shown.slice(from, from + PAGE);
    more.hidden = true;
    ui.msg.removeAttribute("data-sb-done");
    Promise.all(batch.map(pageOf)).then(function (items) {
      if (ticket !== pending) { return; }
      var dropped = 0;
      items.forEach(function (d, i) {
        if (!pageHolds(d, terms)) {
          shown.splice(from + i - dropped, 1);
          dropped++;
          return;
        }
        var li = el("li", "pagefind-ui__result");
        var title = el("p", "pagefind-ui__result-title");
        var a = el("a", "pagefind-ui__result-link", d.title || d.url);
        a.href = d.url;
        title.appendChild(a);
        li.appendChild(title);
        if (d.sub) { li.appendChild(el("p", "sb-search-sub", d.sub)); }
        var ex = el("p", "pagefind-ui__result-excerpt");
        ex.innerHTML = excerptHtml(d, terms);  /* built from the escaped page text (markHtml) */
        li.appendChild(ex);
        list.appendChild(li);
      });
      if (dropped) {
        count = shown.length;
        sayCount();
        if (list.children.length < Math.min(shown.length, from + PAGE)) { showMore(list, more); return; }
      }
      more.hidden = list.children.length >= shown.length;
      ui.msg.setAttribute("data-sb-done", query);  /* for tests and benchmarks: this query is shown */
    });
  }

  /* The page behind a result: its path and readable text, from its side file <shard>/t/<id>.json
     (search.py _write_side_files), fetched once per page. Which shard: a result of the first
     term's search (sorted, the list every answer is cut from) says it by its score (mergeShards);
     otherwise, and on a site that merges its members' bundles (whose shards share weights with
     ours), the result's record says it (its key, search.py text_key: "qk", twelve letters, the
     shard spelled, a-j for 0-9 and k for -). A bundle without side files (a member site built
     before them) carries the text in its record. */
  var texts = {};

  function sideText(url) {
    return texts[url] || (texts[url] = fetch(url).then(function (res) {
      if (!res.ok) { delete texts[url]; throw new Error(res.status); }
      return res.json();
    }));
  }

  function pageOf(r) {
    var shard = !members.length && typeof r.score === "number" ? shardOfScore(r.score) : null;
    if (shard !== null) {
      return sideText(new URL((shard ? shard + "/" : "") + "t/" + r.id + ".json", bundleRoot).href).then(function (t) {
        return { url: sitePath + t.url, title: t.title, sub: t.sub, c: t.c, t: t.t };
      }, function () { return recordPage(r); });
    }
    return recordPage(r);
  }

  function recordPage(r) {
    return r.data().then(function (d) {
      var meta = d.meta || {};
      var key = meta.title || "";
      var member = memberOf(d.url);
      var known = { url: d.url, title: meta.title, sub: meta.sub, c: meta.c, t: meta.t };
      var text = !/^qk[a-z]{12}[a-k]*$/.test(key) ? Promise.resolve(known)
        : sideText(sideUrl(key, r.id, member ? member.bundle : bundleRoot));
      return text.then(function (t) {
        var page = { url: d.url, title: t.title, sub: t.sub, c: t.c, t: t.t };
        if (member) { page.sub = "【" + member.name + "】" + (page.sub ? " " + page.sub : ""); }
        return page;
      }, function () { return known; });
    });
  }

  function sideUrl(key, id, bundle) {
    var shard = key.slice(14).replace(/[a-k]/g, function (c) { return c === "k" ? "-" : String(c.charCodeAt(0) - 97); });
    return new URL((shard ? shard + "/" : "") + "t/" + id + ".json", bundle).href;
  }

  /* The shards of a bundle (pagefind/sb-shards.json, newest first; none for an older bundle). */
  function shardsOf(bundle) {
    return fetch(new URL("sb-shards.json", bundle).href).then(function (res) {
      return res.ok ? res.json() : { shards: [] };
    }).then(function (m) { return (m && m.shards) || []; }, function () { return []; });
  }

  /* Merge shards so that results come newest shard first: with a sort, Pagefind scores a shard's
     results by their page's place in the shard's order (1 … n; search.py FIRST_PAGE takes 0) and
     orders the merged results by score times the shard's weight, so each newer shard weighs
     SHARD_STEP times more than the next older one (a shard holds far fewer pages than that); a
     site's own pages (help, rules) weigh 1. The weight also tells which shard a result is from. */
  var SHARD_STEP = 1e6;
  var weights = []; /* [weight, shard name] of our own shards, heaviest first */

  function shardOfScore(score) {
    for (var i = 0; i < weights.length; i++) {
      if (score >= weights[i][0] / 2) { return weights[i][1]; }
    }
    return "";  /* the site's own shard */
  }

  function mergeShards(list) {
    var names = [];
    list.forEach(function (s) { if (names.indexOf(s.name) < 0) { names.push(s.name); } });
    names.sort(function (a, b) {
      var x = a.split("-").map(Number), y = b.split("-").map(Number);
      return (y[0] - x[0]) || ((y[1] || 0) - (x[1] || 0));
    });
    return Promise.all(list.map(function (s) {
      var weight = Math.pow(SHARD_STEP, names.length - names.indexOf(s.name));
      var options = { indexWeight: weight };
      if (s.bundle === bundleRoot) {
        options.baseUrl = sitePath;
        weights.push([weight, s.name]);
      }
      return pf.mergeIndex(new URL(s.name + "/", s.bundle).href, options);
    })).then(function () {
      weights.sort(function (a, b) { return b[0] - a[0]; });
    });
  }

  /* An upper organisation's site also searches its members' sites (Pagefind multisite):
     members/search.json, written by the build (generator/site/member_pages.py), lists each
     member's name, site and pagefind/ bundle. A member whose bundle cannot be loaded is left
     out; its results are labelled with its name. */
  var members = [];
  var bundleRoot = null;
  var sitePath = "/";

  function mergeMembers(root, shards) {
    return fetch(new URL("members/search.json", root).href).then(function (res) {
      return res.ok ? res.json() : [];
    }).then(function (list) {
      return Promise.all((list || []).map(function (m) {
        /* only a bundle that answers is merged: a member that is down must not break the search */
        return fetch(new URL("pagefind-entry.json", m.bundle).href).then(function (res) {
          if (!res.ok) { return; }
          return pf.mergeIndex(m.bundle).then(function () {
            members.push(m);
            return shardsOf(m.bundle).then(function (names) {
              names.forEach(function (n) { shards.push({ name: n, bundle: m.bundle }); });
            });
          });
        }).catch(function () { /* unreachable member: search the others */ });
      }));
    }).catch(function () { /* no members */ });
  }

  function memberOf(url) {
    for (var i = 0; i < members.length; i++) {
      if (url && url.indexOf(members[i].site) === 0) { return members[i]; }
    }
    return null;
  }

  function load(done) {
    if (ui) { done(); return; }
    var box = document.getElementById("sb-search");
    if (!box) { return; }
    var root = base();
    bundleRoot = new URL("pagefind/", root).href;
    sitePath = root.pathname;
    var fold = fetch(new URL("pagefind/sb-fold.json", root).href).then(function (r) {
      return r.ok ? r.json() : "";
    }).then(function (pairs) {
      var chars = Array.from(pairs);  /* traditional, simplified, traditional, simplified, … */
      for (var i = 0; i + 1 < chars.length; i += 2) { T2S[chars[i]] = chars[i + 1]; }
    }, function () { T2S = {}; });
    var shards = [];
    var own = shardsOf(bundleRoot).then(function (names) {
      names.forEach(function (n) { shards.push({ name: n, bundle: bundleRoot }); });
    });
    import(new URL("pagefind/pagefind.js", root).href).then(function (mod) {
      pf = mod;
      return Promise.all([pf.options({ baseUrl: root.pathname, indexWeight: 1 }), fold, own]);
    }).then(function () {
      return mergeMembers(root, shards);
    }).then(function () {
      return mergeShards(shards);
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
