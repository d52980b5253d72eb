/* Control page "Program" panel: the event's rounds in order; open a round after seeing who
 * enters (GET /api/rounds/<id>/preview), with entrants removed or added for a logged
 * reason; close it and see who advanced; reopen it; type or import an external round's
 * advancers. Staff commands go to POST /api/control/<name> with the page's CSRF token; the
 * list follows the live state js/control.js announces ("lapgate:state"). A refusal is
 * shown as the board words it. Text only through textContent. */
(function () {
  "use strict";
  const L = window.Lapgate;
  const $ = (id) => document.getElementById(id);
  const list = $("program");
  const dialog = $("open-dialog");
  let live = null;
  let shownKey = ""; // the program as last drawn (JSON), to redraw only on a change
  let redrawLater = false; // staff are typing in the panel: redraw when they leave it
  const drafts = {}; // round_id → advancers typed and not sent yet
  let lastClose = null; // {round_id, left_in_queue} of the Close pressed on this tablet
  let opening = null; // what the open dialog will send: {round, remove: {racer_id: reason}, add: []}
  const chartsShown = {}; // round_id → its lap-time chart is unfolded

  async function post(name, payload) {
    const response = await window.LapgateStaff.post("/api/control/" + name, payload);
    if (!response) return { ok: false, error: "No answer from the board (" + name + "); check the network" };
    let reply = {};
    try { reply = await response.json(); } catch (err) { reply = { error: "HTTP " + response.status }; }
    return response.ok ? reply : { ok: false, status: response.status, error: reply.error || "HTTP " + response.status };
  }

  function note(text, ok) {
    const box = $("pg-note");
    box.textContent = text || "";
    box.className = "pg-note" + (text ? (ok ? " ok" : " err") : "");
  }

  function button(text, className, onClick) {
    const node = L.el("button", className || "", text);
    node.type = "button";
    node.addEventListener("click", () => { node.blur(); onClick(); });
    return node;
  }

  function program() {
    return (live && live.state && live.state.program) || [];
  }

  function queuedFor(round) {
    return live.state.tracks
      .filter((t) => t.round && t.round.round_id === round.round_id)
      .reduce((sum, t) => sum + t.queue.length, 0);
  }

  function entryText(round) {
    if (round.kind === "external") return round.advancers.length ? plural(round.advancers.length, "advancer") + " named" : "advancers not named yet";
    if (round.entrants) return plural(round.entrants.length, "entrant");
    return round.entry_from.length ? "entrants from " + round.entry_from.join(" + ") : "open entry";
  }

  function rulesText(round) {
    const parts = [round.kind];
    if (round.kind !== "external") parts.push(round.format_label);
    if (round.kind === "timed" || round.kind === "shootout") parts.push(Math.round(round.time_limit_ms / 1000) + " s runs");
    if (round.runs_per_racer) parts.push(plural(round.runs_per_racer, "run") + " each");
    parts.push(entryText(round));
    if (round.advancement) parts.push(round.advancement);
    return parts.join(" · ");
  }

  function plural(count, word) {
    return count + " " + word + (count === 1 ? "" : "s");
  }

  function names(people) {
    return people.map((p) => p.name).join(", ");
  }

  function outcomeNode(round) {
    const box = L.el("div", "pg-outcome");
    const advanced = round.outcome.advanced;
    box.appendChild(L.el("span", "", advanced.length ? "Advanced (" + advanced.length + "): " + names(advanced) : "Nobody advances"));
    if (round.outcome.tied_at_cut.length) {
      box.appendChild(L.el("span", "pg-tied", " · tied at the cut: " + names(round.outcome.tied_at_cut) + " (staff decide)"));
    }
    return box;
  }

  function logNode(round) {
    const marks = { add: "+", remove: "−", override: "let race:" };
    const box = L.el("div", "pg-log");
    box.appendChild(L.el("span", "muted", "Entrant changes: "));
    round.entrant_log.forEach((item, index) => {
      const text = (index ? " · " : "") + (marks[item.action] || item.action) + " " + item.name + " (" + item.reason + ")";
      box.appendChild(L.el("span", "", text));
    });
    return box;
  }

  function externalNode(round) {
    const box = L.el("div", "pg-external");
    const area = L.el("textarea", "pg-advancers");
    area.rows = 3;
    area.placeholder = "Advancers, one per line, best first (alias or user id)";
    area.value = drafts[round.round_id] || "";
    area.addEventListener("input", () => { drafts[round.round_id] = area.value; });
    box.appendChild(area);
    const row = L.el("div", "pg-buttons");
    row.appendChild(button("Save advancers", "", async () => {
      const typed = area.value.split("\n").map((line) => line.trim()).filter(Boolean);
      if (!typed.length) { note("Type the advancers first, one per line"); area.focus(); return; }
      const reply = await post("round_advancers", { round_id: round.round_id, names: typed });
      if (!reply.ok) { note(reply.error); return; }
      delete drafts[round.round_id];
      note(round.name + ": " + plural(typed.length, "advancer") + " saved", true);
    }));
    const file = document.createElement("input");
    file.type = "file";
    file.accept = ".csv,text/csv,text/plain";
    file.className = "pg-csv";
    file.addEventListener("change", () => {
      const chosen = file.files && file.files[0];
      if (!chosen) return;
      const reader = new FileReader();
      reader.onload = async () => {
        const reply = await post("round_advancers_csv", { round_id: round.round_id, csv: String(reader.result) });
        file.value = "";
        if (!reply.ok) { note(reply.error); return; }
        note(round.name + ": " + plural(reply.advancers.length, "advancer") + " imported from " + chosen.name, true);
      };
      reader.onerror = () => note("Could not read " + chosen.name + "; pick the file again");
      reader.readAsText(chosen);
    });
    const label = L.el("label", "pg-file");
    label.appendChild(L.el("span", "", "Import CSV…"));
    label.appendChild(file);
    row.appendChild(label);
    box.appendChild(row);
    if (round.advancers.length) box.appendChild(L.el("div", "muted", "Named: " + names(round.advancers)));
    return box;
  }

  // A round's lap-time distribution (server-rendered SVG, see board/web/charts.py).
  function chartNode(round) {
    const img = L.el("img", "pg-chart");
    img.alt = "Lap-time distribution of " + round.name;
    img.dataset.round = round.round_id;
    img.src = "/charts/rounds/" + encodeURIComponent(round.round_id) + "/laps.svg?size=tablet&v=" + round.runs + "-" + round.results.length;
    return img;
  }

  function roundNode(round, isNext) {
    const item = L.el("li", "pg-round status-" + round.status + (isNext ? " next" : ""));
    item.dataset.round = round.round_id;
    item.appendChild(L.el("span", "pg-seq", round.seq));
    const main = L.el("div", "pg-main");
    const title = L.el("div", "pg-title");
    title.appendChild(L.el("span", "pg-name", round.name));
    title.appendChild(L.el("span", "pg-badge " + round.status, isNext ? "next" : round.status));
    main.appendChild(title);
    main.appendChild(L.el("div", "pg-rules muted", rulesText(round)));
    if (round.outcome) main.appendChild(outcomeNode(round));
    if (round.entrant_log.length) main.appendChild(logNode(round));
    if (round.kind === "external" && round.status !== "closed") main.appendChild(externalNode(round));
    if (chartsShown[round.round_id] && round.runs) main.appendChild(chartNode(round));
    item.appendChild(main);
    const actions = L.el("div", "pg-actions");
    if (round.runs && round.kind !== "external") {
      const toggle = button(chartsShown[round.round_id] ? "Hide lap times" : "Lap times", "pg-chart-toggle", () => {
        chartsShown[round.round_id] = !chartsShown[round.round_id];
        draw();
      });
      actions.appendChild(toggle);
    }
    if (round.status === "pending") actions.appendChild(button("Open…", isNext ? "primary pg-open" : "pg-open", () => showOpen(round)));
    const closable = round.status === "open" || (round.status === "pending" && round.kind === "external");
    if (closable) actions.appendChild(button("Close", "pg-close", () => closeRound(round)));
    if (round.status === "closed") actions.appendChild(button("Reopen", "pg-reopen", () => reopenRound(round)));
    item.appendChild(actions);
    return item;
  }

  function draw() {
    const rounds = program();
    const next = rounds.find((r) => r.status === "pending");
    list.replaceChildren();
    rounds.forEach((round) => list.appendChild(roundNode(round, next === round)));
    drawResult();
  }

  /* ---- close / reopen -------------------------------------------------------------- */

  async function closeRound(round) {
    const queued = queuedFor(round);
    const queueText = queued ? "\n" + queued + (queued === 1 ? " racer is" : " racers are") + " still queued for it." : "";
    const what = round.kind === "external" ? "The named advancers go on" : "Who advances is fixed now (" + (round.advancement || "no advancement") + ")";
    if (!window.confirm("Close " + round.name + "? " + what + "." + queueText)) return;
    const reply = await post("round_close", { round_id: round.round_id });
    if (!reply.ok) { note(reply.error); return; }
    lastClose = { round_id: round.round_id, left_in_queue: reply.left_in_queue };
    note(round.name + " closed", true);
    drawResult();
  }

  async function reopenRound(round) {
    if (!window.confirm("Reopen " + round.name + "? Its result is dropped until it closes again, and its tracks race it again.")) return;
    const reply = await post("round_reopen", { round_id: round.round_id });
    if (!reply.ok) { note(reply.error); return; }
    if (lastClose && lastClose.round_id === round.round_id) lastClose = null;
    note(round.name + " reopened", true);
    drawResult();
  }

  // The result of the Close pressed here: the round's stored outcome (names and reasons,
  // shown once the program update arrives) and the entries the close left in the queue.
  function drawResult() {
    const box = $("pg-result");
    box.replaceChildren();
    const round = lastClose && program().find((r) => r.round_id === lastClose.round_id);
    box.hidden = !round || round.status !== "closed" || !round.outcome;
    if (box.hidden) return;
    const head = L.el("div", "pg-result-head");
    head.appendChild(L.el("strong", "", round.name + " closed"));
    head.appendChild(button("✕", "small", () => { lastClose = null; drawResult(); }));
    box.appendChild(head);
    const advanced = round.outcome.advanced;
    const tied = round.outcome.tied_at_cut;
    box.appendChild(L.el("div", "pg-label", advanced.length ? "Advanced (" + advanced.length + ")" : "Nobody advances"));
    const ranked = L.el("ol", "pg-advanced");
    advanced.forEach((p) => {
      const item = L.el("li");
      item.appendChild(L.el("span", "pg-person", p.name));
      if (p.reason) item.appendChild(L.el("span", "muted", " · " + p.reason));
      ranked.appendChild(item);
    });
    box.appendChild(ranked);
    box.appendChild(L.el("div", "pg-tied-line" + (tied.length ? " pg-tied" : ""), "Tied at the cut: " + (tied.length ? names(tied) + " (staff decide, e.g. a run-off)" : "nobody")));
    if (round.runs) box.appendChild(chartNode(round));
    const left = lastClose.left_in_queue;
    box.appendChild(L.el("div", "pg-left" + (left ? " pg-tied" : ""), "Left in the queue: " + (left ? left + (left === 1 ? " entry: a run that was not raced" : " entries: runs that were not raced") : "nobody")));
  }

  /* ---- the open dialog -------------------------------------------------------------- */

  async function showOpen(round) {
    let preview;
    try {
      const response = await fetch("/api/rounds/" + encodeURIComponent(round.round_id) + "/preview", { cache: "no-store" });
      preview = await response.json();
      if (!response.ok) { note(preview.error || "HTTP " + response.status); return; }
    } catch (err) {
      note("No answer from the board (preview); check the network");
      return;
    }
    opening = { round: round, preview: preview, remove: {}, add: [] };
    $("od-title").textContent = "Open " + round.name;
    $("od-rules").textContent = rulesText(round);
    $("od-problem").textContent = preview.problem;
    $("od-problem").hidden = !preview.problem;
    $("od-open-entry").hidden = !preview.open_entry;
    $("od-confirm").textContent = "Open " + round.name;
    $("od-error").textContent = "";
    $("od-add-alias").value = "";
    $("od-add-reason").value = "";
    drawEntrants();
    dialog.showModal();
    $("od-confirm").focus();
  }

  function drawEntrants() {
    const preview = opening.preview;
    const fixed = !preview.open_entry;
    $("od-entrants-head").hidden = !fixed;
    $("od-add").hidden = !fixed;
    const box = $("od-entrants");
    box.replaceChildren();
    box.hidden = !fixed;
    preview.entrants.forEach((entrant, index) => box.appendChild(entrantNode(entrant, index)));
    opening.add.forEach((added, index) => {
      const item = L.el("li", "od-added");
      item.appendChild(L.el("span", "od-seed", "+"));
      item.appendChild(L.el("span", "od-name", added.alias));
      item.appendChild(L.el("span", "od-reason", "added: " + added.reason));
      item.appendChild(button("Undo", "small", () => { opening.add.splice(index, 1); drawEntrants(); }));
      box.appendChild(item);
    });
    if (fixed && !box.children.length) box.appendChild(L.el("li", "muted", "Nobody would enter yet."));
    const count = preview.entrants.length - Object.keys(opening.remove).length + opening.add.length;
    $("od-entrants-head").textContent = "Entrants (" + count + ")" + (preview.problem ? " — provisional" : "");
  }

  function entrantNode(entrant, index) {
    const removed = opening.remove[entrant.racer_id];
    const item = L.el("li", removed ? "od-removed" : "");
    item.dataset.racer = entrant.racer_id;
    item.appendChild(L.el("span", "od-seed", index + 1));
    item.appendChild(L.el("span", "od-name", entrant.name));
    if (removed) {
      item.appendChild(L.el("span", "od-reason", "removed: " + removed));
      item.appendChild(button("Keep", "small", () => { delete opening.remove[entrant.racer_id]; drawEntrants(); }));
      return item;
    }
    item.appendChild(L.el("span", "od-reason", entrant.reason));
    item.appendChild(button("Remove…", "small od-remove", () => askRemoval(item, entrant)));
    return item;
  }

  function askRemoval(item, entrant) {
    item.querySelectorAll("button, .od-reason").forEach((node) => node.remove());
    const reason = document.createElement("input");
    reason.placeholder = "Why? (logged)";
    reason.maxLength = 200;
    reason.className = "od-remove-reason";
    const confirm = button("Remove", "small danger", () => {
      if (!reason.value.trim()) { reason.focus(); $("od-error").textContent = "Give a reason to remove " + entrant.name; return; }
      opening.remove[entrant.racer_id] = reason.value.trim();
      $("od-error").textContent = "";
      drawEntrants();
    });
    reason.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); confirm.click(); } });
    item.appendChild(reason);
    item.appendChild(confirm);
    item.appendChild(button("Keep", "small", drawEntrants));
    reason.focus();
  }

  function addEntrant() {
    const alias = $("od-add-alias").value.trim();
    const reason = $("od-add-reason").value.trim();
    if (!alias) { $("od-add-alias").focus(); return; }
    if (!reason) { $("od-error").textContent = "Give a reason to add " + alias; $("od-add-reason").focus(); return; }
    opening.add.push({ alias: alias, reason: reason });
    $("od-add-alias").value = "";
    $("od-add-reason").value = "";
    $("od-error").textContent = "";
    drawEntrants();
  }

  $("od-add-button").addEventListener("click", addEntrant);
  ["od-add-alias", "od-add-reason"].forEach((id) => $(id).addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); addEntrant(); }
  }));
  $("od-cancel").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => { opening = null; });
  $("open-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!opening) return;
    const round = opening.round;
    const payload = {
      round_id: round.round_id,
      add: opening.add.map((a) => ({ alias: a.alias, reason: a.reason })),
      remove: Object.keys(opening.remove).map((id) => ({ racer_id: id, reason: opening.remove[id] })),
    };
    $("od-confirm").disabled = true;
    const reply = await post("round_open", payload);
    $("od-confirm").disabled = false;
    if (!reply.ok) { $("od-error").textContent = reply.error; return; }
    dialog.close();
    lastClose = null;
    drawResult();
    note(round.name + " is open" + (reply.entrants ? " with " + reply.entrants.length + " entrants" : ""), true);
  });

  /* ---- following the live state ------------------------------------------------------ */

  function typingHere() {
    const active = document.activeElement;
    return active && list.contains(active) && active.matches("textarea, input");
  }

  document.addEventListener("lapgate:state", (event) => {
    live = event.detail;
    const key = JSON.stringify(program());
    if (key === shownKey) return;
    if (typingHere()) { redrawLater = true; return; }
    shownKey = key;
    draw();
  });
  list.addEventListener("focusout", () => {
    setTimeout(() => {
      if (!redrawLater || typingHere()) return;
      redrawLater = false;
      shownKey = JSON.stringify(program());
      draw();
    }, 0);
  });
  // A change the live updates do not announce (a queue override's log entry): read the
  // program once and draw it.
  document.addEventListener("lapgate:program-stale", async () => {
    const response = await fetch("/api/program", { cache: "no-store" }).catch(() => null);
    if (!response || !response.ok || !live) return;
    live.state.program = await response.json();
    shownKey = "";
    document.dispatchEvent(new CustomEvent("lapgate:state", { detail: live }));
  });
  window.__program = { draw: draw };
})();
