/* 信息上报网站：页眉搜索（Pagefind）。不从外部加载任何东西：pagefind-ui.js 与索引都在本站 pagefind/ 下。 */
(function () {
  "use strict";
  var loaded = false;
  var ui = null;

  function base() {
    var btn = document.querySelector("[data-sb-search-open]");
    var rel = btn ? btn.getAttribute("data-sb-base") || "." : ".";
    return new URL(rel.replace(/\/?$/, "/"), window.location.href);
  }

  function load(done) {
    if (loaded) { done(); return; }
    var root = base();
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = new URL("pagefind/pagefind-ui.css", root).href;
    document.head.appendChild(css);
    var s = document.createElement("script");
    s.src = new URL("pagefind/pagefind-ui.js", root).href;
    s.onload = function () {
      loaded = true;
      ui = new window.PagefindUI({
        element: "#sb-search",
        bundlePath: new URL("pagefind/", root).pathname,
        baseUrl: root.pathname,
        showImages: false,
        showSubResults: true,
        excerptLength: 40,
        resetStyles: false,
        translations: {
          placeholder: "输入标题、单位名或正文中的词语",
          clear_search: "清除",
          load_more: "显示更多结果",
          search_label: "搜索本站",
          filters_label: "筛选",
          zero_results: "没有找到与“[SEARCH_TERM]”相关的报告",
          many_results: "找到 [COUNT] 条与“[SEARCH_TERM]”相关的结果",
          one_result: "找到 1 条与“[SEARCH_TERM]”相关的结果",
          alt_search: "没有找到“[SEARCH_TERM]”，以下是“[DIFFERENT_TERM]”的结果",
          search_suggestion: "没有找到“[SEARCH_TERM]”，请换个词试试：",
          searching: "正在搜索“[SEARCH_TERM]”……"
        }
      });
      done();
    };
    s.onerror = function () {
      var box = document.getElementById("sb-search");
      if (box) { box.textContent = "搜索索引不可用（网站可能尚未建立索引）。"; }
    };
    document.head.appendChild(s);
  }

  function focusInput() {
    var input = document.querySelector("#sb-search input");
    if (input) { input.focus(); } else { setTimeout(focusInput, 50); }
  }

  function open(query) {
    var panel = document.getElementById("sb-search-panel");
    if (!panel) { return; }
    panel.hidden = false;
    document.documentElement.classList.add("sb-search-open");
    load(function () {
      if (query && ui && ui.triggerSearch) { ui.triggerSearch(query); }
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
