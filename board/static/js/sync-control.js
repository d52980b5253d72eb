// Control page: the central sync's state (queued items, last success, last error) and the
// records the league refused (quarantined here until staff fix them), each with its reason
// and a "Send again" button (POST /api/sync/retry) for after the fix; "Send all again" too.
(function () {
  "use strict";
  const L = window.Lapgate;
  const side = document.querySelector(".side-panel");
  if (!side) return;
  const title = document.createElement("h2");
  title.textContent = L.t("Central sync");
  const line = document.createElement("div");
  line.id = "sync-state";
  line.className = "muted";
  const refusedList = document.createElement("ul");
  refusedList.id = "sync-refused";
  refusedList.className = "muted sync-error";
  const retryAll = document.createElement("button");
  retryAll.type = "button";
  retryAll.id = "sync-retry-all";
  retryAll.textContent = L.t("Send all again");
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
      retryNote.textContent = res.ok
        ? L.tn("Sending {n} again…", "Sending {n} again…", data.released)
        : L.t("Not sent again: {reason}", { reason: data.error || res.status });
    } catch (e) { retryNote.textContent = L.t("Not sent again: offline"); }
    refresh();
  }
  retryAll.addEventListener("click", () => retry({}));

  // One message per kind of record (board/sync/wire.py), so each language words it whole.
  const REFUSED = {
    run_event: (p) => L.t("Refused run {id} from event {event}: {reason}", p),
    event: (p) => L.t("Refused event {id}: {reason}", p),
    racer: (p) => L.t("Refused racer {id}: {reason}", p),
    round: (p) => L.t("Refused round {id}: {reason}", p),
    run: (p) => L.t("Refused run {id}: {reason}", p),
  };

  function refusedText(kind, params) {
    return REFUSED[kind] ? REFUSED[kind](params) : L.t("Refused {kind} {id}: {reason}", params);
  }

  function showRefused(refused) {
    retryAll.hidden = !(refused || []).length;
    refusedList.replaceChildren(...(refused || []).map((r) => {
      const item = document.createElement("li");
      const text = document.createElement("span");
      const params = { kind: r.kind, id: r.id, event: r.event_id, reason: r.reason };
      text.textContent = refusedText(r.kind, params); // textContent: never HTML
      const again = document.createElement("button");
      again.type = "button";
      again.className = "sync-retry";
      again.textContent = L.t("Send again");
      again.title = L.t("After fixing it (here or at the league): send it to the league again");
      again.addEventListener("click", () => retry({ kind: r.kind, id: r.id }));
      item.append(text, " ", again);
      return item;
    }));
  }

  function ago(epochS) {
    if (epochS == null) return L.t("never");
    const s = Math.max(0, Math.round(Date.now() / 1000 - epochS));
    return s < 90 ? L.t("{n} s ago", { n: s }) : L.t("{n} min ago", { n: Math.round(s / 60) });
  }

  async function refresh() {
    try {
      const res = await fetch("/api/sync", { credentials: "same-origin" });
      if (!res.ok) return;
      const st = await res.json();
      if (!st.enabled) { line.textContent = L.t("Off (no [sync] upstream_url)"); return; }
      const queued = st.queued_events + st.queued_records;
      const parts = [
        st.connected ? L.t("Connected") : L.t("Not connected"),
        L.t("{n} queued", { n: queued }),
        L.t("last success {ago}", { ago: ago(st.last_success_s) }),
      ];
      if ((st.refused || []).length) {
        parts.push(L.t("{n} refused (below; a record fixed here goes again by itself; after a fix at the league, press Send again)", { n: st.refused.length }));
      }
      if (st.last_error) parts.push(L.t("last error {ago}: {error}", { ago: ago(st.last_error_s), error: st.last_error }));
      const text = parts.join(" · ");
      line.textContent = text; // textContent: error text is never HTML
      showRefused(st.refused);
      line.className = st.last_error && (st.last_error_s || 0) > (st.last_success_s || 0) ? "muted sync-error" : "muted";
    } catch (e) { /* offline: the page shows its own banner */ }
  }
  refresh();
  setInterval(refresh, 3000);
})();
