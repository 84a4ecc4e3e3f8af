/* 信息上报网站：页眉搜索（本站自己的静态索引 sb-index/）。不从外部加载任何东西。 */
(function () {
  "use strict";

  /* Search (SPEC §13), on the site's own static index (generator/site/textindex.py, which explains
     the format). A page's folded text and each term are cut into units: a word (letters and
     digits that are not Chinese, a "." between two digits inside it: 3.5, v1.2), a run of spaces,
     any other single character. A page holds a term when the term's units stand in its units one
     after another; the index lists, for every run of 1–4 units (a token), the pages holding it, in
     buckets (d/<b>.bin) chosen by a hash of the token's units. A term of up to 4 units is one
     token; a longer one is covered by 4-unit tokens at offsets 0, 4, 8, … and L-4, its candidates
     checked on those tokens' positions (q/) or, when they are few, on their text. Pages must hold
     every term (the lists are intersected here). The index is cut into shards (meta.json lists
     them in rank order), each a folder of these files with page ids of its own; every shard is
     asked, and its results follow those of the shards before it within each rank. The excerpt is
     cut here from the page's own text (in t/<g>.json of its shard's folder, a few pages': url,
     title, sub, c: metadata card, t: body). Keep foldText, units and tokenHash in step with
     textindex.py. */
  var HAN = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{3134f}";
  var WORDCH = "(?:(?![" + HAN + "])[\\p{L}\\p{N}])";
  var HAN_SPACE = new RegExp("([" + HAN + "]) (?=[" + HAN + "])", "gu");
  var STARTS_WORD = new RegExp("^" + WORDCH, "u");
  var ENDS_WORD = new RegExp(WORDCH + "$", "u");
  var EXCERPT_BEFORE = 24; /* characters shown before the first match */
  var EXCERPT_CHARS = 110;
  var CHECK_TEXT = 5; /* a long term with this few candidates is checked on their text (shown anyway) */
  var T2S = {};
  var CARD_SEP = "\u2063"; /* between the lines of the metadata card (search.py CARD_SEP) */

  /* traditional → simplified (OpenCC's table, sb-index/fold.json), full-width → half-width,
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

  /* The units of folded text (textindex.py units): words, runs of spaces (" "), other characters
     one by one. */
  var UNIT = new RegExp(WORDCH + "+(?:(?<=\\p{Nd})\\.(?=\\p{Nd})" + WORDCH + "+)*|\\s+|[^]", "gu");
  var CONTENT = new RegExp("^(?:[" + HAN + "]|[\\p{L}\\p{N}])", "u");

  function unitsOf(text) {
    return (text.match(UNIT) || []).map(function (u) { return /^\s/.test(u) ? " " : u; });
  }

  function isContent(u) { return CONTENT.test(u); }

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  /* Where a folded term stands in folded text: as written, spaces inside it matching any spaces,
     letters and digits at its ends not continuing a longer word or number (3 is not 37 nor 3.5,
     5 is not the end of 3.5), a term that starts or ends at a decimal point not cutting a
     decimal (3. is not in 3.5). A letter after "3." starts a word (1.LED灯 holds LED): the
     index's units (textindex.py) say the same. */
  function termPattern(term) {
    var re = escapeRe(term).replace(/\s+/g, "\\s+");
    if (STARTS_WORD.test(term)) { re = "(?<!" + WORDCH + (/^\p{Nd}/u.test(term) ? "|\\p{Nd}\\." : "") + ")" + re; }
    else if (/^\.\p{Nd}/u.test(term)) { re = "(?<!\\p{Nd})" + re; }
    if (ENDS_WORD.test(term)) { re += "(?!" + WORDCH + (/\p{Nd}$/u.test(term) ? "|\\.\\p{Nd}" : "") + ")"; }
    else if (/\p{Nd}\.$/u.test(term)) { re += "(?!\\p{Nd})"; }
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
      var units = unitsOf(text);
      if (!units.some(isContent)) { continue; }  /* punctuation only */
      terms.push({ text: text, units: units, pattern: termPattern(text) });
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

  /* --- the index (textindex.py) ------------------------------------------------------------- */

  var TEXT = 0, TITLE = 1, HEADING = 2, OWN_FILE = 8, OWN_POSITIONS = 16;
  var UNIT_SEP = "\u001f";
  var utf8 = new TextEncoder();
  var fromUtf8 = new TextDecoder();

  function fnv1a(bytes) {
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) { h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0; }
    return h;
  }

  /* textindex.py token_hash: FNV-1a over the units' own FNV-1a hashes */
  function tokenHash(units) {
    var h = 0x811c9dc5;
    units.forEach(function (u) { h = Math.imul(h ^ fnv1a(utf8.encode(u)), 0x01000193) >>> 0; });
    return h;
  }

  function Reader(data) { this.d = data; this.at = 0; }
  Reader.prototype.v = function () {
    var n = 0, mul = 1, b;
    do { b = this.d[this.at++]; n += (b & 0x7f) * mul; mul *= 128; } while (b >= 0x80);
    return n;
  };
  Reader.prototype.bytes = function (n) { var out = this.d.subarray(this.at, this.at + n); this.at += n; return out; };

  /* A root: one site's index (ours, or a member's) and where its pages live; its shards (a folder
     each, page ids of their own: a shard's ids follow those of the shards before it). */
  function fetchBytes(shard, path) {
    var url = new URL(path, shard.data).href;
    return shard.files[url] || (shard.files[url] = fetch(url).then(function (res) {
      if (!res.ok) { delete shard.files[url]; throw new Error(res.status); }
      return res.arrayBuffer();
    }).then(function (buf) { return new Uint8Array(buf); }));
  }

  /* d/<b>.bin: "kind␟spelling" → entry {flags, count, index, list (inline bytes) or own (file number)} */
  function bucket(shard, b) {
    return shard.buckets[b] || (shard.buckets[b] = fetchBytes(shard, "d/" + b + ".bin").then(function (data) {
      var r = new Reader(data);
      var map = new Map();
      var own = 0;
      for (var index = 0; r.at < data.length; index++) {
        var flags = r.v();
        var word = fromUtf8.decode(r.bytes(r.v()));
        var e = { b: b, index: index, flags: flags, count: r.v() };
        if (flags & OWN_FILE) { e.own = own++; } else { e.fmt = r.v(); e.data = r.bytes(r.v()); }
        map.set((flags & 3) + word, e);
      }
      return map;
    }));
  }

  function entryOf(shard, kind, units) {
    var b = tokenHash(units) % shard.meta.buckets;
    return bucket(shard, b).then(function (map) { return map.get(kind + units.join(UNIT_SEP)) || null; });
  }

  var NONE = new Uint32Array(0);

  /* the page ids of an entry, ascending */
  function pagesOf(shard, e) {
    if (!e) { return Promise.resolve(NONE); }
    if (e.pages) { return e.pages; }
    var data = e.data ? Promise.resolve([e.fmt, e.data])
      : fetchBytes(shard, "p/" + e.b + "-" + e.own + ".bin").then(function (d) { return [d[0], d.subarray(1)]; });
    return (e.pages = data.then(function (x) { return decodeList(x[0], x[1], e.count); }));
  }

  function decodeList(fmt, data, count) {
    var out = new Uint32Array(count);
    var n = 0;
    if (fmt === 1) {  /* a bitmap: page i is bit i % 8 of byte i / 8 */
      for (var i = 0; i < data.length && n < count; i++) {
        var byte = data[i];
        for (var k = 0; byte; k++, byte >>= 1) { if (byte & 1) { out[n++] = i * 8 + k; } }
      }
      return out;
    }
    var r = new Reader(data);
    var p = -1;
    while (n < count) { p += r.v() + 1; out[n++] = p; }
    return out;
  }

  function intersect(lists) {
    var out = lists[0];
    for (var i = 1; i < lists.length; i++) {
      var a = out, b = lists[i], x = 0, y = 0, n = 0;
      var next = new Uint32Array(Math.min(a.length, b.length));
      while (x < a.length && y < b.length) {
        if (a[x] < b[y]) { x++; } else if (a[x] > b[y]) { y++; } else { next[n++] = a[x]; x++; y++; }
      }
      out = next.subarray(0, n);
    }
    return out;
  }

  /* The 4-unit windows that cover a long term: offsets 0, 4, 8, … and L - 4 (a window of spaces
     and punctuation alone is not in the index: left out; the result is then checked on the text
     of the pages shown, as every result is). */
  function cover(units) {
    var offsets = [];
    for (var o = 0; o + 4 < units.length; o += 4) { offsets.push(o); }
    offsets.push(units.length - 4);
    var windows = offsets.map(function (o) { return { at: o, units: units.slice(o, o + 4) }; })
      .filter(function (w) { return w.units.some(isContent); });
    /* a window of spaces and punctuation alone is no token: the units only it covered are proved
       by no position (甲————————乙), so such a term is checked on the candidates' text */
    var covered = new Uint8Array(units.length);
    windows.forEach(function (w) { covered.fill(1, w.at, w.at + 4); });
    windows.gap = covered.indexOf(0) >= 0;
    return windows;
  }

  /* The pages of one shard holding a term (exact), or holding it in title and subtitle (kind
     HEADING: for ranking only, a long term by its cover), the shard's own ids. A long term's
     first cover token is looked up first: in most shards it is not there, and the others'
     buckets are not fetched. */
  function termPages(shard, term, kind) {
    if (term.units.length <= 4) {
      return entryOf(shard, kind, term.units).then(function (e) { return pagesOf(shard, e); });
    }
    var windows = cover(term.units);
    return entryOf(shard, kind, windows[0].units).then(function (first) {
      if (!first) { return [null]; }
      return Promise.all(windows.slice(1).map(function (w) { return entryOf(shard, kind, w.units); })).then(function (rest) {
        return [first].concat(rest);
      });
    }).then(function (entries) {
      if (entries.some(function (e) { return !e; })) { return NONE; }
      return Promise.all(entries.map(function (e) { return pagesOf(shard, e); })).then(function (lists) {
        var found = intersect(lists);
        if (kind !== TEXT || !found.length) { return found; }
        /* few candidates: checked on their text (fetched to show them, most likely) */
        if (found.length <= CHECK_TEXT || windows.gap) { return checkText(shard, found, term); }
        return checkPositions(shard, found, windows, entries);
      });
    });
  }

  function checkText(shard, ids, term) {
    var list = Array.prototype.slice.call(ids);
    return Promise.all(list.map(function (id) { return pageOf({ id: id, shard: shard, root: shard.root }); })).then(function (pages) {
      return Uint32Array.from(list.filter(function (id, i) { return pageHolds(pages[i], [term]); }));
    });
  }

  /* q/<b>-<c>.bin: the places of bucket b's 4-unit tokens in chunk c; this token's, for the pages
     wanted: page → sorted offsets */
  function placesOf(shard, e, chunk, wanted) {
    var own = e.flags & OWN_POSITIONS;  /* a common token's places: a file of their own */
    return fetchBytes(shard, "q/" + e.b + "-" + chunk + (own ? "-" + e.index : "") + ".bin").then(function (data) {
      var skip = 0, length = -1, at = 0;
      if (own) { length = data.length; } else {
        var r = new Reader(data);
        var n = r.v();
        for (var i = 0; i < n; i++) {
          var index = r.v(), len = r.v();
          if (index === e.index) { length = len; } else if (length < 0) { skip += len; }
        }
        at = r.at;
      }
      var out = new Map();
      if (length < 0) { return out; }
      var blob = new Reader(data.subarray(at + skip, at + skip + length));
      var page = -1;
      while (blob.at < length) {
        page += blob.v() + 1;
        var count = blob.v();
        var offs = new Uint32Array(count);
        var o = -1;
        for (var k = 0; k < count; k++) { o += blob.v() + 1; offs[k] = o; }
        if (wanted.has(page)) { out.set(page, offs); }
      }
      return out;
    });
  }

  function checkPositions(shard, found, windows, entries) {
    var chunkSize = shard.meta.chunk;
    var wanted = new Set(found);
    var chunks = [];
    found.forEach(function (id) {
      var c = Math.floor(id / chunkSize);
      if (chunks.indexOf(c) < 0) { chunks.push(c); }
    });
    return Promise.all(entries.map(function (e) {
      return Promise.all(chunks.map(function (c) { return placesOf(shard, e, c, wanted); })).then(function (maps) {
        var all = new Map();
        maps.forEach(function (m) { m.forEach(function (v, k) { all.set(k, v); }); });
        return all;
      });
    })).then(function (places) {
      return found.filter(function (id) {
        var first = places[0].get(id);
        if (!first) { return false; }
        return Array.prototype.some.call(first, function (p) {
          var start = p - windows[0].at;
          return windows.every(function (w, i) {
            var offs = places[i].get(id);
            return offs && has(offs, start + w.at);
          });
        });
      });
    });
  }

  function has(sorted, x) {
    var lo = 0, hi = sorted.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (sorted[mid] === x) { return true; }
      if (sorted[mid] < x) { lo = mid + 1; } else { hi = mid - 1; }
    }
    return false;
  }

  function flat(text) { return foldText(text || "").replace(/\s+/g, ""); }

  /* One root's results, in this order: the pages whose whole title is the query; pages whose
     title or subtitle holds every term; the others; by page id (newest first: the shards in
     order, each shard's own ids ascending) within each. */
  function findIn(root, terms, wanted) {
    return Promise.all(root.shards.map(function (s) { return findInShard(s, terms, wanted); })).then(function (per) {
      var byRank = [[], [], []];
      per.forEach(function (ranks) { for (var k = 0; k < 3; k++) { byRank[k] = byRank[k].concat(ranks[k]); } });
      return byRank[0].concat(byRank[1], byRank[2]);
    });
  }

  /* One shard's results by rank. The first term is looked up alone: a shard that lacks it needs
     none of the others' buckets, nor the heading and title ones. */
  function findInShard(shard, terms, wanted) {
    return termPages(shard, terms[0], TEXT).then(function (first) {
      if (!first.length || terms.length === 1) { return first; }
      return Promise.all(terms.slice(1).map(function (t) { return termPages(shard, t, TEXT); })).then(function (rest) {
        return intersect([first].concat(rest));
      });
    }).then(function (exact) {
      if (!exact.length) { return [[], [], []]; }
      var heading = Promise.all(terms.map(function (t) { return termPages(shard, t, HEADING); })).then(intersect);
      var titled = wanted ? entryOf(shard, TITLE, [wanted]).then(function (e) { return pagesOf(shard, e); })
        : Promise.resolve(NONE);
      return Promise.all([heading, titled]).then(function (all) {
        var rank = new Uint8Array(shard.meta.pages).fill(2);
        all[0].forEach(function (id) { rank[id] = 1; });
        all[1].forEach(function (id) { rank[id] = 0; });
        var byRank = [[], [], []];
        exact.forEach(function (id) { byRank[rank[id]].push({ id: id, shard: shard, root: shard.root }); });
        return byRank;
      });
    });
  }

  /* The results for a query: [{id, root}], the count exact; our own pages first, then each
     member's. */
  function find(q) {
    var terms = parseQuery(q);
    if (!terms.length) { return Promise.resolve({ terms: terms, results: [] }); }
    var wanted = flat(q.replace(/"/g, ""));
    var failed = false;
    /* our own meta.json asked again (a few hundred bytes): a site rebuilt since this page was
       opened is told apart even when every file this query needs was fetched before */
    var current = fetchMeta(roots[0].index).then(function (text) { return text === roots[0].metaText; },
                                                   function () { return false; });
    return Promise.all([current].concat(roots.map(function (root) {
      /* a member that cannot be read is left out (its site may be down); our own index that
         cannot be read is not "nothing found" */
      return findIn(root, terms, wanted).catch(function () { if (!root.member) { failed = true; } return []; });
    }))).then(function (lists) {
      return { terms: terms, results: [].concat.apply([], lists.slice(1)), stale: failed || !lists[0] };
    });
  }

  /* Our own index could not be read: the site was rebuilt since this page was opened (its files
     are in a folder of that build's own), or the server is unreachable. No count is said. */
  function stale(q) {
    shown = [];
    say("搜索索引已更新或暂时无法读取，请刷新页面后再搜索。");
    ui.list.textContent = "";
    ui.more.hidden = true;
    ui.msg.setAttribute("data-sb-done", q);
  }

  function base() {
    var btn = document.querySelector("[data-sb-search-open]");
    var rel = btn ? btn.getAttribute("data-sb-base") || "." : ".";
    return new URL(rel.replace(/\/?$/, "/"), window.location.href);
  }

  /* The results list: our own small UI. The class names are Pagefind UI's (the site's styles and
     tests use them). */
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

  var ui = null;

  var terms = [];
  var count = 0;
  var query = "";

  function say(text) { ui.msg.textContent = text; }

  function sayCount() {
    /* a query of punctuation alone is no search (the index leaves runs of punctuation alone out):
       saying 没有找到 would be false, nearly every page has a ， */
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
      if (found.stale) { stale(q); return; }
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
    /* a member's page whose text cannot be fetched is dropped like one that does not hold the
       terms; one of ours means the site was rebuilt or cannot be reached (stale) */
    var lost = false;
    Promise.all(batch.map(function (r) {
      return pageOf(r).catch(function () { if (!r.root.member) { lost = true; } return {}; });
    })).then(function (items) {
      if (ticket !== pending) { return; }
      if (lost) { stale(query); return; }
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

  /* The page behind a result: its path and readable text, from its shard's t/<g>.json (the texts
     of a few pages), fetched once. A member's page: its URL on the member's site, its subtitle
     prefixed with the member's name. */
  function pageOf(r) {
    var root = r.root;
    var group = r.shard.meta.texts;  /* t/<g>.json: the texts of pages g·G … g·G+G-1 */
    var url = new URL("t/" + Math.floor(r.id / group) + ".json", r.shard.data).href;
    var texts = root.texts[url] || (root.texts[url] = fetch(url).then(function (res) {
      if (!res.ok) { delete root.texts[url]; throw new Error(res.status); }
      return res.json();
    }));
    return texts.then(function (all) {
      var t = all[r.id % group];
      var page = { url: root.member ? new URL(t.url, root.site).href : sitePath + t.url,
                   title: t.title, sub: t.sub, c: t.c, t: t.t };
      if (root.member) { page.sub = "【" + root.member + "】" + (page.sub ? " " + page.sub : ""); }
      return page;
    });
  }

  /* The indexes searched: ours (sb-index/), then each member's when the site lists members
     (members/search.json, written by generator/site/member_pages.py: name, site, index). A
     member whose index cannot be loaded is left out: a member that is down must not break the
     search. */
  var roots = [];
  var sitePath = "/";

  /* never from the browser's cache: after a rebuild within the same second as the last one, a
     revalidation by Last-Modified (one-second steps) would keep the old meta.json, whose shards'
     folders may be gone */
  function fetchMeta(index) {
    return fetch(new URL("meta.json", index).href, { cache: "no-store" }).then(function (res) {
      if (!res.ok) { throw new Error(res.status); }
      return res.text();
    });
  }

  function openRoot(index, site, member) {
    var root = { index: index, site: site, member: member, texts: {} };
    return fetchMeta(index).then(function (text) {
      var meta = JSON.parse(text);
      if (!meta || meta.version !== 2) { throw new Error("version"); }
      root.meta = meta;
      root.metaText = text;
      /* each shard's files are in a folder named after what it was built from (textindex.py): a
         page opened before a shard changed asks for files that are gone, and says so, rather
         than reading another build's buckets and texts as if they were its own */
      root.shards = meta.shards.map(function (s) {
        return { root: root, data: new URL(s.id + "/", index).href, meta: { pages: s.pages, buckets: s.buckets, chunk: meta.chunk, texts: meta.texts },
                 files: {}, buckets: {} };
      });
      return root;
    });
  }

  function openMembers(root) {
    return fetch(new URL("members/search.json", root).href).then(function (res) {
      return res.ok ? res.json() : [];
    }).then(function (list) {
      return Promise.all((list || []).filter(function (m) { return m && m.index; }).map(function (m) {
        var site = new URL(m.site || ".", root).href;
        return openRoot(new URL(m.index, root).href, site, m.name || site).catch(function () { return null; });
      }));
    }).catch(function () { return []; });
  }

  function load(done) {
    if (ui) { done(); return; }
    var box = document.getElementById("sb-search");
    if (!box) { return; }
    var root = base();
    var index = new URL("sb-index/", root).href;
    sitePath = root.pathname;
    var fold = fetch(new URL("fold.json", index).href).then(function (r) {
      return r.ok ? r.json() : "";
    }).then(function (pairs) {
      var chars = Array.from(pairs);  /* traditional, simplified, traditional, simplified, … */
      for (var i = 0; i + 1 < chars.length; i += 2) { T2S[chars[i]] = chars[i + 1]; }
    }, function () { T2S = {}; });
    Promise.all([openRoot(index, root.href, null), openMembers(root), fold]).then(function (all) {
      roots = [all[0]].concat(all[1].filter(Boolean));
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
