/* kefu: draws the ECharts charts a page declares, with no inline script.
 *
 *   {{ option|json_script:"tickets-by-day" }}
 *   <div class="chart" data-chart="tickets-by-day" role="img" aria-label="…"></div>
 *
 * The option is ECharts' own option object, built on the server. Charts follow the
 * page language, resize with the window and are drawn again after htmx swaps. */
(function () {
  "use strict";

  var LOCALES = { ko: "KO", "zh-hans": "ZH", zh: "ZH" };

  function locale() {
    var lang = (document.documentElement.lang || "en").toLowerCase();
    return LOCALES[lang] || "EN";
  }

  function draw(root) {
    if (typeof window.echarts === "undefined") return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) return;
      var chart = window.echarts.getInstanceByDom(el) ||
        window.echarts.init(el, null, { renderer: "svg", locale: locale() });
      chart.setOption(JSON.parse(source.textContent), true);
    });
  }

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      document.querySelectorAll("[data-chart]").forEach(function (el) {
        var chart = window.echarts && window.echarts.getInstanceByDom(el);
        if (chart) chart.resize();
      });
    }, 150);
  });

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) { draw(event.target); });
  window.kefuCharts = { draw: draw };
})();
