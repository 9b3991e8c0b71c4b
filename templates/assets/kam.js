// kam reports: optional sorting and filtering of tables. Every page is complete without it.
(function () {
  "use strict";
  var lang = document.documentElement.lang;
  var L = lang === "zh-CN"
    ? { filter: "筛选", sort: "排序" }
    : { filter: "Filter rows", sort: "Sort by this column" };

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
  }

  function makeSortable(table) {
    var head = table.tHead;
    if (!head || !table.tBodies.length) return;
    Array.prototype.forEach.call(head.rows[0].cells, function (th, index) {
      var kind = th.getAttribute("data-sort") || "text";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.title = L.sort;
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(head.rows[0].cells, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index), c;
          if (kind === "number") c = (parseFloat(x) || 0) - (parseFloat(y) || 0);
          else c = x.localeCompare(y, lang);
          return ascending ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function makeFilterable(table, n) {
    var label = document.createElement("label");
    label.className = "kam-filter";
    label.textContent = L.filter + " ";
    var input = document.createElement("input");
    input.type = "search";
    input.id = "kam-filter-" + n;
    label.htmlFor = input.id;
    label.appendChild(input);
    var box = table.parentNode.classList.contains("scroll") ? table.parentNode : table;
    box.parentNode.insertBefore(label, box);
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var text = row.textContent.toLowerCase();
        row.hidden = !words.every(function (w) { return text.indexOf(w) !== -1; });
      });
    });
  }

  // Browsers without ::details-content still print the figures under each chart.
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details:not([open])"), function (d) {
      d.setAttribute("open", "");
      d.setAttribute("data-kam-print", "");
    });
  });
  window.addEventListener("afterprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details[data-kam-print]"), function (d) {
      d.removeAttribute("open");
      d.removeAttribute("data-kam-print");
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    var tables = document.querySelectorAll("table[data-filter]");
    Array.prototype.forEach.call(tables, function (table, n) {
      makeSortable(table);
      makeFilterable(table, n);
    });
  });
})();
