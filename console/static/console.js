// leadrelay console: line numbers for the code editors, rows added to a
// mode's headers and fields, and select-all in the failed list. The pages
// work without it.
(function () {
  "use strict";

  function gutterFor(box) {
    var area = box.querySelector("textarea");
    if (!area) { return; }
    var gutter = document.createElement("pre");
    gutter.className = "gutter";
    gutter.setAttribute("aria-hidden", "true");
    box.insertBefore(gutter, area);
    var bad = parseInt(box.getAttribute("data-error-line") || "0", 10);
    function draw() {
      var lines = area.value.split("\n").length;
      gutter.textContent = "";
      for (var i = 1; i <= lines; i++) {
        var line = document.createElement("span");
        line.textContent = String(i);
        if (i === bad) { line.className = "bad"; }
        gutter.appendChild(line);
        gutter.appendChild(document.createTextNode("\n"));
      }
      gutter.style.height = area.offsetHeight + "px";
    }
    area.addEventListener("input", draw);
    area.addEventListener("scroll", function () { gutter.scrollTop = area.scrollTop; });
    draw();
    if (bad > 0) {
      var lines = area.value.split("\n");
      var start = 0;
      for (var j = 0; j < bad - 1 && j < lines.length; j++) { start += lines[j].length + 1; }
      area.focus();
      area.setSelectionRange(start, start + (lines[bad - 1] || "").length);
    }
  }

  function selectAll(box) {
    box.addEventListener("change", function () {
      var picks = document.querySelectorAll("input.pick");
      for (var i = 0; i < picks.length; i++) { picks[i].checked = box.checked; }
    });
  }

  // addRows lets a template's "Add a row" button add a blank row; without
  // it the form's blank rows do.
  function addRows(set) {
    var button = set.querySelector("button.add-row");
    var body = set.querySelector("tbody");
    if (!button || !body) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var last = body.querySelector("tr:last-child");
      if (!last) { return; }
      var row = last.cloneNode(true);
      row.className = "";
      var inputs = row.querySelectorAll("input");
      for (var i = 0; i < inputs.length; i++) {
        if (inputs[i].type === "checkbox") {
          inputs[i].checked = false;
          inputs[i].value = String(body.rows.length);
        } else {
          inputs[i].value = "";
        }
      }
      body.appendChild(row);
      row.querySelector("input").focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var sets = document.querySelectorAll("fieldset.rows");
    for (var k = 0; k < sets.length; k++) { addRows(sets[k]); }
    var boxes = document.querySelectorAll(".code");
    for (var i = 0; i < boxes.length; i++) { gutterFor(boxes[i]); }
    var all = document.getElementById("select-all");
    if (all) { selectAll(all); }
  });
})();
