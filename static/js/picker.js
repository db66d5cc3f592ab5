// Turns each <select multiple data-picker> (common.widgets.SearchableSelectMultiple) into
// Tom Select's search box, the chosen values shown as chips with a remove button.
// Progressive enhancement: Tom Select keeps the original <select>'s options selected, so
// the form submits exactly what it would without this script; nothing here is needed to
// submit. The words come from the select's data-picker-* attributes, translated by Django.
(function () {
  "use strict";

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_match, key) {
      return values[key];
    });
  }

  function escapeHtml(text) {
    const span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  // Tom Select's remove buttons are named in English; name them in the page's language.
  function nameRemoveButtons(tom, words) {
    tom.control.querySelectorAll(".item").forEach(function (item) {
      const button = item.querySelector(".remove");
      const option = tom.options[item.dataset.value];
      if (button && option) {
        const name = fill(words.remove, { item: option.text });
        button.setAttribute("aria-label", name);
        button.title = name;
      }
    });
  }

  function enhance(select) {
    if (select.tomselect || typeof window.TomSelect !== "function") {
      return;
    }
    const words = {
      help: select.dataset.pickerHelp,
      noResults: select.dataset.pickerNoResults,
      remove: select.dataset.pickerRemove,
      added: select.dataset.pickerAdded,
      removed: select.dataset.pickerRemoved,
    };
    // Tom Select moves the label to its search box; the help text and any error stay
    // described there too, and the Ctrl-click hint gives way to one for the new control.
    const describedBy = select.getAttribute("aria-describedby");
    const invalid = select.getAttribute("aria-invalid");
    const help = document.getElementById(select.id + "_helptext");
    if (help && words.help) {
      help.textContent = words.help;
    }
    // Announces what was added or removed: the chips themselves change silently.
    const status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");

    const tom = new window.TomSelect(select, {
      plugins: { remove_button: { label: "×", title: "" } },
      maxOptions: null,
      // Filter at each keystroke, not 300 ms later: "keny" then a quick Enter must add
      // Kenya, not the option that was first before the list caught up.
      refreshThrottle: 0,
      hideSelected: true,
      // Closed after each choice: an open list would cover the fields below, and a click
      // meant for them would add a place. Typing again opens it.
      closeAfterSelect: true,
      clearAfterSelect: true,
      placeholder: select.dataset.pickerPlaceholder,
      render: {
        no_results: function (data) {
          return '<div class="no-results">' + escapeHtml(fill(words.noResults, { query: data.input })) + "</div>";
        },
      },
      onItemAdd: function (value) {
        nameRemoveButtons(this, words);
        status.textContent = fill(words.added, { item: this.options[value].text });
      },
      onItemRemove: function (value) {
        status.textContent = fill(words.removed, { item: this.options[value].text });
      },
    });
    nameRemoveButtons(tom, words);
    tom.wrapper.appendChild(status);
    const input = tom.control_input;
    // The search text is not a value of the form: like a plain select's type-ahead, it does
    // not tell the form that something changed (the similar-work panel would ask again at
    // every letter). Tom Select's own listeners sit on the box itself and still hear it.
    tom.wrapper.addEventListener("input", function (event) {
      if (event.target === input) {
        event.stopPropagation();
      }
    });
    if (!help && words.help) {
      const hint = document.createElement("p");
      hint.className = "help";
      hint.id = select.id + "_pickerhelp";
      hint.textContent = words.help;
      tom.wrapper.parentNode.insertBefore(hint, tom.wrapper);
      input.setAttribute("aria-describedby", [hint.id, describedBy].filter(Boolean).join(" "));
    } else if (describedBy) {
      input.setAttribute("aria-describedby", describedBy);
    }
    if (invalid) {
      input.setAttribute("aria-invalid", invalid);
    }
  }

  // Deferred: the document is parsed by the time this runs.
  document.querySelectorAll("select[data-picker]").forEach(enhance);
})();
