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
  head.appendChild(L.el("h2", "", "Brackets"));
  const picker = L.el("select", "bkc-pick");
  picker.id = "bkc-pick";
  head.appendChild(picker);
  const screenLink = L.el("a", "bkc-link", "Big screen ↗");
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
    if (!response) { say("No answer from the board; check the network"); return null; }
    let reply = {};
    try { reply = await response.json(); } catch (err) { reply = { error: "HTTP " + response.status }; }
    if (!response.ok) { say(reply.error || "HTTP " + response.status); return null; }
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
    details.appendChild(L.el("summary", "", "Open a bracket from this track's leaderboard"));
    const form = L.el("form", "bkc-form");
    form.id = "bkc-open-form";
    form.appendChild(field("Name", input("name", "text", "", { maxlength: "80", placeholder: "Final 8" })));
    form.appendChild(field("Racers (top N)", input("size", "number", "8", { min: "2", max: "64" })));
    form.appendChild(field("Kind", select("kind", [["double", "double elimination"], ["single", "single elimination"]])));
    form.appendChild(field("Stop when N remain", input("stop_at", "number", "1", { min: "1", max: "64" })));
    form.appendChild(field("Attempts", input("attempts", "number", "2", { min: "1", max: "10" })));
    form.appendChild(field("Tie", select("tie", [["higher_seed", "higher seed goes through"], ["rerun", "re-run"]])));
    form.appendChild(field("Grand final reset", input("grand_final_reset", "checkbox")));
    const go = L.el("button", "primary", "Open bracket");
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
      if (reply) { chosen = reply.bracket_id; say("Bracket opened; its round is now on the track.", true); details.open = false; refresh(); }
    });
    details.appendChild(form);
    return details;
  }

  // The decision's times ("top v bottom" in the note) with the winner's first, as it reads
  // after "A beat B": "Gustav beat Fredrik (7.192 v 9.519)".
  function timesOf(match) {
    const found = /^(no time|\d+\.\d+) v (no time|\d+\.\d+)(.*)$/.exec(match.note || "");
    if (!found) return match.note ? " (" + match.note + ")" : "";
    const bottomWon = match.bottom.racer && match.winner && match.bottom.racer.id === match.winner.id;
    return " (" + (bottomWon ? found[2] + " v " + found[1] : found[1] + " v " + found[2]) + found[3] + ")";
  }

  function racerName(slot) {
    return slot.racer ? slot.racer.name : slot.from;
  }

  function button(text, className, onClick) {
    const node = L.el("button", className || "", text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function act(view, action, payload, done) {
    return post("/api/brackets/" + encodeURIComponent(view.bracket_id) + "/" + action, payload).then((reply) => {
      if (reply) say(done || action + ": done", true);
      return reply;
    });
  }

  // The control page's own confirmation dialog (js/control.js), else the browser's.
  function ask(text) {
    return L.ask ? L.ask(text, { confirm: "Yes" }).then((r) => r !== null) : Promise.resolve(window.confirm(text));
  }

  function allMatches(view) {
    const out = [];
    view.brackets.forEach((b) => b.rounds.forEach((r) => r.matches.forEach((m) => out.push(m))));
    return out;
  }

  function renderStaged(view, box) {
    const match = allMatches(view).find((m) => m.id === view.staged);
    const card = L.el("div", "bkc-staged");
    card.appendChild(L.el("div", "bkc-label", "On the queue: " + match.id));
    card.appendChild(L.el("div", "bkc-vs", racerName(match.top) + "  v  " + racerName(match.bottom)));
    const row = L.el("div", "bkc-buttons");
    row.appendChild(button("Decide from runs", "primary", () => ask("Decide " + match.id + " from its runs?").then((yes) => {
      if (yes) act(view, "decide", {}, "Result recorded");
    })));
    [match.top, match.bottom].forEach((slot) => {
      if (!slot.racer) return;
      row.appendChild(button("No-show: " + slot.racer.name, "", () => {
        ask(slot.racer.name + " did not show up and loses " + match.id + "?").then((yes) => {
          if (yes) act(view, "decide", { no_show: [slot.racer.id] }, "No-show recorded");
        });
      }));
    });
    row.appendChild(button("Unstage", "", () => act(view, "unstage", {}, "Match taken off the queue")));
    card.appendChild(row);
    box.appendChild(card);
  }

  function renderNext(view, box) {
    box.appendChild(L.el("div", "bkc-label", view.finished ? "Bracket finished" : "Next up"));
    const list = L.el("ol", "bkc-list");
    view.next_up.forEach((match) => {
      const item = L.el("li");
      item.appendChild(L.el("span", "bkc-id", match.id));
      item.appendChild(L.el("span", "bkc-names", racerName(match.top) + " v " + racerName(match.bottom)));
      item.appendChild(button("Stage", "small", () => act(view, "stage", { match_id: match.id, replace: Boolean(view.staged) }, "Staged: racers added to the queue")));
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function renderDecided(view, box) {
    const decided = allMatches(view).filter((m) => m.status === "decided" || m.status === "flagged");
    if (!decided.length) return;
    box.appendChild(L.el("div", "bkc-label", "Results (correct a winner)"));
    const list = L.el("ol", "bkc-list");
    decided.forEach((match) => {
      const item = L.el("li", match.status === "flagged" ? "flagged" : "");
      item.appendChild(L.el("span", "bkc-id", match.id));
      const text = match.winner ? match.winner.name + " beat " + match.loser.name + timesOf(match) : "flagged: " + match.flag_reason;
      item.appendChild(L.el("span", "bkc-names", text));
      const other = match.winner && match.loser ? match.loser : null;
      if (other) {
        item.appendChild(button(other.name + " wins", "small", () => {
          ask("Correct " + match.id + ": " + other.name + " wins?").then((yes) => {
            if (yes) act(view, "correct", { match_id: match.id, winner_id: other.id }, "Result corrected");
          });
        }));
      }
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function render(view) {
    body.replaceChildren();
    if (!view) { body.appendChild(L.el("div", "muted", "No bracket yet.")); return; }
    body.appendChild(L.el("div", "muted", view.rules.format + " · " + view.kind + " · " + view.rules.attempts + (view.rules.attempts === 1 ? " attempt" : " attempts")));
    if (view.staged) renderStaged(view, body);
    renderNext(view, body);
    renderDecided(view, body);
    const lastActive = view.events.find((e) => e.active);
    if (lastActive) {
      body.appendChild(button("Undo: " + lastActive.label, "small bkc-undo", () => act(view, "undo", { event_id: lastActive.event_id }, "Undone")));
    }
  }

  async function refresh() {
    const listing = await fetch("/api/brackets", { cache: "no-store" }).then((r) => (r.ok ? r.json() : []));
    views = listing;
    if (!chosen || !views.some((b) => b.bracket_id === chosen)) chosen = views.length ? views[views.length - 1].bracket_id : null;
    picker.replaceChildren();
    views.forEach((b) => {
      const option = L.el("option", "", b.name + (b.finished ? " (finished)" : ""));
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
