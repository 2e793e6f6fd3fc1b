// Progressive enhancement only: every page works without this script.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

document.body.classList.replace("js-enabled-pending", "js-enabled");
initAll();

// Idle lock. The server locks a session that has been idle too long; this moves the screen to the
// lock page at that moment, so no client data stays on an unattended screen. While someone is
// typing or moving about the page, it tells the server they are still there (at most once a
// minute), so a long note is not lost to the lock.
const body = document.body;
const timeout = Number(body.dataset.idleTimeout || 0) * 1000;
if (timeout > 0) {
  const keepAliveUrl = body.dataset.keepAliveUrl;
  const lockUrl = body.dataset.lockUrl;
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  let lastActivity = Date.now();
  let lastPing = Date.now();

  const ping = () => {
    lastPing = Date.now();
    fetch(keepAliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", "X-Requested-With": "fetch" },
    }).then((response) => {
      if (response.status === 401) window.location.assign(lockUrl);
    });
  };

  const activity = () => {
    lastActivity = Date.now();
    if (lastActivity - lastPing > 60_000) ping();
  };
  for (const event of ["keydown", "pointerdown", "pointermove", "scroll"]) {
    window.addEventListener(event, activity, { passive: true });
  }

  window.setInterval(() => {
    if (Date.now() - lastActivity >= timeout) window.location.assign(lockUrl);
  }, 5_000);
}
