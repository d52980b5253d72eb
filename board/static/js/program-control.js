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
    if (!response) return { ok: false, error: L.t("No answer from the board ({name}); check the network", { name }) };
    const failed = L.t("The board answered HTTP {status}", { status: response.status });
    let reply = {};
    try { reply = await response.json(); } catch (err) { reply = { error: failed }; }
    return response.ok ? reply : { ok: false, status: response.status, error: reply.error || failed };
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
    if (round.kind === "external") {
      const named = round.advancers.length;
      return named ? L.tn("{n} advancer named", "{n} advancers named", named) : L.t("advancers not named yet");
    }
    if (round.entrants) return L.tn("{n} entrant", "{n} entrants", round.entrants.length);
    return round.entry_from.length ? L.t("entrants from {rounds}", { rounds: round.entry_from.join(" + ") }) : L.t("open entry");
  }

  // A round's kind as the program shows it (the server sends the code).
  const KINDS = {
    external: () => L.t("external"), timed: () => L.t("timed"),
    bracket: () => L.t("bracket"), shootout: () => L.t("shootout"),
  };

  function kindText(kind) {
    return KINDS[kind] ? KINDS[kind]() : kind;
  }

  // Who advances, from the rule's parts (board/live/views.py `advance_rule`); the server's
  // English label when the rule is not one of these.
  function advancementText(round) {
    const rule = round.advance_rule;
    if (!rule) return round.advancement;
    switch (rule.kind) {
      case "all": return L.t("everyone with a result advances");
      case "none": return L.t("nobody advances");
      case "top": return L.t("top {n} advance", { n: rule.count });
      case "top_per_region": return L.t("top {n} per region advance", { n: rule.count });
      case "wildcard": return L.t("top {n} not already qualified advance", { n: rule.count });
      case "fixed": return L.tn("{n} named racer advances", "{n} named racers advance", rule.named);
      default: return round.advancement;
    }
  }

  // A place as the page's language writes it: 1st in English (plural rules), else the
  // catalog's form of "{n}. (a place)" (1., 1.º; Japanese: n + the kanji for place).

  function englishOrdinal(n) {
    const suffix = { one: "st", two: "nd", few: "rd", other: "th" };
    return n + suffix[new Intl.PluralRules("en", { type: "ordinal" }).select(n)];
  }

  function ordinal(n) {
    return L.lang === "en" ? englishOrdinal(n) : L.t("{n}. (a place)", { n: n });
  }

  // Why a racer advanced, from its code (timer/rounds.py reason_parts: "3rd overall" is
  // {code: "overall", nth: 3}), in the page's language; an entrant's code also names the
  // round it came from. Without a code, the reason as the board sent it.
  const ADVANCED = {
    overall: (c) => L.t("{nth} overall", { nth: ordinal(c.nth) }),
    place: (c) => L.t("{nth} place", { nth: ordinal(c.nth) }),
    not_qualified: (c) => L.t("{nth} not already qualified", { nth: ordinal(c.nth) }),
    region: (c) => L.t("{nth} in {region}", { nth: ordinal(c.nth), region: c.region }),
    finalist: (c) => L.tn("finalist, {n} loss", "finalist, {n} losses", c.losses),
    named: () => L.t("named"),
  };

  function reasonText(reason, code) {
    if (!code || !ADVANCED[code.code]) return reason;
    const why = ADVANCED[code.code](code);
    return code.round ? L.t("{round}: {reason}", { round: code.round, reason: why }) : why;
  }

  function rulesText(round) {
    const parts = [kindText(round.kind)];
    if (round.kind !== "external") parts.push(L.formatLabel(round));
    if (round.kind === "timed" || round.kind === "shootout") {
      parts.push(L.t("{s} s runs", { s: L.fmtNumber(Math.round(round.time_limit_ms / 1000)) }));
    }
    if (round.runs_per_racer) parts.push(L.tn("{n} run each", "{n} runs each", round.runs_per_racer));
    parts.push(entryText(round));
    if (round.advancement) parts.push(advancementText(round));
    return parts.join(" · ");
  }

  function names(people) {
    return people.map((p) => p.name).join(", ");
  }

  function outcomeNode(round) {
    const box = L.el("div", "pg-outcome");
    const advanced = round.outcome.advanced;
    const text = advanced.length
      ? L.t("Advanced ({n}): {names}", { n: advanced.length, names: names(advanced) })
      : L.t("Nobody advances");
    box.appendChild(L.el("span", "", text));
    if (round.outcome.tied_at_cut.length) {
      const tied = L.t("tied at the cut: {names} (staff decide)", { names: names(round.outcome.tied_at_cut) });
      box.appendChild(L.el("span", "pg-tied", " · " + tied));
    }
    return box;
  }

  function logNode(round) {
    const box = L.el("div", "pg-log");
    box.appendChild(L.el("span", "muted", L.t("Entrant changes:") + " "));
    round.entrant_log.forEach((item, index) => {
      const params = { name: item.name, reason: item.reason };
      let change;
      if (item.action === "add") change = L.t("+ {name} ({reason})", params);
      else if (item.action === "remove") change = L.t("− {name} ({reason})", params);
      else if (item.action === "override") change = L.t("let race: {name} ({reason})", params);
      else change = item.action + " " + item.name + " (" + item.reason + ")";
      box.appendChild(L.el("span", "", (index ? " · " : "") + change));
    });
    return box;
  }

  function externalNode(round) {
    const box = L.el("div", "pg-external");
    const area = L.el("textarea", "pg-advancers");
    area.rows = 3;
    area.placeholder = L.t("Advancers, one per line, best first (alias or user id)");
    area.value = drafts[round.round_id] || "";
    area.addEventListener("input", () => { drafts[round.round_id] = area.value; });
    box.appendChild(area);
    const row = L.el("div", "pg-buttons");
    row.appendChild(button(L.t("Save advancers"), "", async () => {
      const typed = area.value.split("\n").map((line) => line.trim()).filter(Boolean);
      if (!typed.length) { note(L.t("Type the advancers first, one per line")); area.focus(); return; }
      const reply = await post("round_advancers", { round_id: round.round_id, names: typed });
      if (!reply.ok) { note(reply.error); return; }
      delete drafts[round.round_id];
      note(L.tn("{round}: {n} advancer saved", "{round}: {n} advancers saved", typed.length, { round: round.name }), true);
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
        const params = { round: round.name, file: chosen.name };
        note(L.tn("{round}: {n} advancer imported from {file}", "{round}: {n} advancers imported from {file}", reply.advancers.length, params), true);
      };
      reader.onerror = () => note(L.t("Could not read {file}; pick the file again", { file: chosen.name }));
      reader.readAsText(chosen);
    });
    const label = L.el("label", "pg-file");
    label.appendChild(L.el("span", "", L.t("Import CSV…")));
    label.appendChild(file);
    row.appendChild(label);
    box.appendChild(row);
    if (round.advancers.length) box.appendChild(L.el("div", "muted", L.t("Named: {names}", { names: names(round.advancers) })));
    return box;
  }

  // A round's lap-time distribution (server-rendered SVG, see board/web/charts.py).
  function chartNode(round) {
    const img = L.el("img", "pg-chart");
    img.alt = L.t("Lap-time distribution of {name}", { name: round.name });
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
    title.appendChild(L.el("span", "pg-name", L.roundName(round)));
    title.appendChild(L.el("span", "pg-badge " + round.status, isNext ? L.t("next") : L.status(round.status)));
    main.appendChild(title);
    main.appendChild(L.el("div", "pg-rules muted", rulesText(round)));
    if (round.outcome) main.appendChild(outcomeNode(round));
    if (round.entrant_log.length) main.appendChild(logNode(round));
    if (round.kind === "external" && round.status !== "closed") main.appendChild(externalNode(round));
    if (chartsShown[round.round_id] && round.runs) main.appendChild(chartNode(round));
    item.appendChild(main);
    const actions = L.el("div", "pg-actions");
    if (round.runs && round.kind !== "external") {
      const toggle = button(chartsShown[round.round_id] ? L.t("Hide lap times") : L.t("Lap times"), "pg-chart-toggle", () => {
        chartsShown[round.round_id] = !chartsShown[round.round_id];
        draw();
      });
      actions.appendChild(toggle);
    }
    if (round.status === "pending") actions.appendChild(button(L.t("Open…"), isNext ? "primary pg-open" : "pg-open", () => showOpen(round)));
    const closable = round.status === "open" || (round.status === "pending" && round.kind === "external");
    if (closable) actions.appendChild(button(L.t("Close"), "pg-close", () => closeRound(round)));
    if (round.status === "closed") actions.appendChild(button(L.t("Reopen"), "pg-reopen", () => reopenRound(round)));
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
    const question = round.kind === "external"
      ? L.t("Close {round}? The named advancers go on.", { round: round.name })
      : L.t("Close {round}? Who advances is fixed now ({rule}).", {
        round: round.name, rule: round.advancement ? advancementText(round) : L.t("no advancement"),
      });
    const queueText = queued ? "\n" + L.tn("{n} racer is still queued for it.", "{n} racers are still queued for it.", queued) : "";
    if (!window.confirm(question + queueText)) return;
    const reply = await post("round_close", { round_id: round.round_id });
    if (!reply.ok) { note(reply.error); return; }
    lastClose = { round_id: round.round_id, left_in_queue: reply.left_in_queue };
    note(L.t("{round} closed", { round: round.name }), true);
    drawResult();
  }

  async function reopenRound(round) {
    if (!window.confirm(L.t("Reopen {round}? Its result is dropped until it closes again, and its tracks race it again.", { round: round.name }))) return;
    const reply = await post("round_reopen", { round_id: round.round_id });
    if (!reply.ok) { note(reply.error); return; }
    if (lastClose && lastClose.round_id === round.round_id) lastClose = null;
    note(L.t("{round} reopened", { round: round.name }), true);
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
    head.appendChild(L.el("strong", "", L.t("{round} closed", { round: round.name })));
    const dismiss = button("✕", "small", () => { lastClose = null; drawResult(); });
    dismiss.title = L.t("Dismiss");
    head.appendChild(dismiss);
    box.appendChild(head);
    const advanced = round.outcome.advanced;
    const tied = round.outcome.tied_at_cut;
    box.appendChild(L.el("div", "pg-label", advanced.length ? L.t("Advanced ({n})", { n: advanced.length }) : L.t("Nobody advances")));
    const ranked = L.el("ol", "pg-advanced");
    advanced.forEach((p) => {
      const item = L.el("li");
      item.appendChild(L.el("span", "pg-person", p.name));
      if (p.reason) item.appendChild(L.el("span", "muted", " · " + reasonText(p.reason, p.reason_code)));
      ranked.appendChild(item);
    });
    box.appendChild(ranked);
    const tiedText = tied.length
      ? L.t("Tied at the cut: {names} (staff decide, e.g. a run-off)", { names: names(tied) })
      : L.t("Tied at the cut: nobody");
    box.appendChild(L.el("div", "pg-tied-line" + (tied.length ? " pg-tied" : ""), tiedText));
    if (round.runs) box.appendChild(chartNode(round));
    const left = lastClose.left_in_queue;
    const leftText = left
      ? L.tn("Left in the queue: {n} entry: a run that was not raced", "Left in the queue: {n} entries: runs that were not raced", left)
      : L.t("Left in the queue: nobody");
    box.appendChild(L.el("div", "pg-left" + (left ? " pg-tied" : ""), leftText));
  }

  /* ---- the open dialog -------------------------------------------------------------- */

  async function showOpen(round) {
    let preview;
    try {
      const response = await fetch("/api/rounds/" + encodeURIComponent(round.round_id) + "/preview", { cache: "no-store" });
      preview = await response.json();
      if (!response.ok) { note(preview.error || L.t("The board answered HTTP {status}", { status: response.status })); return; }
    } catch (err) {
      note(L.t("No answer from the board ({name}); check the network", { name: "preview" }));
      return;
    }
    opening = { round: round, preview: preview, remove: {}, add: [] };
    $("od-title").textContent = L.t("Open {round}", { round: round.name });
    $("od-rules").textContent = rulesText(round);
    $("od-problem").textContent = problemText(preview);
    $("od-problem").hidden = !preview.problem;
    $("od-open-entry").hidden = !preview.open_entry;
    $("od-confirm").textContent = L.t("Open {round}", { round: round.name });
    $("od-error").textContent = "";
    $("od-add-alias").value = "";
    $("od-add-reason").value = "";
    drawEntrants();
    dialog.showModal();
    $("od-confirm").focus();
  }

  // Why the entrants may still change: earlier rounds not closed yet (named by the
  // board), or the board's own words for a rule that stops the preview.
  function problemText(preview) {
    if (preview.waiting && preview.waiting.length) {
      return L.t("provisional: {rounds} not closed yet", { rounds: preview.waiting.join(", ") });
    }
    return preview.problem;
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
      item.appendChild(L.el("span", "od-reason", L.t("added: {reason}", { reason: added.reason })));
      item.appendChild(button(L.t("Undo"), "small", () => { opening.add.splice(index, 1); drawEntrants(); }));
      box.appendChild(item);
    });
    if (fixed && !box.children.length) box.appendChild(L.el("li", "muted", L.t("Nobody would enter yet.")));
    const count = preview.entrants.length - Object.keys(opening.remove).length + opening.add.length;
    $("od-entrants-head").textContent = preview.problem
      ? L.t("Entrants ({n}) — provisional", { n: count })
      : L.t("Entrants ({n})", { n: count });
  }

  function entrantNode(entrant, index) {
    const removed = opening.remove[entrant.racer_id];
    const item = L.el("li", removed ? "od-removed" : "");
    item.dataset.racer = entrant.racer_id;
    item.appendChild(L.el("span", "od-seed", index + 1));
    item.appendChild(L.el("span", "od-name", entrant.name));
    if (removed) {
      item.appendChild(L.el("span", "od-reason", L.t("removed: {reason}", { reason: removed })));
      item.appendChild(button(L.t("Keep"), "small", () => { delete opening.remove[entrant.racer_id]; drawEntrants(); }));
      return item;
    }
    item.appendChild(L.el("span", "od-reason", reasonText(entrant.reason, entrant.reason_code)));
    item.appendChild(button(L.t("Remove…"), "small od-remove", () => askRemoval(item, entrant)));
    return item;
  }

  function askRemoval(item, entrant) {
    item.querySelectorAll("button, .od-reason").forEach((node) => node.remove());
    const reason = document.createElement("input");
    reason.placeholder = L.t("Why? (logged)");
    reason.maxLength = 200;
    reason.className = "od-remove-reason";
    const confirm = button(L.t("Remove"), "small danger", () => {
      if (!reason.value.trim()) {
        reason.focus();
        $("od-error").textContent = L.t("Give a reason to remove {name}", { name: entrant.name });
        return;
      }
      opening.remove[entrant.racer_id] = reason.value.trim();
      $("od-error").textContent = "";
      drawEntrants();
    });
    reason.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); confirm.click(); } });
    item.appendChild(reason);
    item.appendChild(confirm);
    item.appendChild(button(L.t("Keep"), "small", drawEntrants));
    reason.focus();
  }

  function addEntrant() {
    const alias = $("od-add-alias").value.trim();
    const reason = $("od-add-reason").value.trim();
    if (!alias) { $("od-add-alias").focus(); return; }
    if (!reason) {
      $("od-error").textContent = L.t("Give a reason to add {name}", { name: alias });
      $("od-add-reason").focus();
      return;
    }
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
    const opened = reply.entrants
      ? L.tn("{round} is open with {n} entrant", "{round} is open with {n} entrants", reply.entrants.length, { round: round.name })
      : L.t("{round} is open", { round: round.name });
    note(opened, true);
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
