// A calm warning before the idle sign-out, with a way to stay signed in.
// Nothing is lost if the sign-out happens: the server keeps what a form sends
// and offers it back after signing in again.
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.dataset.idleSeconds || "0", 10);
  var warnBefore = parseInt(body.dataset.warnSeconds || "0", 10);
  var box = document.getElementById("idle-warning");
  var stay = document.getElementById("idle-stay");
  if (!idle || !box || !stay) { return; }
  var warnTimer = null;

  function schedule() {
    if (warnTimer) { clearTimeout(warnTimer); }
    box.hidden = true;
    warnTimer = setTimeout(function () {
      box.hidden = false;
      stay.focus();
    }, Math.max(idle - warnBefore, 1) * 1000);
  }

  stay.addEventListener("click", function () {
    var data = new FormData();
    data.append("csrf_token", body.dataset.csrf);
    fetch(body.dataset.pingUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (response.ok) { schedule(); } else { box.querySelector("#idle-warning-text").textContent = "Your session has already ended. Anything you send now will be kept; sign in again to carry on."; }
      });
  });
  schedule();
}());
