// Control page: how phones join each track's queue (closed / open / approve) and the joins
// waiting for approval, each with Accept and Reject. A taken join is an ordinary queue
// entry (edit, move, remove it in the queue above). Names are written with textContent.
// A join whose name is a known racer's waits here even on an open track: staff answer
// "same person?" (that racer, by id) or take it as a new racer of the same name.
(function () {
  "use strict";
  const L = window.Lapgate;
  const panel = document.querySelector(".queue-panel");
  if (!panel) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const box = document.createElement("div");
  box.id = "join-panel";
  box.className = "join-panel";
  const title = document.createElement("h2");
  title.textContent = L.t("Phone joins");
  const modes = document.createElement("div");
  modes.id = "join-modes";
  const list = document.createElement("ol");
  list.id = "join-pending";
  list.className = "join-pending";
  const error = document.createElement("div");
  error.className = "muted sync-error";
  error.setAttribute("role", "alert");
  box.append(title, modes, list, error);
  panel.append(box);
  let trackNames = {};

  async function act(name, payload) {
    error.textContent = "";
    const res = await fetch("/api/control/" + name, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(payload),
    });
    if (!res.ok) {
      let said = "";
      try { said = (await res.json()).error; } catch (e) { said = L.t("The board answered HTTP {status}", { status: res.status }); }
      error.textContent = said;
    }
    refresh();
  }

  function button(text, cls, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    if (cls) b.className = cls;
    b.addEventListener("click", onClick);
    return b;
  }

  function showModes(current) {
    if (modes.childElementCount === Object.keys(current).length) {
      modes.querySelectorAll("select").forEach((s) => { if (document.activeElement !== s) s.value = current[s.dataset.track]; });
      return;
    }
    modes.replaceChildren(...Object.keys(current).map((trackId) => {
      const label = document.createElement("label");
      label.className = "join-mode";
      label.append((trackNames[trackId] || trackId) + " ");
      const select = document.createElement("select");
      select.dataset.track = trackId;
      [["closed", L.t("closed (no phone joins)")], ["open", L.t("open (straight in)")], ["approve", L.t("approve each")]].forEach(([value, text]) => {
        const option = document.createElement("option");
        option.value = value;
        option.textContent = text;
        select.append(option);
      });
      select.value = current[trackId];
      select.addEventListener("change", () => act("join_mode", { track_id: trackId, mode: select.value }));
      label.append(select, " ");
      const card = document.createElement("a");
      card.href = "/join/card?track=" + encodeURIComponent(trackId);
      card.target = "_blank";
      card.rel = "noopener";
      card.textContent = L.t("print card");
      label.append(card);
      return label;
    }));
  }

  function showPending(pending) {
    list.replaceChildren(...pending.map((j) => {
      const item = document.createElement("li");
      item.dataset.join = j.join_id;
      const name = document.createElement("strong");
      name.textContent = j.alias;
      item.append(name);
      const rest = [j.track, j.car, j.model].filter(Boolean).join(" · ");
      if (rest) item.append(" " + rest);
      const reject = button(L.t("Reject"), "join-reject", () => act("join_reject", { join_id: j.join_id, reason: "" }));
      if (!j.matches.length) {
        item.append(" ", button(L.t("Accept"), "primary join-accept", () => act("join_approve", { join_id: j.join_id })), " ", reject);
        return item;
      }
      const question = document.createElement("div");
      question.className = "join-same";
      question.textContent = j.matches.length === 1
        ? L.t("“{typed}” is already a racer: {name}. Same person?", { typed: j.alias, name: j.matches[0].alias })
        : L.tn("“{typed}” is the name of {n} racer. Which one is it?", "“{typed}” is the name of {n} racers. Which one is it?",
          j.matches.length, { typed: j.alias });
      j.matches.forEach((match) => {
        const runs = document.createElement("span");
        runs.className = "muted";
        runs.textContent = " " + (match.runs.length
          ? L.tn("{name}: {n} run", "{name}: {n} runs", match.runs.length, { name: match.alias })
          : L.t("{name}: no runs yet", { name: match.alias })) + " ";
        const same = button(L.t("Same person: queue {name}", { name: match.alias }), "primary join-same-racer",
          () => act("join_approve", { join_id: j.join_id, racer_id: match.racer_id }));
        same.dataset.racer = match.racer_id;
        question.append(runs, same);
      });
      question.append(" ",
        button(L.t("A different person: new racer"), "join-new-racer", () => act("join_approve", { join_id: j.join_id, new_racer: true })),
        " ", reject);
      item.append(question);
      return item;
    }));
    title.textContent = pending.length ? L.t("Phone joins ({n} waiting)", { n: pending.length }) : L.t("Phone joins");
  }

  async function refresh() {
    try {
      const res = await fetch("/api/joins", { credentials: "same-origin" });
      if (!res.ok) return;
      const st = await res.json();
      showModes(st.modes);
      showPending(st.pending);
    } catch (e) { /* offline: the page shows its own banner */ }
  }

  async function names() {
    try {
      const res = await fetch("/api/snapshot", { credentials: "same-origin" });
      if (res.ok) (await res.json()).tracks.forEach((t) => { trackNames[t.track_id] = L.trackName(t); });
    } catch (e) { /* names fall back to ids */ }
  }
  names().then(refresh);
  setInterval(refresh, 2000);
})();
