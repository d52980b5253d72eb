/* Control page "Brackets" panel: open a bracket from the track's round, stage the next
 * match (its racers join the queue in running order), decide it from the runs, record a
 * no-show, correct a result, undo. Staff HTTP API with the page's CSRF token; the panel
 * refreshes on every "bracket" update of /live. Text only through textContent. */
(function () {
  "use strict";
  const L = window.Lapgate;
  const main = document.getElementById("control");
  if (!main) return;
  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = "/static/css/brackets-control.css";
  document.head.appendChild(css);

  const panel = L.el("section", "panel brackets-panel");
  panel.id = "brackets-panel";
  const head = L.el("div", "bkc-head");
  head.appendChild(L.el("h2", "", L.t("Brackets")));
  const picker = L.el("select", "bkc-pick");
  picker.id = "bkc-pick";
  head.appendChild(picker);
  const screenLink = L.el("a", "bkc-link", L.t("Big screen ↗"));
  screenLink.href = "/brackets";
  screenLink.target = "_blank";
  head.appendChild(screenLink);
  panel.appendChild(head);
  const note = L.el("div", "bkc-note");
  note.id = "bkc-note";
  panel.appendChild(note);
  const body = L.el("div", "bkc-body");
  panel.appendChild(body);
  panel.appendChild(openForm());
  main.appendChild(panel);

  let views = [];
  let chosen = null;

  function say(text, ok) {
    note.textContent = text || "";
    note.className = "bkc-note" + (ok ? " ok" : text ? " err" : "");
  }

  async function post(path, payload) {
    const response = await window.LapgateStaff.post(path, payload);
    if (!response) { say(L.t("No answer from the board; check the network")); return null; }
    const failed = L.t("The board answered HTTP {status}", { status: response.status });
    let reply = {};
    try { reply = await response.json(); } catch (err) { reply = { error: failed }; }
    if (!response.ok) { say(reply.error || failed); return null; }
    return reply;
  }

  function field(label, input) {
    const wrap = L.el("label", "bkc-field");
    wrap.appendChild(L.el("span", "", label));
    wrap.appendChild(input);
    return wrap;
  }

  function input(name, type, value, attrs) {
    const node = document.createElement("input");
    node.name = name;
    node.type = type;
    if (value !== undefined) node.value = value;
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    return node;
  }

  function select(name, options) {
    const node = document.createElement("select");
    node.name = name;
    options.forEach(([value, text]) => {
      const option = L.el("option", "", text);
      option.value = value;
      node.appendChild(option);
    });
    return node;
  }

  function openForm() {
    const details = L.el("details", "bkc-open");
    details.appendChild(L.el("summary", "", L.t("Open a bracket from this track's leaderboard")));
    const form = L.el("form", "bkc-form");
    form.id = "bkc-open-form";
    const name = input("name", "text", "", { maxlength: "80" });
    name.placeholder = L.t("Final 8");
    form.appendChild(field(L.t("Name"), name));
    form.appendChild(field(L.t("Racers (top N)"), input("size", "number", "8", { min: "2", max: "64" })));
    const kinds = [["double", L.t("double elimination")], ["single", L.t("single elimination")]];
    form.appendChild(field(L.t("Kind"), select("kind", kinds)));
    form.appendChild(field(L.t("Stop when N remain"), input("stop_at", "number", "1", { min: "1", max: "64" })));
    form.appendChild(field(L.t("Attempts"), input("attempts", "number", "2", { min: "1", max: "10" })));
    const ties = [["higher_seed", L.t("higher seed goes through")], ["rerun", L.t("re-run")]];
    form.appendChild(field(L.t("Tie"), select("tie", ties)));
    form.appendChild(field(L.t("Grand final reset"), input("grand_final_reset", "checkbox")));
    const go = L.el("button", "primary", L.t("Open bracket"));
    go.type = "submit";
    form.appendChild(go);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const f = form.elements;
      const payload = {
        kind: f.kind.value, tie: f.tie.value, grand_final_reset: f.grand_final_reset.checked,
        size: Number(f.size.value), stop_at: Number(f.stop_at.value), attempts: Number(f.attempts.value),
      };
      if (f.name.value.trim()) payload.name = f.name.value.trim();
      if (main.dataset.track) payload.track_id = main.dataset.track;
      const reply = await post("/api/brackets", payload);
      if (!reply) return;
      chosen = reply.bracket_id;
      say(L.t("Bracket opened; its round is now on the track."), true);
      details.open = false;
      refresh();
    });
    details.appendChild(form);
    return details;
  }

  // A decision's note as the board writes it ("top v bottom" times in seconds, e.g.
  // "7.192 v 9.519", maybe more after), with the winner's time first as it reads after
  // "A beat B", in the page's language and decimal separator; "" without a note.
  const TIMES = /^(no time|\d+\.\d+) v (no time|\d+\.\d+)(.*)$/;

  function timeText(seconds) {
    return seconds === "no time" ? L.t("no time") : L.fmtLap(Math.round(parseFloat(seconds) * 1000));
  }

  function timesText(note, winnerIsBottom) {
    const found = TIMES.exec(note || "");
    if (!found) return note || "";
    const [top, bottom] = [timeText(found[1]), timeText(found[2])];
    const pair = winnerIsBottom ? { a: bottom, b: top } : { a: top, b: bottom };
    return L.t("{a} v {b}", pair) + restText(found[3]);
  }

  // What timer/bracket_match.py adds after the times: why the winner won.
  function restText(rest) {
    if (rest === ": no-show") return ": " + L.t("no-show");
    if (rest === " (format tie-break)") return " (" + L.t("format tie-break") + ")";
    const seed = /^: tie, seed (\d+) goes through$/.exec(rest);
    if (seed) return ": " + L.t("tie, seed {n} goes through", { n: seed[1] });
    return rest;
  }

  function beatText(winner, loser, times) {
    return times
      ? L.t("{winner} beat {loser} ({times})", { winner: winner, loser: loser, times: times })
      : L.t("{winner} beat {loser}", { winner: winner, loser: loser });
  }

  // An entry of the bracket's log (board/live/brackets.py), for its Undo button.
  function eventText(event) {
    if (event.match_id) return event.match_id + ": " + beatText(event.winner, event.loser, timesText(event.note, false));
    if (event.undo_of !== undefined) return L.t("undo of #{n}", { n: event.undo_of });
    return event.label;
  }

  function timesOf(match) {
    const bottomWon = Boolean(match.bottom.racer && match.winner && match.bottom.racer.id === match.winner.id);
    return timesText(match.note, bottomWon);
  }

  // Where a slot's racer comes from, as timer/bracket_layout.py's source_label words it.
  function fromText(from) {
    let found = /^seed (\d+)$/.exec(from || "");
    if (found) return L.t("seed {n}", { n: found[1] });
    found = /^(winner|loser) of (.+)$/.exec(from || "");
    if (found && found[1] === "winner") return L.t("winner of {match}", { match: found[2] });
    if (found) return L.t("loser of {match}", { match: found[2] });
    return from;
  }

  function racerName(slot) {
    return slot.racer ? slot.racer.name : fromText(slot.from);
  }

  function versus(match) {
    return L.t("{top} v {bottom}", { top: racerName(match.top), bottom: racerName(match.bottom) });
  }

  function button(text, className, onClick) {
    const node = L.el("button", className || "", text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function act(view, action, payload, done) {
    return post("/api/brackets/" + encodeURIComponent(view.bracket_id) + "/" + action, payload).then((reply) => {
      if (reply) say(done, true);
      return reply;
    });
  }

  // The control page's own confirmation dialog (js/control.js), else the browser's.
  function ask(text) {
    return L.ask ? L.ask(text, { confirm: L.t("Yes") }).then((r) => r !== null) : Promise.resolve(window.confirm(text));
  }

  function allMatches(view) {
    const out = [];
    view.brackets.forEach((b) => b.rounds.forEach((r) => r.matches.forEach((m) => out.push(m))));
    return out;
  }

  function renderStaged(view, box) {
    const match = allMatches(view).find((m) => m.id === view.staged);
    const card = L.el("div", "bkc-staged");
    card.appendChild(L.el("div", "bkc-label", L.t("On the queue: {match}", { match: match.id })));
    card.appendChild(L.el("div", "bkc-vs", versus(match)));
    const row = L.el("div", "bkc-buttons");
    row.appendChild(button(L.t("Decide from runs"), "primary", () => ask(L.t("Decide {match} from its runs?", { match: match.id })).then((yes) => {
      if (yes) act(view, "decide", {}, L.t("Result recorded"));
    })));
    [match.top, match.bottom].forEach((slot) => {
      if (!slot.racer) return;
      const who = { name: slot.racer.name, match: match.id };
      row.appendChild(button(L.t("No-show: {name}", who), "", () => {
        ask(L.t("{name} did not show up and loses {match}?", who)).then((yes) => {
          if (yes) act(view, "decide", { no_show: [slot.racer.id] }, L.t("No-show recorded"));
        });
      }));
    });
    row.appendChild(button(L.t("Unstage"), "", () => act(view, "unstage", {}, L.t("Match taken off the queue"))));
    card.appendChild(row);
    box.appendChild(card);
  }

  function renderNext(view, box) {
    box.appendChild(L.el("div", "bkc-label", view.finished ? L.t("Bracket finished") : L.t("Next up")));
    const list = L.el("ol", "bkc-list");
    view.next_up.forEach((match) => {
      const item = L.el("li");
      item.appendChild(L.el("span", "bkc-id", match.id));
      item.appendChild(L.el("span", "bkc-names", versus(match)));
      const staging = { match_id: match.id, replace: Boolean(view.staged) };
      item.appendChild(button(L.t("Stage"), "small", () => act(view, "stage", staging, L.t("Staged: racers added to the queue"))));
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function renderDecided(view, box) {
    const decided = allMatches(view).filter((m) => m.status === "decided" || m.status === "flagged");
    if (!decided.length) return;
    box.appendChild(L.el("div", "bkc-label", L.t("Results (correct a winner)")));
    const list = L.el("ol", "bkc-list");
    decided.forEach((match) => {
      const item = L.el("li", match.status === "flagged" ? "flagged" : "");
      item.appendChild(L.el("span", "bkc-id", match.id));
      const text = match.winner ? beatText(match.winner.name, match.loser.name, timesOf(match)) : L.t("flagged: {reason}", { reason: L.reason(match.flag_code, match.flag_reason) });
      item.appendChild(L.el("span", "bkc-names", text));
      const other = match.winner && match.loser ? match.loser : null;
      if (other) {
        item.appendChild(button(L.t("{name} wins", { name: other.name }), "small", () => {
          ask(L.t("Correct {match}: {name} wins?", { match: match.id, name: other.name })).then((yes) => {
            if (yes) act(view, "correct", { match_id: match.id, winner_id: other.id }, L.t("Result corrected"));
          });
        }));
      }
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function render(view) {
    body.replaceChildren();
    if (!view) { body.appendChild(L.el("div", "muted", L.t("No bracket yet."))); return; }
    const rules = [
      view.rules.format_kind ? L.formatLabel({ format: view.rules.format_kind, format_laps: view.rules.format_laps, format_label: view.rules.format }) : view.rules.format,
      view.kind === "double" ? L.t("double elimination") : view.kind === "single" ? L.t("single elimination") : view.kind,
      L.tn("{n} attempt", "{n} attempts", view.rules.attempts),
    ];
    body.appendChild(L.el("div", "muted", rules.join(" · ")));
    if (view.staged) renderStaged(view, body);
    renderNext(view, body);
    renderDecided(view, body);
    const lastActive = view.events.find((e) => e.active);
    if (lastActive) {
      const undo = L.t("Undo: {action}", { action: eventText(lastActive) });
      body.appendChild(button(undo, "small bkc-undo", () => act(view, "undo", { event_id: lastActive.event_id }, L.t("Undone"))));
    }
  }

  async function refresh() {
    const listing = await fetch("/api/brackets", { cache: "no-store" }).then((r) => (r.ok ? r.json() : []));
    views = listing;
    if (!chosen || !views.some((b) => b.bracket_id === chosen)) chosen = views.length ? views[views.length - 1].bracket_id : null;
    picker.replaceChildren();
    views.forEach((b) => {
      const option = L.el("option", "", b.finished ? L.t("{name} (finished)", { name: b.name }) : b.name);
      option.value = b.bracket_id;
      picker.appendChild(option);
    });
    picker.hidden = views.length < 2;
    if (chosen) picker.value = chosen;
    if (!chosen) { render(null); return; }
    const response = await fetch("/api/brackets/" + encodeURIComponent(chosen), { cache: "no-store" });
    render(response.ok ? await response.json() : null);
  }

  picker.addEventListener("change", () => { chosen = picker.value; refresh(); });
  const socket = io("/live", { reconnectionDelayMax: 3000 });
  socket.on("snapshot", refresh);
  socket.on("update", (message) => { if (message.type === "bracket") refresh(); });
  window.__bracketsControl = { refresh: refresh };
})();
