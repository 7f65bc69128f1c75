/* Khata's small amount of behaviour. Everything works without it; it only makes pages quicker.
 * - sends the CSRF token with every htmx request (read from <meta name="csrf-token">);
 * - submits a form when a control marked data-autosubmit changes (language switcher, filters);
 * - leaves empty fields out of htmx GETs from inside an element marked data-drop-empty;
 * - marks <html class="js"> so buttons needed only without JavaScript can hide (.js-hidden).
 * No inline scripts anywhere: the Content-Security-Policy forbids them.
 */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
    // A filter form marked data-drop-empty leaves unset filters out of the (pushed) URL.
    var source = event.detail.elt;
    if (event.detail.verb === "get" && source && source.closest && source.closest("[data-drop-empty]")) {
      var params = event.detail.parameters;
      Object.keys(params).forEach(function (name) {
        if (params[name] === "") {
          delete params[name];
        }
      });
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement) || !target.hasAttribute("data-autosubmit")) {
      return;
    }
    var form = target.form || target.closest("form");
    if (!form || form.hasAttribute("hx-get") || form.hasAttribute("hx-post")) {
      return; // htmx handles its own forms
    }
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });

  // Ask before a destructive action: <button data-confirm="Really?">.
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-confirm]") : null;
    if (target && !window.confirm(target.getAttribute("data-confirm") || "")) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
})();
