// Behaviour shared by all pages; no inline scripts (Content-Security-Policy forbids them).
(function () {
  "use strict";

  // Ask before destructive actions: forms carry the question in data-confirm.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // Show the occurrences a deadline text gives while the coordinator types.
  var input = document.querySelector("[data-deadline-preview]");
  if (input) {
    var target = document.getElementById("deadline-preview");
    var url = input.getAttribute("data-deadline-preview");
    var timer = null;
    var render = function (data) {
      target.textContent = "";
      var rule = document.createElement("div");
      rule.className = "fw-semibold";
      rule.textContent = data.rule || "Правило не распознано";
      target.appendChild(rule);
      if (data.note) {
        var note = document.createElement("div");
        note.className = "small text-muted";
        note.textContent = data.note;
        target.appendChild(note);
      }
      if (data.needs_review) {
        var warn = document.createElement("div");
        warn.className = "small text-warning-emphasis";
        warn.textContent = "Сроки потребуют уточнения координатором.";
        target.appendChild(warn);
      }
      var list = document.createElement("ul");
      list.className = "small mb-0 preview-list";
      data.occurrences.forEach(function (o) {
        var li = document.createElement("li");
        li.textContent = o.due_text;
        list.appendChild(li);
      });
      if (!data.occurrences.length) {
        var none = document.createElement("li");
        none.textContent = "Сроков не получилось";
        list.appendChild(none);
      }
      target.appendChild(list);
    };
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch(url + "?text=" + encodeURIComponent(input.value), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) { if (data) { render(data); } });
      }, 300);
    });
  }
})();
