// relais pages: draws the charts whose ECharts options the server put in
// <script type="application/json" data-chart="ID"> blocks, and sorts tables
// whose header cells carry data-sort. No inline handlers, no eval: the
// Content-Security-Policy allows scripts from this server only.
(function () {
  "use strict";

  function drawCharts() {
    var blocks = document.querySelectorAll('script[type="application/json"][data-chart]');
    if (!blocks.length) { return; }
    if (typeof window.echarts === "undefined") {
      document.documentElement.classList.add("no-charts");
      return;
    }
    var charts = [];
    blocks.forEach(function (block) {
      var el = document.getElementById(block.getAttribute("data-chart"));
      if (!el) { return; }
      var option;
      try {
        option = JSON.parse(block.textContent);
      } catch (e) {
        el.textContent = document.body.getAttribute("data-chart-unreadable") || "—";
        return;
      }
      var links = option.links;
      delete option.links;
      localize(option);
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      chartLinks(chart, links);
      el.setAttribute("data-drawn", "1");
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
    return charts;
  }

  // --- Chart links (docs/pages.md). A chart whose items open a page
  // carries, in its JSON, "links": links[seriesIndex][dataIndex] is the
  // address a click on that bar, point or cell opens. Only this server's
  // own paths are followed ("/..." but not "//host"), never another host.
  function chartLinks(chart, links) {
    if (!Array.isArray(links)) { return; }
    chart.on("click", function (p) {
      var series = links[p.seriesIndex];
      var href = Array.isArray(series) ? series[p.dataIndex] : null;
      if (typeof href === "string" && href.charAt(0) === "/" && href.charAt(1) !== "/") {
        window.location.assign(href);
      }
    });
  }
  // --- end of chart links.

  // Charts' numbers in the page's language. Functions cannot travel in
  // the chart's JSON, so the server marks what to format: an axis or the
  // tooltip carries "relaisFormat": {"decimals": N, "suffix": "…"}, and
  // this installs an Intl.NumberFormat of the page's lang (<html lang>):
  // 18 000 in French, 18,000 in English (docs/pages.md, "Languages and
  // formats").
  function numberFormatter(f) {
    var nf = new Intl.NumberFormat(document.documentElement.lang || undefined,
      { maximumFractionDigits: f.decimals || 0 });
    var suffix = f.suffix || "";
    return function (x) {
      if (Array.isArray(x)) { x = x[x.length - 1]; }
      var n = typeof x === "number" ? x : Number(x);
      if (x === null || x === undefined || x === "" || x === "-" || isNaN(n)) { return "—"; }
      return nf.format(n) + suffix;
    };
  }

  function eachOf(x, fn) {
    if (!x) { return; }
    (Array.isArray(x) ? x : [x]).forEach(fn);
  }

  function localize(option) {
    ["xAxis", "yAxis"].forEach(function (k) {
      eachOf(option[k], function (axis) {
        if (!axis.relaisFormat) { return; }
        axis.axisLabel = axis.axisLabel || {};
        axis.axisLabel.formatter = numberFormatter(axis.relaisFormat);
        // On a narrow card, drop labels that would run together
        // ("200400600800") rather than print them over each other.
        axis.axisLabel.hideOverlap = true;
        delete axis.relaisFormat;
      });
    });
    eachOf(option.tooltip, function (tip) {
      if (!tip.relaisFormat) { return; }
      tip.valueFormatter = numberFormatter(tip.relaisFormat);
      delete tip.relaisFormat;
    });
  }

  function cellValue(td) {
    var v = td.getAttribute("data-value");
    if (v === null) { v = td.textContent.trim(); }
    if (v === "") { return null; }
    var n = Number(v);
    return isNaN(n) ? v.toLowerCase() : n;
  }

  function sortable(table) {
    var heads = table.querySelectorAll("th[data-sort]");
    heads.forEach(function (th, _) {
      th.setAttribute("tabindex", "0");
      function sort(e) {
        // A definition's info button in the header opens the definition;
        // it does not sort.
        if (e && e.target && e.target.closest && e.target.closest("button.info, .definition")) { return; }
        var idx = Array.prototype.indexOf.call(th.parentNode.children, th);
        var asc = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a.cells[idx]), y = cellValue(b.cells[idx]);
          if (x === y) { return 0; }
          if (x === null) { return 1; }   // unknown values last, whatever the order
          if (y === null) { return -1; }
          var r = x < y ? -1 : 1;
          return asc ? r : -r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if ((e.key === "Enter" || e.key === " ") && e.target === th) { e.preventDefault(); sort(); } });
    });
  }

  function autoSubmit() {
    document.querySelectorAll("form.filters select").forEach(function (s) {
      s.addEventListener("change", function () {
        if (s.hasAttribute("data-goto")) {
          window.location.assign(s.value); // a same-origin path the server wrote
        } else {
          s.form.submit();
        }
      });
    });
  }

  // Printing (docs/pages.md, "Printing"). Charts are canvases drawn at the
  // screen's width: before printing, the html.printing class gives <main>
  // the width of an A4 landscape page (static/app.css, print block) and
  // every chart is drawn again at its element's new size; after printing,
  // at the screen's. A button with data-print opens the browser's print
  // dialog (whose "Save as PDF" is the PDF); no inline handler, per the CSP.
  function printable(charts) {
    var root = document.documentElement;
    function redraw() { charts.forEach(function (c) { c.resize(); }); }
    window.addEventListener("beforeprint", function () { root.classList.add("printing"); redraw(); });
    window.addEventListener("afterprint", function () { root.classList.remove("printing"); redraw(); });
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  }

  window.relais = {
    start: function () {
      var charts = drawCharts() || [];
      document.querySelectorAll("table.sortable").forEach(sortable);
      autoSubmit();
      printable(charts);
    }
  };
})();
