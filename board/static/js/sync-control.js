// Control page: the central sync's state (queued items, last success, last error) and the
// records the league refused (quarantined here until staff fix them), each with its reason
// and a "Send again" button (POST /api/sync/retry) for after the fix; "Send all again" too.
(function () {
  "use strict";
  const side = document.querySelector(".side-panel");
  if (!side) return;
  const title = document.createElement("h2");
  title.textContent = "Central sync";
  const line = document.createElement("div");
  line.id = "sync-state";
  line.className = "muted";
  const refusedList = document.createElement("ul");
  refusedList.id = "sync-refused";
  refusedList.className = "muted sync-error";
  const retryAll = document.createElement("button");
  retryAll.type = "button";
  retryAll.id = "sync-retry-all";
  retryAll.textContent = "Send all again";
  retryAll.hidden = true;
  const retryNote = document.createElement("div");
  retryNote.id = "sync-retry-note";
  retryNote.className = "muted";
  side.append(title, line, refusedList, retryAll, retryNote);
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');

  async function retry(body) {
    try {
      const res = await fetch("/api/sync/retry", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfMeta ? csrfMeta.content : "" },
        body: JSON.stringify(body),
      });
      const data = await res.json().catch(() => ({}));
      retryNote.textContent = res.ok ? "Sending " + data.released + " again…" : "Not sent again: " + (data.error || res.status);
    } catch (e) { retryNote.textContent = "Not sent again: offline"; }
    refresh();
  }
  retryAll.addEventListener("click", () => retry({}));

  function showRefused(refused) {
    retryAll.hidden = !(refused || []).length;
    refusedList.replaceChildren(...(refused || []).map((r) => {
      const item = document.createElement("li");
      const what = r.kind === "run_event" ? "run " + r.id + " from event " + r.event_id : r.kind + " " + r.id;
      const text = document.createElement("span");
      text.textContent = "Refused " + what + ": " + r.reason; // textContent: never HTML
      const again = document.createElement("button");
      again.type = "button";
      again.className = "sync-retry";
      again.textContent = "Send again";
      again.title = "After fixing it (here or at the league): send it to the league again";
      again.addEventListener("click", () => retry({ kind: r.kind, id: r.id }));
      item.append(text, " ", again);
      return item;
    }));
  }

  function ago(epochS) {
    if (epochS == null) return "never";
    const s = Math.max(0, Math.round(Date.now() / 1000 - epochS));
    return s < 90 ? s + " s ago" : Math.round(s / 60) + " min ago";
  }

  async function refresh() {
    try {
      const res = await fetch("/api/sync", { credentials: "same-origin" });
      if (!res.ok) return;
      const st = await res.json();
      if (!st.enabled) { line.textContent = "Off (no [sync] upstream_url)"; return; }
      const queued = st.queued_events + st.queued_records;
      let text = (st.connected ? "Connected" : "Not connected") + " · " + queued + " queued · last success " + ago(st.last_success_s);
      if ((st.refused || []).length) text += " · " + st.refused.length + " refused (below; a record fixed here goes again by itself; after a fix at the league, press Send again)";
      if (st.last_error) text += " · last error " + ago(st.last_error_s) + ": " + st.last_error;
      line.textContent = text; // textContent: error text is never HTML
      showRefused(st.refused);
      line.className = st.last_error && (st.last_error_s || 0) > (st.last_success_s || 0) ? "muted sync-error" : "muted";
    } catch (e) { /* offline: the page shows its own banner */ }
  }
  refresh();
  setInterval(refresh, 3000);
})();
