// The similar-work panel of the activity entry form (templates/activities/activity_form.html).
// htmx asks for it again as the person types; this script only refines that:
// - an answer that says what the panel already says is not swapped in, so the links do
//   not move under the pointer and nothing is read out again;
// - when the panel changes, its first sentence (.similar-summary) is read out politely,
//   rather than the whole list at every pause in typing;
// - "Check for similar activities first" asks for the panel without leaving the page.
// Without this script (or htmx) the button submits the form and the page comes back with
// the panel, as it does without JavaScript.
(function () {
  "use strict";
  const panel = document.getElementById("similar-panel");
  const status = document.getElementById("similar-status");
  const button = document.querySelector("[data-similar-check]");
  if (!panel || !status || !window.htmx) {
    return;
  }
  let asked = false;

  function words(node) {
    return node.textContent.replace(/\s+/g, " ").trim();
  }

  panel.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target !== panel || !event.detail.shouldSwap) {
      return;
    }
    const incoming = document.createElement("template");
    incoming.innerHTML = event.detail.serverResponse;
    if (!asked && words(incoming.content) === words(panel)) {
      event.detail.shouldSwap = false;
    }
  });

  panel.addEventListener("htmx:afterSwap", function () {
    const summary = panel.querySelector(".similar-summary");
    // Emptied first: the same sentence again (after pressing the button) is still news.
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = summary ? words(summary) : "";
    }, 50);
  });

  panel.addEventListener("htmx:afterRequest", function () {
    asked = false;
  });

  if (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      asked = true;
      window.htmx.trigger(panel, "similar:check");
    });
  }
})();
