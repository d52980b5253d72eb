/* What the staff pages share: an idempotency key per staff action, and a POST of a staff
 * command that retries with that same key, so the board applies the action once. */
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const RETRIES = 2;

  // crypto.getRandomValues works on plain http:// too (the venue LAN); randomUUID does not.
  function actionKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // POST a staff command; on no answer or 503 (engine busy) try again with the same key.
  // Resolves to the fetch Response, or null when the board never answered.
  async function post(path, payload) {
    const key = actionKey();
    for (let left = RETRIES; ; left -= 1) {
      let response = null;
      try {
        response = await fetch(path, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Idempotency-Key": key },
          body: JSON.stringify(payload || {}),
        });
      } catch (err) {
        response = null;
      }
      if ((response && response.status !== 503) || left <= 0) return response;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  window.LapgateStaff = { actionKey: actionKey, post: post };
})();
