// Progressive enhancement only: every form works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // The "search" button is the no-JavaScript fallback for the intake child search.
  document.querySelectorAll(".nojs").forEach(function (el) { el.hidden = true; });
  // Typing a name in the intake search selects "registered child" as the subject.
  var q = document.getElementById("child-q");
  var subject = document.getElementById("subject-child");
  if (q && subject) {
    q.addEventListener("input", function () { subject.checked = true; });
    q.addEventListener("keydown", function (e) {
      // Enter in the search box must not submit the whole consultation by accident.
      if (e.key === "Enter") { e.preventDefault(); }
    });
  }
  // Destructive actions ask once (disable a user, withdraw a consent…).
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
  // Print buttons (statements): CSP forbids inline handlers.
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  // The outage list refreshes itself every 10 s; skip a refresh while someone is typing a
  // check-in in it, so the swap never throws away what they are entering.
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    var el = e.detail && e.detail.elt;
    if (!el || !el.hasAttribute || !el.hasAttribute("data-poll")) { return; }
    var active = document.activeElement;
    var typing = active && el.contains(active) && (active.tagName === "INPUT" || active.tagName === "SELECT");
    var filled = Array.prototype.some.call(el.querySelectorAll("input[name=note]"), function (i) { return i.value !== ""; });
    if (typing || filled) { e.preventDefault(); }
  });
  var person = document.getElementById("person_name");
  var personRadio = document.getElementById("subject-person");
  if (person && personRadio) {
    person.addEventListener("input", function () { personRadio.checked = true; });
  }
});
