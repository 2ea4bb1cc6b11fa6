/* The intake form (@@intake): the procedure picker, its checklist and fee, the due date
   before saving, the applicant's earlier data and more component rows. Its URLs and labels
   come from the form's data-intake attribute (no inline script: CSP). */
(function () {
  "use strict";

  function getJSON(url, params) {
    var query = Object.keys(params).map(function (key) {
      return encodeURIComponent(key) + "=" + encodeURIComponent(params[key]);
    }).join("&");
    return fetch(url + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function setup(form) {
    var config = JSON.parse(form.getAttribute("data-intake"));
    var labels = config.labels;
    var search = document.getElementById("intake-procedure-search");
    var results = document.getElementById("intake-procedure-results");
    var select = document.getElementById("intake-procedure-code");
    var rows = document.getElementById("intake-component-rows");
    var next = rows.querySelectorAll("tr").length;
    var timer = null;

    function row(title) {
      var i = next++;
      var tr = el("tr", { "data-row": String(i) });
      var name = el("td");
      name.appendChild(el("input", { "class": "form-control form-control-sm", type: "text",
                                     name: "component_title_" + i, value: title || "" }));
      var kind = el("td");
      var choice = el("select", { "class": "form-select form-select-sm", name: "component_kind_" + i });
      config.kinds.forEach(function (k) { choice.appendChild(el("option", { value: k.value }, k.title)); });
      kind.appendChild(choice);
      var digitised = el("td");
      digitised.appendChild(el("input", { "class": "form-check-input", type: "checkbox", value: "1",
                                          checked: "checked", name: "component_digitised_" + i }));
      var files = el("td");
      files.appendChild(el("input", { "class": "form-control form-control-sm", type: "file", multiple: "multiple",
                                      name: "component_files_" + i }));
      [name, kind, digitised, files].forEach(function (td) { tr.appendChild(td); });
      rows.appendChild(tr);
      return tr;
    }

    function rowEmpty(tr) {
      var file = tr.querySelector("input[type=file]");
      return !file || !file.files || file.files.length === 0;
    }

    function showProcedure(item) {
      var fee = document.getElementById("intake-fee");
      fee.textContent = "";
      fee.appendChild(document.createTextNode(labels.fee + ": "));
      fee.appendChild(el("strong", {}, item.fee ? item.fee.toLocaleString("vi-VN") : labels.free));
      if (item.fee_note) { fee.appendChild(document.createTextNode(" (" + item.fee_note + ")")); }
      // The checklist: rows without a file yet give way to the procedure's components.
      Array.prototype.slice.call(rows.querySelectorAll("tr")).forEach(function (tr) {
        if (rowEmpty(tr)) { tr.remove(); }
      });
      (item.required_components.length ? item.required_components : [""]).forEach(function (title) { row(title); });
      getJSON(config.due, { procedure_code: item.code }).then(function (answer) {
        document.getElementById("intake-due").textContent = answer.ok ? answer.data.due_display : answer.data.error.message;
      });
    }

    function choose(item) {
      if (!select.querySelector("option[value='" + item.code + "']")) {
        select.appendChild(el("option", { value: item.code }, item.code + " – " + item.title));
      }
      select.value = item.code;
      search.value = item.title;
      results.textContent = "";
      showProcedure(item);
    }

    function find() {
      getJSON(config.procedures, { q: search.value }).then(function (answer) {
        results.textContent = "";
        if (!answer.data.items.length) {
          results.appendChild(el("div", { "class": "list-group-item text-muted" }, labels.none));
        }
        answer.data.items.forEach(function (item) {
          var button = el("button", { type: "button", "class": "list-group-item list-group-item-action intake-procedure",
                                      "data-code": item.code }, item.code + " – " + item.title);
          button.addEventListener("click", function () { choose(item); });
          results.appendChild(button);
        });
      });
    }

    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(find, 200);
    });
    select.addEventListener("change", function () {
      if (!select.value) { return; }
      getJSON(config.procedures, { q: select.value }).then(function (answer) {
        answer.data.items.filter(function (item) { return item.code === select.value; }).forEach(showProcedure);
      });
    });
    if (select.value) {
      getJSON(config.due, { procedure_code: select.value }).then(function (answer) {
        if (answer.ok) { document.getElementById("intake-due").textContent = answer.data.due_display; }
      });
    }

    document.getElementById("intake-add-component").addEventListener("click", function () { row(""); });

    document.getElementById("intake-applicant-lookup").addEventListener("click", function () {
      var id = document.getElementById("intake-applicant_id").value;
      var note = document.getElementById("intake-applicant-note");
      getJSON(config.applicant, { applicant_id: id }).then(function (answer) {
        if (!answer.ok) {
          note.textContent = answer.data.error.message;
          return;
        }
        ["applicant_name", "applicant_address", "applicant_phone", "applicant_email"].forEach(function (name) {
          var input = document.getElementById("intake-" + name);
          if (input && answer.data[name]) { input.value = answer.data[name]; }
        });
        note.textContent = labels.found.replace("${code}", answer.data.dossier_code);
      });
    });
  }

  function start() {
    var form = document.getElementById("intake-form");
    if (form) { setup(form); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
