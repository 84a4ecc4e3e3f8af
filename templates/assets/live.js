/* 仅在 shangbao serve 预览时加载：报告改动后自动刷新页面。 */
(function () {
  "use strict";
  var last = null;
  function poll() {
    fetch("/__sb_version?" + Date.now(), { cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (v) {
        if (v !== null) {
          if (last !== null && v !== last) { window.location.reload(); return; }
          last = v;
        }
        setTimeout(poll, 300);
      })
      .catch(function () { setTimeout(poll, 1500); });
  }
  poll();
})();
