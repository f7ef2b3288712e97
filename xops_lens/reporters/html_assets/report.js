// Sorting and filtering of the steps table: reads data- attributes, writes only
// textContent and attributes, never markup (the values come from CI files).
(function () {
  "use strict";
  var table = document.getElementById("steps-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var controls = document.getElementById("steps-controls");
  var count = document.getElementById("steps-count");
  var total = count.textContent;
  var field = function (id) { return document.getElementById(id); };
  var f = {file: field("f-file"), job: field("f-job"), subsystem: field("f-subsystem"),
           kind: field("f-kind"), confidence: field("f-confidence"), basis: field("f-basis")};
  var numeric = {line: 1, confidence: 1, perRun: 1, monthly: 1};

  var cells = {file: 0, job: 1, name: 2};
  var order = new Map();
  rows.forEach(function (row, i) { order.set(row, i); });
  function has(value, wanted) {
    return !wanted || value.toLowerCase().indexOf(wanted.toLowerCase()) >= 0;
  }
  function apply() {
    var shown = 0;
    var below = parseFloat(f.confidence.value);
    rows.forEach(function (row) {
      var d = row.dataset;
      var ok = has(row.cells[0].textContent, f.file.value) &&
        has(row.cells[1].textContent, f.job.value) &&
        (!f.subsystem.value || d.subsystem === f.subsystem.value) &&
        (!f.kind.value || d.kind === f.kind.value) &&
        (!f.basis.value || d.basis === f.basis.value) &&
        (isNaN(below) || parseFloat(d.confidence) < below);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown === rows.length ? total :
      shown + " of " + rows.length + " rows shown (filtered).";
    table.setAttribute("data-shown", String(shown));
  }
  function value(row, key) {
    if (key in cells) { return row.cells[cells[key]].textContent; }
    var v = row.dataset[key];
    if (numeric[key]) { return v === "" ? -Infinity : parseFloat(v); }
    return v;
  }
  function sortBy(key, descending) {
    rows.sort(function (a, b) {
      var x = value(a, key), y = value(b, key);
      var c = x < y ? -1 : x > y ? 1 : 0;
      if (key === "file") { c = order.get(a) - order.get(b); }  // rendered by file, line
      return descending ? -c : c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      var button = th.querySelector("button");
      if (button && button.getAttribute("data-sort") === key) {
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      } else {
        th.removeAttribute("aria-sort");
      }
    });
  }
  Array.prototype.forEach.call(table.querySelectorAll("th button"), function (button) {
    button.addEventListener("click", function () {
      var th = button.parentNode;
      sortBy(button.getAttribute("data-sort"), th.getAttribute("aria-sort") === "ascending");
    });
  });
  Object.keys(f).forEach(function (key) {
    f[key].addEventListener("input", apply);
    f[key].addEventListener("change", apply);
  });
  field("unsure").addEventListener("click", function () {
    f.confidence.value = field("unsure").getAttribute("data-threshold");
    apply();
    sortBy("confidence", false);
  });
  field("reset").addEventListener("click", function () {
    Object.keys(f).forEach(function (key) { f[key].value = ""; });
    apply();
    sortBy("file", false);
  });
  controls.hidden = false;
  document.documentElement.setAttribute("data-ready", String(rows.length));
}());
