/* Staff control: actions go over the /control socket (session + CSRF token); the state
 * every tablet shows comes from the same /live broadcasts, so two tablets agree. Each new
 * state is also announced as a "lapgate:state" DOM event for the page's other panels
 * (js/program-control.js). */
(function () {
  "use strict";
  const L = window.Lapgate;

  // An undo-list entry in the page's language, from its parts (board/live/views.py).
  const EVENT_KINDS = {
    manual_crossing: () => L.t("manual lap"),
    start: () => L.t("clock start"), invalidate: () => L.t("lap invalidated"),
    restore: () => L.t("lap restored"), end: () => L.t("run ended"), time_up: () => L.t("time up"),
    dnf: () => L.t("DNF"), abort: () => L.t("run aborted"),
  };

  function eventLabel(entry) {
    let text;
    const delta = entry.delta > 0 ? "+" + entry.delta : String(entry.delta);
    if (entry.kind === "resets") text = L.t("resets {delta}", { delta: delta });
    else if (entry.kind === "undo") text = L.t("undo of #{n}", { n: entry.target_id });
    else if (entry.kind === "crossing") text = L.t("gate crossing ({source})", { source: entry.source });
    else if (EVENT_KINDS[entry.kind]) text = EVENT_KINDS[entry.kind]();
    else return entry.label;
    return "#" + entry.event_id + " " + text;
  }
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const root = $("control");
  let selectedLap = null; // lap number, or null for the lap in progress
  let current = null; // the current run view

  const control = io("/control", { auth: { csrf: csrf } });
  // The staff login ended (logged out here or everywhere, or expired): the board closes
  // this socket, or refuses it on reconnect. Reloading shows the login form.
  control.on("disconnect", (reason) => { if (reason === "io server disconnect") window.location.reload(); });
  control.on("connect_error", (err) => {
    if (err.message.indexOf("staff login required") === 0) { window.location.reload(); return; }
    toast(L.t("Control link refused: {reason}", { reason: err.message }));
  });

  function toast(text, ok) {
    const box = $("toast");
    box.textContent = text;
    box.className = ok ? "toast ok" : "toast";
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, ok ? 1500 : 5000);
  }

  // This page's own run events, newest last: Z undoes them one per press (never a gate
  // crossing or another tablet's action), Shift+Z redoes what Z undid. An entry goes on the
  // stack when its action is sent; `ids` resolves to {run_id, event_id} once the board
  // answered (null if it refused), so a Z pressed before the answer still undoes it.
  const mine = [];
  const undone = [];
  const RUN_EVENTS = ["start", "manual_lap", "reset", "invalidate", "restore", "undo", "end", "dnf", "abort"];

  // `quiet`: the caller shows a refusal itself (the reply still carries it). `untracked`:
  // not a new action of this page (Z and Shift+Z keep their own stacks).
  // Each action carries its own idempotency key, reused when it is retried (no answer in
  // 5 s, or "engine not answering"): the board applies it once and answers every try alike.
  let pending = 0; // actions sent and not answered yet (tests wait for 0)
  const RETRIES = 2;
  function act(name, payload, quiet, untracked) {
    pending += 1;
    const message = { name: name, payload: payload || {}, key: window.LapgateStaff.actionKey() };
    const sent = new Promise((resolve) => {
      function attempt(left) {
        control.timeout(5000).emit("action", message, (err, reply) => {
          const busy = err || (!reply.ok && reply.status === 503);
          if (busy && left > 0) { setTimeout(() => attempt(left - 1), 1000); return; }
          pending -= 1;
          if (err) { toast(L.t("No answer from the board ({action})", { action: actionName(name) })); resolve(null); return; }
          if (!reply.ok && !quiet) toast(reply.error);
          resolve(reply);
        });
      }
      attempt(RETRIES);
    });
    if (!untracked && RUN_EVENTS.indexOf(name) >= 0) {
      undone.length = 0; // a new action: what Z undid is no longer redone
      track(mine, name, sent);
    }
    return sent;
  }

  // Put an action on `stack` as it is sent; one the board refuses leaves it again.
  function track(stack, what, sent) {
    const entry = { what: what, ids: sent.then(idsOf) };
    stack.push(entry);
    entry.ids.then((ids) => {
      if (!ids && stack.indexOf(entry) >= 0) stack.splice(stack.indexOf(entry), 1);
      renderUndoButtons();
    });
    renderUndoButtons();
  }

  // An action's name in the page's language, for the undo button's title and toasts.
  const ACTION_NAMES = {
    start: () => L.t("clock start"), manual_lap: () => L.t("manual lap"), reset: () => L.t("reset"),
    invalidate: () => L.t("invalidation"), restore: () => L.t("restored lap"), undo: () => L.t("undo"),
    end: () => L.t("end of run"), dnf: () => L.t("DNF"), abort: () => L.t("abort"),
  };
  function actionName(name) {
    return ACTION_NAMES[name] ? ACTION_NAMES[name]() : name;
  }

  function idsOf(reply) {
    return reply && reply.ok && reply.event_id ? { run_id: reply.run_id, event_id: reply.event_id } : null;
  }

  function renderUndoButtons() {
    $("undo-mine").title = mine.length
      ? L.t("Undo your {action} ({n} to undo)", { action: actionName(mine[mine.length - 1].what), n: mine.length })
      : L.t("Nothing of yours to undo");
    $("redo-mine").disabled = !undone.length;
  }

  // Undo (or redo) the newest entry of `from`; the undo's own event goes onto `to` at once,
  // so stacks keep the order of the key presses whatever order the answers come in.
  function undoNewest(from, to, empty) {
    const last = from.pop();
    if (!last) { toast(empty); renderUndoButtons(); return Promise.resolve(null); }
    const sent = last.ids.then((ids) => (ids ? act("undo", ids, false, true) : null));
    track(to, last.what, sent);
    return sent;
  }

  // A question in the page's own dialog: only its buttons (and Enter inside it) answer it,
  // the key that opened it never does. Resolves to the reason typed ("" when none is asked
  // for), or null when staff cancel. `opts.reason`: a placeholder asking for a reason;
  // `opts.reasonRequired`: the answer needs one.
  const confirmDialog = $("confirm-dialog");
  let answer = null;
  // Answered as the button or key acts: a close event comes a moment later, when a key
  // pressed meanwhile may already have asked the next question.
  function settle(value) {
    const resolve = answer;
    answer = null;
    if (resolve) resolve(value);
  }
  confirmDialog.querySelector("form").addEventListener("submit", () => settle($("cd-reason").value.trim()));
  confirmDialog.addEventListener("cancel", () => settle(null));
  confirmDialog.addEventListener("close", () => { if (!confirmDialog.open) settle(null); });
  $("cd-cancel").addEventListener("click", () => { settle(null); confirmDialog.close(""); });
  function ask(text, opts) {
    const options = opts || {};
    if (confirmDialog.open) return Promise.resolve(null);
    $("cd-text").textContent = text;
    $("cd-confirm").textContent = options.confirm || L.t("Confirm");
    const reason = $("cd-reason");
    reason.hidden = !options.reason;
    reason.required = Boolean(options.reasonRequired);
    reason.placeholder = options.reason || "";
    reason.value = options.value || "";
    confirmDialog.returnValue = "";
    return new Promise((resolve) => {
      answer = resolve;
      confirmDialog.showModal();
      (options.reason ? reason : $("cd-confirm")).focus();
    });
  }
  L.ask = ask;

  // The run as it is when staff press the key: a confirmation answered later still acts on
  // that run, even if the next racer was staged meanwhile.
  function confirmed(text, opts, name, extra) {
    if (!current) { toast(L.t("No run is staged")); return Promise.resolve(null); }
    const payload = runPayload(extra);
    return ask(text, opts).then((reason) => {
      if (reason === null) return null;
      if (opts && opts.reason) payload.reason = reason;
      return act(name, payload);
    });
  }

  function racerOnTrack() {
    return current ? current.racer : "";
  }

  function runPayload(extra) {
    const payload = Object.assign({}, extra || {});
    if (current) payload.run_id = current.run_id;
    return payload;
  }

  function selected() {
    if (!current || selectedLap === null) return null;
    return current.laps.find((lap) => lap.number === selectedLap) || null;
  }

  const handlers = {
    stage: () => act("stage", { track_id: root.dataset.track || null }),
    unstage: () => act("unstage", { track_id: root.dataset.track || null }),
    start: () => act("start", runPayload()),
    manual_lap: () => act("manual_lap", runPayload()).then((reply) => {
      if (reply && reply.ok && reply.ignored) toast(L.t("Manual lap ignored: {reason}", { reason: L.reason(reply.ignored_code, reply.ignored) }));
    }),
    reset_plus: () => act("reset", runPayload({ delta: 1, lap: selectedLap })),
    reset_minus: () => act("reset", runPayload({ delta: -1, lap: selectedLap })),
    toggle_valid: () => {
      const lap = selected();
      if (!lap) { toast(L.t("Select a lap first (↑/↓ or click)")); return; }
      act(lap.invalidated_by_staff ? "restore" : "invalidate", runPayload({ lap: lap.number }));
    },
    undo_crossing: () => {
      const lap = selected();
      if (!lap) { toast(L.t("Select the lap whose end was a false crossing")); return; }
      act("undo", runPayload({ event_id: lap.end_event_id }));
    },
    undo_mine: () => undoNewest(mine, undone, L.t("Nothing of yours to undo")),
    redo_mine: () => undoNewest(undone, mine, L.t("Nothing to redo")),
    end: () => confirmed(
      L.t("End {racer}'s run now? The lap in progress is dropped.", { racer: racerOnTrack() }),
      { confirm: L.t("End run") }, "end"),
    dnf: () => confirmed(
      L.t("Mark {racer}'s run DNF? Its laps will not rank.", { racer: racerOnTrack() }),
      { confirm: L.t("DNF"), reason: L.t("Reason (optional, logged)") }, "dnf"),
    abort: () => confirmed(
      L.t("Abort {racer}'s run (a track fault)? It does not count as a run.", { racer: racerOnTrack() }),
      { confirm: L.t("Abort run"), reason: L.t("Reason (logged)"), reasonRequired: true }, "abort"),
    speak: () => act("speak", { on: !$("speak").checked }),
    add: () => $("add-alias").focus(),
  };

  // ↓ walks down the newest-first lap table (from the lap in progress to lap 1), ↑ back up.
  function selectBy(step) {
    if (!current || !current.laps.length) return;
    const rows = [null].concat(current.laps.map((lap) => lap.number).reverse());
    const index = Math.min(rows.length - 1, Math.max(0, rows.indexOf(selectedLap) + step));
    selectedLap = rows[index];
    renderRun();
  }

  const keys = {
    n: "stage", g: "start", " ": "manual_lap", r: "reset_plus", R: "reset_minus", i: "toggle_valid",
    x: "undo_crossing", z: "undo_mine", Z: "redo_mine", e: "end", d: "dnf", v: "speak", a: "add",
  };
  let queueIndex = null; // selected queue entry while in queue mode (Q), else null
  let queueEntries = [];

  function queueKey(event) {
    const entry = queueEntries[queueIndex];
    const payload = (extra) => Object.assign({ entry_id: entry.entry_id, track_id: root.dataset.track || null }, extra);
    const step = event.key === "ArrowUp" ? -1 : event.key === "ArrowDown" ? 1 : 0;
    if (step && event.shiftKey) {
      const position = Math.min(queueEntries.length - 1, Math.max(0, queueIndex + step));
      if (position !== queueIndex) act("queue_move", payload({ position: position }));
      queueIndex = position;
    } else if (step) {
      queueIndex = Math.min(queueEntries.length - 1, Math.max(0, queueIndex + step));
    } else if (event.key === "Enter") {
      act("stage", payload());
      queueIndex = null;
    } else if (event.key === "Delete" || event.key === "Backspace") {
      act("queue_remove", payload());
    } else if (event.key === "Escape" || event.key === "q") {
      queueIndex = null;
    } else {
      return false;
    }
    event.preventDefault();
    renderQueueSelection();
    return true;
  }

  function renderQueueSelection() {
    if (queueIndex !== null && queueIndex >= queueEntries.length) queueIndex = queueEntries.length ? queueEntries.length - 1 : null;
    Array.from($("queue").children).forEach((item, index) => item.classList.toggle("selected", index === queueIndex));
  }

  // Keys typed into a field, a select or an open dialog are text, never actions. A dialog
  // that just closed may hold the focus a moment longer: it no longer takes keys.
  function isTyping(node) {
    if (!node || !node.closest) return false;
    const dialog = node.closest("dialog");
    if (dialog) return dialog.open;
    return Boolean(node.closest("input, textarea, select, [contenteditable]"));
  }

  document.addEventListener("keydown", (event) => {
    if (document.querySelector("dialog[open]")) return; // keys belong to the dialog
    if (isTyping(event.target) || isTyping(document.activeElement)) {
      if (event.key === "Escape" && document.activeElement) document.activeElement.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (queueIndex !== null && queueKey(event)) return;
    if (event.key === "q" && queueEntries.length) {
      queueIndex = 0;
      renderQueueSelection();
      event.preventDefault();
      return;
    }
    if (event.key === "ArrowUp") { selectBy(-1); event.preventDefault(); return; }
    if (event.key === "ArrowDown") { selectBy(1); event.preventDefault(); return; }
    if (event.key === "Escape") { selectedLap = null; renderRun(); return; }
    const key = event.key.length === 1 && !event.shiftKey ? event.key.toLowerCase() : event.key;
    const name = keys[key];
    if (!name) return;
    event.preventDefault();
    handlers[name]();
  });

  document.querySelectorAll("button[data-action]").forEach((button) => {
    button.addEventListener("click", () => { button.blur(); handlers[button.dataset.action](); });
  });
  $("speak").addEventListener("change", (event) => act("speak", { on: event.target.checked }));
  document.querySelectorAll("#sounds input[data-sound]").forEach((box) => {
    box.addEventListener("change", () => act("sounds", { [box.dataset.sound]: box.checked }));
  });
  let refused = null; // the queue_add payload the board refused: not an entrant of the round

  // The alias field keeps the focus after Add, so the next name typed is text (Esc leaves).
  // It is emptied at once: a fast typist's next name is never wiped by the late answer.
  function addDone(payload) {
    if ($("add-alias").value === payload.alias) {  // put back after a refusal: now queued
      $("add-alias").value = "";
      $("add-car").value = "";
    }
    refused = null;
    $("override").hidden = true;
  }

  function addRefused(payload) {
    if ($("add-alias").value === "") {
      $("add-alias").value = payload.alias;
      $("add-car").value = payload.car;
    }
  }

  $("add-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const payload = { alias: $("add-alias").value, car: $("add-car").value, track_id: root.dataset.track || null };
    $("add-alias").value = "";
    $("add-car").value = "";
    $("add-alias").focus();
    addReply(payload, await act("queue_add", payload, true));
  });

  // The board's answer to a queue_add: queued, a question ("same person?"), a racer who is
  // not an entrant (staff may give a reason), or a refusal. `sent` is what was asked.
  function addReply(payload, reply, sent) {
    if (!reply) { addRefused(payload); return; }
    if (reply.ok) {
      addDone(payload);
      if (reply.warning) toast(L.reason(reply.warning_code, reply.warning));
      else if (sent) toast(sent.new_racer ? L.t("Queued as a new racer") : L.t("Queued"), true);
      return;
    }
    addRefused(payload);
    if (reply.status === 409 && reply.question === "same_racer") {
      askSamePerson(payload, reply);
      return;
    }
    // matched on the English message id: `error` is in the page's language
    if (reply.status === 409 && (reply.template || reply.error).indexOf("not an entrant") >= 0) {
      // a racer who did not qualify: staff may let them race, with a reason that is logged
      refused = sent || payload;
      $("override-text").textContent = reply.error;
      $("override-reason").value = "";
      $("override").hidden = false;
      $("override-reason").focus();
      return;
    }
    toast(reply.error);
  }
  $("override").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!refused) return;
    const reason = $("override-reason").value.trim();
    if (!reason) { $("override-reason").focus(); return; }
    const reply = await act("queue_add", Object.assign({}, refused, { override_reason: reason }));
    if (reply && reply.ok) {
      addDone(refused);
      toast(L.t("Queued with the reason logged"), true);
      // the override is logged in the round's entrant log, which no /live update carries
      document.dispatchEvent(new CustomEvent("lapgate:program-stale"));
    }
  });
  $("override-cancel").addEventListener("click", () => { refused = null; $("override").hidden = true; });

  // A typed name that is a known racer's: the board asks "same person?" and lists their
  // runs; staff pick the racer (queued by id) or say it is someone else (a new racer).
  const sameDialog = $("same-dialog");
  function askSamePerson(payload, reply) {
    if (sameDialog.open) return;
    const name = reply.matches[0].alias;
    const typed = payload.alias.trim();
    $("sd-text").textContent = reply.matches.length === 1
      ? L.t("“{typed}” is already a racer: {name}. Same person?", { typed: typed, name: name })
      : L.tn("“{typed}” is the name of {n} racer. Which one is it?", "“{typed}” is the name of {n} racers. Which one is it?",
        reply.matches.length, { typed: typed });
    const box = $("sd-matches");
    box.replaceChildren();
    reply.matches.forEach((match) => {
      const item = L.el("div", "sd-match");
      item.appendChild(L.el("strong", "", match.runs.length
        ? L.tn("{name}: {n} run", "{name}: {n} runs", match.runs.length, { name: match.alias })
        : L.t("{name}: no runs yet", { name: match.alias })));
      const list = L.el("ol");
      match.runs.forEach((run) => {
        list.appendChild(L.el("li", "", runLine(run, run.laps) + (run.car ? " · " + run.car : "")));
      });
      item.appendChild(list);
      const same = L.el("button", "primary sd-same", L.t("Same person: queue {name}", { name: match.alias }));
      same.type = "button";
      same.dataset.racer = match.racer_id;
      same.addEventListener("click", () => answerSame(payload, { racer_id: match.racer_id }));
      item.appendChild(same);
      box.appendChild(item);
    });
    $("sd-new").onclick = () => answerSame(payload, { new_racer: true });
    sameDialog.showModal();
    box.querySelector("button").focus();
  }
  $("sd-cancel").addEventListener("click", () => { sameDialog.close(); $("add-alias").focus(); });
  async function answerSame(payload, answer) {
    sameDialog.close();
    $("add-alias").focus();
    const sent = Object.assign({}, payload, answer);
    addReply(payload, await act("queue_add", sent, true), sent);
  }

  function renderQueue(track) {
    const list = $("queue");
    list.replaceChildren();
    queueEntries = track.queue;
    track.queue.forEach((entry, index) => {
      const item = L.el("li");
      item.appendChild(L.el("span", "name", entry.name));
      if (entry.car) item.appendChild(L.el("span", "muted", " " + entry.car));
      if (entry.is_team) item.appendChild(L.el("span", "muted driver", " " + (drivenBy(entry) || L.t("driver?"))));
      const tools = L.el("span", "tools");
      const button = (label, title, fn) => {
        const b = L.el("button", "small", label);
        b.title = title;
        b.addEventListener("click", fn);
        tools.appendChild(b);
      };
      const payload = (extra) => Object.assign({ entry_id: entry.entry_id, track_id: track.track_id }, extra);
      button("▶", L.t("Stage this racer"), () => act("stage", payload()));
      if (index > 0) button("↑", L.t("Move up"), () => act("queue_move", payload({ position: index - 1 })));
      if (index < track.queue.length - 1) button("↓", L.t("Move down"), () => act("queue_move", payload({ position: index + 1 })));
      button("✕", L.t("Remove from the queue"), () => act("queue_remove", payload()));
      button("✎", L.t("Rename this racer"), () => rename(entry.racer_id, entry.name));
      if (entry.is_team) button(L.t("Driver"), L.t("Who drives (a member or a proxy)"), () => document.dispatchEvent(new CustomEvent("lapgate:team-driver", { detail: { entry: entry, track_id: track.track_id } })));
      item.appendChild(tools);
      list.appendChild(item);
    });
    renderQueueSelection();
  }

  function renderRun() {
    const run = current;
    $("racer-label").textContent = correcting ? L.t("Correcting a run (the clocks are the track's)") : L.t("On track");
    $("racer").textContent = run ? run.racer : "—";
    $("run-status").textContent = run
      ? [L.status(run.status), run.car, drivenBy(run), L.tn("{n} lap", "{n} laps", run.laps.length)].filter(Boolean).join(" · ")
      : L.t("no run staged");
    const body = $("laps");
    body.replaceChildren();
    if (selectedLap !== null && (!run || !run.laps.some((lap) => lap.number === selectedLap))) selectedLap = null;
    (run ? run.laps : []).slice().reverse().forEach((lap) => {
      const row = L.el("tr", lap.valid ? "" : "invalid-row");
      if (lap.number === selectedLap) row.classList.add("selected");
      row.appendChild(L.el("td", "", lap.number));
      row.appendChild(L.el("td", "digits" + (lap.valid ? "" : " invalid"), L.fmtLap(lap.duration_ms)));
      row.appendChild(L.el("td", "", lap.resets));
      row.appendChild(L.el("td", "", lap.valid ? (lap.source === "manual" ? L.t("manual") : L.t("ok")) : L.lapReasons(lap)));
      row.addEventListener("click", () => { selectedLap = selectedLap === lap.number ? null : lap.number; renderRun(); });
      body.appendChild(row);
    });
    renderRunChart(run);
    $("target").textContent = selectedLap === null
      ? L.t("Target: the lap in progress (↑/↓ to pick a lap)")
      : L.t("Target: lap {lap} (Esc: back to the lap in progress)", { lap: selectedLap });
    const undo = $("undo-list");
    undo.replaceChildren();
    (run ? run.undoable : []).forEach((entry) => {
      const item = L.el("li");
      item.appendChild(L.el("span", "", eventLabel(entry)));
      const b = L.el("button", "small", L.t("Undo"));
      b.addEventListener("click", () => act("undo", runPayload({ event_id: entry.event_id })));
      item.appendChild(b);
      undo.appendChild(item);
    });
  }

  // The run's laps as a chart (server-rendered SVG): fetched again only when the run changed.
  function renderRunChart(run) {
    const img = $("run-chart");
    img.hidden = !run || !run.laps.length;
    if (img.hidden) return;
    const src = "/charts/runs/" + encodeURIComponent(run.run_id) + ".svg?size=tablet&v=" + run.event_count;
    if (img.getAttribute("src") !== src) {
      img.src = src;
      img.alt = L.t("Lap times of {racer}, run {seq}", { racer: run.racer, seq: run.seq });
    }
  }

  // Correcting a past run (picked from the leaderboard): `correcting` is its id, and its
  // view is fetched again after every change, since /live pushes only the run on track.
  let correcting = null;
  let correctedView = null;
  let lastTrack = null;
  let shownRacer = null; // the leaderboard row whose runs are listed

  async function refreshCorrected() {
    const runId = correcting;
    if (!runId) return;
    const response = await fetch("/api/runs/" + encodeURIComponent(runId), { cache: "no-store" });
    if (runId !== correcting) return;
    if (!response.ok) { stopCorrecting(); toast(L.t("That run no longer exists")); return; }
    correctedView = await response.json();
    current = correctedView;
    renderCorrecting();
    renderRun();
  }

  function correct(runId) {
    correcting = runId;
    correctedView = null;
    selectedLap = null;
    refreshCorrected();
  }

  function stopCorrecting() {
    correcting = null;
    correctedView = null;
    selectedLap = null;
    current = lastTrack ? lastTrack.run : null;
    renderCorrecting();
    renderRun();
  }
  $("correcting-done").addEventListener("click", stopCorrecting);

  function renderCorrecting() {
    const box = $("correcting");
    const run = correctedView;
    box.hidden = !correcting;
    if (!run) return;
    const closed = run.round_status === "closed";
    box.className = "correcting" + (closed ? " closed" : "");
    const fields = { racer: run.racer, seq: run.seq, round: L.roundName({ name: run.round_name, default_name: run.round_default_name }), status: L.status(run.status) };
    $("correcting-text").textContent = closed
      ? L.t("Correcting {racer}'s run {seq} ({round}, {status}). The round is closed: a change here changes results already announced.", fields)
      : L.t("Correcting {racer}'s run {seq} ({round}, {status}).", fields);
  }

  // "driven by Pat (proxy)" for a team's entry or run with a driver named, else "".
  function drivenBy(entry) {
    if (!entry.raced_by) return "";
    return entry.proxy ? L.t("driven by {name} (proxy)", { name: entry.raced_by }) : L.t("driven by {name}", { name: entry.raced_by });
  }

  // One run in a racer's list: round · run · status · laps · best lap. `laps`: the count.
  function runLine(run, laps) {
    const roundName = L.roundName({ name: run.round_name, default_name: run.round_default_name });
    const round = run.round_status === "closed" ? L.t("{round} (closed)", { round: roundName }) : roundName;
    const best = run.best_lap_ms === null ? L.t("no valid lap") : L.t("best {time}", { time: L.fmtLap(run.best_lap_ms) });
    return [round, L.t("run {seq}", { seq: run.seq }), L.status(run.status), L.tn("{n} lap", "{n} laps", laps), best].join(" · ");
  }

  function renderBoard(track) {
    const list = $("board-rows");
    list.replaceChildren();
    (track ? track.leaderboard : []).forEach((row) => {
      const item = L.el("li", row.racer_id === shownRacer ? "selected" : "");
      item.dataset.racer = row.racer_id;
      item.title = L.tn("{n} run", "{n} runs", row.runs) + ", " + L.tn("{n} valid lap", "{n} valid laps", row.valid_laps);
      item.appendChild(L.el("span", "rank", row.rank === null ? "–" : String(row.rank)));
      item.appendChild(L.el("span", "name", row.name));
      item.appendChild(L.el("span", "value", row.value_ms === null ? "—" : L.fmtLap(row.value_ms)));
      item.appendChild(L.el("span", "runs", row.runs + "×"));
      item.addEventListener("click", () => showRuns(row.racer_id));
      list.appendChild(item);
    });
  }

  function showRuns(racerId) {
    return openRacer(shownRacer === racerId ? null : racerId);
  }

  function smallButton(label, id, fn, cls) {
    const b = L.el("button", "small" + (cls ? " " + cls : ""), label);
    b.type = "button";
    if (id) b.id = id;
    b.addEventListener("click", fn);
    return b;
  }

  // A racer's runs (each can be corrected) and what staff may do to the racer itself.
  async function openRacer(racerId) {
    const box = $("racer-runs");
    shownRacer = racerId;
    renderBoard(lastTrack);
    if (!shownRacer) { box.hidden = true; return; }
    const [response, others] = await Promise.all([
      fetch("/api/racers/" + encodeURIComponent(racerId), { cache: "no-store" }),
      fetch("/api/racers", { cache: "no-store" }).then((r) => (r.ok ? r.json() : [])),
    ]);
    if (!response.ok || shownRacer !== racerId) { if (!response.ok) box.hidden = true; return; }
    const racer = await response.json();
    box.replaceChildren();
    box.appendChild(L.el("strong", "", L.tn("{name}: {n} run", "{name}: {n} runs", racer.runs.length, { name: racer.alias })));
    const tools = L.el("div", "racer-tools");
    tools.appendChild(smallButton(L.t("Rename"), "rename-racer", () => rename(racer.racer_id, racer.alias)));
    tools.appendChild(smallButton(L.t("Queue again"), "queue-racer", () => {
      act("queue_add", { racer_id: racer.racer_id, track_id: root.dataset.track || null }).then((reply) => {
        if (reply && reply.ok) toast(reply.warning ? L.reason(reply.warning_code, reply.warning) : L.t("{name} queued", { name: racer.alias }), !reply.warning);
      });
    }));
    if (!racer.runs.length) tools.appendChild(smallButton(L.t("Delete racer"), "delete-racer", () => deleteRacer(racer), "danger"));
    box.appendChild(tools);
    const candidates = others.filter((other) => other.racer_id !== racer.racer_id);
    if (candidates.length) {
      const merge = L.el("div", "racer-tools");
      const select = L.el("select");
      select.id = "merge-from";
      select.title = L.t("The other racer: their runs and queue entries become {name}'s", { name: racer.alias });
      candidates.forEach((other) => {
        const option = L.el("option", "", L.tn("{name} ({n} run)", "{name} ({n} runs)", other.runs, { name: other.alias }));
        option.value = other.racer_id;
        select.appendChild(option);
      });
      merge.appendChild(select);
      merge.appendChild(smallButton(L.t("Merge into {name}", { name: racer.alias }), "merge-racer", () => {
        const other = candidates.find((c) => c.racer_id === select.value);
        if (other) mergeRacer(racer, other);
      }));
      box.appendChild(merge);
    }
    racer.merged.forEach((merged) => {
      const row = L.el("div", "racer-tools");
      row.appendChild(L.el("span", "muted", L.t("Merged in: {name}", { name: merged.alias })));
      row.appendChild(smallButton(L.t("Split"), "", () => splitRacer(racer, merged)));
      box.appendChild(row);
    });
    const list = L.el("ol");
    racer.runs.forEach((run) => {
      const item = L.el("li");
      item.appendChild(L.el("span", "", runLine(run, run.laps.length)));
      const button = L.el("button", "small", L.t("Correct"));
      button.type = "button";
      button.dataset.run = run.run_id;
      button.addEventListener("click", () => correct(run.run_id));
      item.appendChild(button);
      list.appendChild(item);
    });
    box.appendChild(list);
    box.hidden = false;
  }

  // A typo in an alias, fixed everywhere at once (the board refuses another racer's alias).
  function rename(racerId, alias) {
    const options = { confirm: L.t("Rename"), reason: L.t("New alias"), reasonRequired: true, value: alias };
    return ask(L.t("Rename {name} to:", { name: alias }), options).then((newAlias) => {
      if (newAlias === null || newAlias === alias) return null;
      return act("racer_rename", { racer_id: racerId, alias: newAlias }).then((reply) => {
        if (reply && reply.ok) {
          toast(L.t("Renamed to {name}", { name: reply.alias }), true);
          if (shownRacer === racerId) openRacer(racerId);
        }
        return reply;
      });
    });
  }

  // Two names of one person: the other racer's runs and queue entries move here (live).
  function mergeRacer(racer, other) {
    const text = L.tn(
      "Merge {other} ({n} run) into {kept}? {other}'s runs and queue entries become {kept}'s; Split undoes it.",
      "Merge {other} ({n} runs) into {kept}? {other}'s runs and queue entries become {kept}'s; Split undoes it.",
      other.runs, { other: other.alias, kept: racer.alias });
    return ask(text, { confirm: L.t("Merge") }).then((yes) => {
      if (yes === null) return null;
      return act("racer_merge", { kept_id: racer.racer_id, merged_id: other.racer_id }).then((reply) => {
        if (reply && reply.ok) {
          toast(L.tn("Merged: {n} run under {name}", "Merged: {n} runs under {name}", reply.runs, { name: racer.alias }), true);
          openRacer(racer.racer_id);
        }
        return reply;
      });
    });
  }

  function splitRacer(racer, merged) {
    const text = L.t("Split {merged} from {kept}? The runs that moved go back.", { merged: merged.alias, kept: racer.alias });
    return ask(text, { confirm: L.t("Split") }).then((yes) => {
      if (yes === null) return null;
      return act("racer_split", { merge_id: merged.merge_id }).then((reply) => {
        if (reply && reply.ok) {
          toast(L.t("Split: {name} is a racer of their own again", { name: merged.alias }), true);
          openRacer(racer.racer_id);
        }
        return reply;
      });
    });
  }

  function deleteRacer(racer) {
    const text = L.t("Delete {name}? They have no runs; the racer is forgotten.", { name: racer.alias });
    return ask(text, { confirm: L.t("Delete") }).then((yes) => {
      if (yes === null) return null;
      return act("racer_delete", { racer_id: racer.racer_id }).then((reply) => {
        if (reply && reply.ok) { toast(L.t("{name} deleted", { name: racer.alias }), true); openRacer(null); findRacers(); }
        return reply;
      });
    });
  }

  // Any racer, also one with no run yet (not on the leaderboard), by a part of the alias.
  async function findRacers() {
    const query = $("racer-find").value.trim();
    const list = $("racer-found");
    if (!query) { list.replaceChildren(); return; }
    const response = await fetch("/api/racers?q=" + encodeURIComponent(query), { cache: "no-store" });
    if (!response.ok || $("racer-find").value.trim() !== query) return;
    const found = await response.json();
    list.replaceChildren();
    found.slice(0, 12).forEach((racer) => {
      const item = L.el("li", "", L.tn("{name} · {n} run", "{name} · {n} runs", racer.runs, { name: racer.alias }));
      item.dataset.racer = racer.racer_id;
      item.addEventListener("click", () => openRacer(racer.racer_id));
      list.appendChild(item);
    });
    if (!found.length) list.appendChild(L.el("li", "muted", L.t("No racer matches")));
  }
  $("racer-find").addEventListener("input", findRacers);

  function renderGates(gates) {
    const box = $("gate-lights");
    box.replaceChildren();
    Object.keys(gates || {}).forEach((gateId) => {
      const light = L.el("span", "gate " + gates[gateId].level, gateId);
      light.title = L.gateState(gates[gateId]);
      box.appendChild(light);
    });
  }

  function render(live) {
    const track = live.track();
    if (!track) return;
    $("event-name").textContent = live.state.event.name;
    const round = track.round;
    if (!round) $("round-name").textContent = L.t("no round open");
    else $("round-name").textContent = round.status === "closed" ? L.t("{round} (closed)", { round: L.roundName(round) }) : L.roundName(round);
    $("format").textContent = round ? L.formatLabel(round) : L.t("open one under Program");
    $("speak").checked = live.state.settings.speak_laps;
    const sounds = live.state.settings.sounds || {};
    document.querySelectorAll("#sounds input[data-sound]").forEach((box) => { box.checked = sounds[box.dataset.sound] !== false; });
    renderGates(live.state.gates);
    lastTrack = track;
    current = correcting ? correctedView || track.run : track.run;
    renderQueue(track);
    renderBoard(track);
    renderRun();
    if (correcting) refreshCorrected();
    document.dispatchEvent(new CustomEvent("lapgate:state", { detail: live }));
  }

  function onUpdate(message) {
    if (message.type === "notice") {
      const item = L.el("li", "", L.fmtTime(Date.now()) + " " + L.reason(message.code, message.text));
      $("notices").prepend(item);
      while ($("notices").children.length > 8) $("notices").lastChild.remove();
    }
  }

  function tick(live) {
    const track = live.track();
    if (track && track.run) {
      const run = track.run;
      const now = live.now(track);
      if (run.status === "running") {
        $("run-clock").textContent = L.fmtClock(run.deadline_at_ms - now);
        $("lap-clock").textContent = run.current_lap_start_at_ms === null ? "—" : L.fmtLapTenths(now - run.current_lap_start_at_ms);
      } else {
        // staged: the whole run time; over: no clock (the status line says how it ended)
        $("run-clock").textContent = run.status === "staged" ? L.fmtClock(run.time_limit_ms) : "—";
        $("lap-clock").textContent = "";
      }
    } else {
      $("run-clock").textContent = "—";
      $("lap-clock").textContent = "";
    }
    requestAnimationFrame(() => tick(live));
  }

  // The socket's state as live.js reports it (a code), in the page's language.
  const CONNECTION = {
    connected: () => L.t("connected"), live: () => L.t("live"),
    reconnecting: () => L.t("reconnecting"), resyncing: () => L.t("resyncing"),
  };
  const live = L.connect({
    trackId: root.dataset.track,
    onState: render,
    onUpdate: onUpdate,
    onStatus: (code) => { $("conn").textContent = CONNECTION[code] ? CONNECTION[code]() : code; },
  });
  requestAnimationFrame(() => tick(live));
  renderUndoButtons();
  window.__control = { act: act, pending: () => pending };
})();
