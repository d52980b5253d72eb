/* The big screen follows the round on its track (loaded before js/screen.js).
 *
 * `#screen[data-mode]` picks the layout: "timed" (run + leaderboard, as always),
 * "bracket" (the match on track beside the bracket drawing of js/brackets.js),
 * "shootout" (the running order with each finalist's time as it comes in) and "idle"
 * (no round on the track: "Next: <round>" and the program). Everything comes from the
 * live state (`track`, `program`, `brackets`) except earlier attempts of the match on
 * track after a reload, read once from /api/racers/<id>. Text only through textContent. */
(function () {
  "use strict";
  const L = window.Lapgate;
  const B = window.LapgateBrackets;
  const $ = (id) => document.getElementById(id);
  const runs = {}; // run_id → the newest run view seen (track updates, /api/racers)
  const fetched = {}; // racer_id → true once their runs were read
  let drawn = ""; // "<bracket id>:<rev>" of the drawing on screen
  let lastLive = null;

  const KIND_TEXT = {
    timed: () => L.t("timed runs"), bracket: () => L.t("head-to-head bracket"),
    shootout: () => L.t("final shootout"), external: () => L.t("raced elsewhere"),
  };
  const STATUS_TEXT = { pending: () => "", open: () => L.t("now"), closed: () => L.t("done") };
  const LARGEST_DRAWING = 1.6; // a small bracket is drawn larger than on /brackets, for 10 m

  function setText(id, text) {
    const node = $(id);
    if (node.textContent !== text) node.textContent = text;
  }

  function modeOf(track) {
    const round = track.round;
    if (!round) return "idle";
    if (round.kind === "bracket" && round.bracket_id) return "bracket";
    if (round.kind === "shootout") return "shootout";
    return "timed";
  }

  /* ---- bracket: the match on track ---------------------------------------------------- */

  function score(run, format) {
    return format === "average" ? run.window_ms : run.best_lap_ms;
  }

  // The runs of `racer` in the staged match: each staged attempt took one of the racer's
  // queue entries, so the attempts raced are `attempts` minus the entries left, and they
  // are the racer's newest runs of the round. (The bracket view names the staged match but
  // not its runs; see docs/board.md.)
  function matchRuns(track, view, match, racer) {
    if (view.staged !== match.id) return [];
    const left = track.queue.filter((entry) => entry.racer_id === racer.id).length;
    const raced = Math.max(0, Math.min(view.rules.attempts, view.rules.attempts - left));
    const mine = Object.values(runs)
      .filter((run) => run.racer_id === racer.id && run.round_id === view.round_id)
      .sort((a, b) => a.seq - b.seq);
    return raced ? mine.slice(-raced) : [];
  }

  function attemptText(run, format) {
    if (run.status === "running" || run.status === "staged") return L.t("on track");
    if (run.status === "dnf" || run.status === "aborted") return L.status(run.status).toUpperCase();
    const value = score(run, format);
    return value === null ? L.t("no time") : L.fmtLap(value);
  }

  function sideNode(track, view, match, which, format) {
    const slot = match[which];
    const racer = slot.racer;
    const node = L.el("div", "match-side");
    node.appendChild(L.el("span", "match-seed", racer ? racer.seed : ""));
    node.appendChild(L.el("span", "match-name", racer ? racer.name : slot.bye ? L.t("bye") : B.sourceText(slot)));
    const attempts = L.el("ol", "match-attempts");
    let best = null;
    if (racer) {
      matchRuns(track, view, match, racer).forEach((run, index) => {
        const item = L.el("li", "digits");
        item.appendChild(L.el("span", "n", index + 1));
        item.appendChild(L.el("span", "t", attemptText(run, format)));
        attempts.appendChild(item);
        const value = score(run, format);
        const counts = run.status !== "dnf" && run.status !== "aborted";
        if (counts && value !== null && (best === null || value < best)) best = value;
      });
      const onTrack = track.run && track.run.racer_id === racer.id && (track.run.status === "running" || track.run.status === "staged");
      node.classList.toggle("on-track", Boolean(onTrack && view.staged === match.id));
      node.dataset.racer = racer.id;
    }
    if (!attempts.children.length) attempts.appendChild(L.el("li", "waiting", view.staged === match.id ? L.t("to race") : L.t("waiting")));
    node.appendChild(attempts);
    node.appendChild(L.el("span", "match-best digits", best === null ? "—" : L.fmtLap(best)));
    node.dataset.best = best === null ? "" : String(best);
    return node;
  }

  function renderMatch(track, view) {
    const round = track.round;
    const sides = $("match-sides");
    sides.replaceChildren();
    const match = view.current_match ? B.findMatch(view, view.current_match) : null;
    if (!match) {
      setText("match-title", view.finished ? L.t("Bracket finished") : L.t("Match"));
      const people = view.champion ? [view.champion] : view.finalists;
      const names = people.map((r) => r.name).join(", ");
      const done = view.champion ? L.t("Champion: {names}", { names: names }) : L.t("To the next round: {names}", { names: names });
      sides.appendChild(L.el("div", "match-done", people.length ? done : "—"));
    } else {
      const title = view.staged === match.id ? L.t("On track · {match}", { match: match.id }) : L.t("Next match · {match}", { match: match.id });
      setText("match-title", title);
      const top = sideNode(track, view, match, "top", round.format);
      const bottom = sideNode(track, view, match, "bottom", round.format);
      const a = top.dataset.best;
      const b = bottom.dataset.best;
      if (a || b) (!b || (a && Number(a) <= Number(b)) ? top : bottom).classList.add("ahead");
      sides.appendChild(top);
      sides.appendChild(L.el("div", "match-vs", "v"));
      sides.appendChild(bottom);
      needRuns(match);
    }
    const last = view.events.find((event) => event.active);
    setText("match-last", last ? L.t("Last result · {result}", { result: B.eventText(last) }) : "");
    const later = view.next_up.filter((m) => !match || m.id !== match.id).slice(0, 3);
    const line = later.map((m) => m.id + " " + slotName(m.top) + " v " + slotName(m.bottom)).join("  ·  ");
    setText("match-next", line ? L.t("Then · {matches}", { matches: line }) : "");
  }

  function slotName(slot) {
    return slot.racer ? slot.racer.name : B.sourceText(slot);
  }

  function needRuns(match) {
    [match.top.racer, match.bottom.racer].forEach((racer) => {
      if (!racer || fetched[racer.id]) return;
      fetched[racer.id] = true;
      fetch("/api/racers/" + encodeURIComponent(racer.id), { cache: "no-store" })
        .then((response) => (response.ok ? response.json() : null))
        .then((detail) => {
          if (!detail) return;
          detail.runs.forEach((run) => { if (!runs[run.run_id]) runs[run.run_id] = run; });
          if (lastLive) render(lastLive, lastLive.track());
        })
        .catch(() => { fetched[racer.id] = false; });
    });
  }

  function renderBracket(track) {
    const view = (lastLive.state.brackets || {})[track.round.bracket_id];
    if (!view) return;
    setText("bracket-name", view.name);
    setText("bracket-rules", [B.kindText(view), B.formatText(view.rules), B.attemptsText(view.rules)].join(" · "));
    const trees = $("bracket-trees");
    const key = view.bracket_id + ":" + view.rev;
    if (drawn !== key) {
      B.draw(trees, view, false);
      drawn = key;
      B.fit(trees, LARGEST_DRAWING);
    }
    const run = track.run;
    const active = run && (run.status === "running" || run.status === "staged") && view.staged;
    B.markOnTrack(trees, active ? run.racer_id : null);
    renderMatch(track, view);
  }

  /* ---- shootout: the running order ---------------------------------------------------- */

  function renderShootout(track, round) {
    const list = $("running-order");
    list.replaceChildren();
    const order = round ? round.running_order : [];
    const rows = {};
    track.leaderboard.forEach((row) => { rows[row.racer_id] = row; });
    const run = track.run;
    order.forEach((racer, index) => {
      const row = rows[racer.racer_id];
      const onTrack = run && run.racer_id === racer.racer_id && (run.status === "running" || run.status === "staged");
      const item = L.el("li", onTrack ? "on-track" : row && row.value_ms !== null ? "done" : "waiting");
      if (row && row.rank === 1 && row.value_ms !== null) item.classList.add("first");
      item.dataset.racer = racer.racer_id;
      item.appendChild(L.el("span", "order", index + 1));
      item.appendChild(L.el("span", "name", racer.name));
      let time = "—";
      if (onTrack) time = L.t("on track");
      else if (row && row.value_ms !== null) time = L.fmtLap(row.value_ms);
      item.appendChild(L.el("span", "value digits", time));
      const place = row && row.rank !== null && row.value_ms !== null ? placeText(row.rank) : "";
      item.appendChild(L.el("span", "place", place));
      list.appendChild(item);
    });
    setText("board-count", order.length ? L.tn("{n} finalist", "{n} finalists", order.length) : "");
  }

  // "1st", "2nd" … in English; other languages need one form ("1." in German)
  function placeText(rank) {
    if (rank % 10 === 1 && rank % 100 !== 11) return L.t("{n}st", { n: rank });
    if (rank % 10 === 2 && rank % 100 !== 12) return L.t("{n}nd", { n: rank });
    if (rank % 10 === 3 && rank % 100 !== 13) return L.t("{n}rd", { n: rank });
    return L.t("{n}th", { n: rank });
  }

  /* ---- no round on the track: what comes next ----------------------------------------- */

  function renderIdle(track, next) {
    setText("idle-next", next ? L.t("Next: {name}", { name: next.name }) : L.t("No round on this track"));
    const kind = KIND_TEXT[next && next.kind] ? KIND_TEXT[next.kind]() : next && next.kind;
    const from = next && next.entry_from.length ? [L.t("from {rounds}", { rounds: next.entry_from.join(" + ") })] : [];
    const rules = next ? [kind, L.formatLabel(next)].concat(from) : [];
    setText("idle-rules", rules.join(" · "));
    const list = $("idle-program");
    list.replaceChildren();
    (lastLive.state.program || []).forEach((round) => {
      const item = L.el("li", "status-" + round.status + (next && round.round_id === next.round_id ? " next" : ""));
      item.appendChild(L.el("span", "name", L.roundName(round)));
      const label = next && round.round_id === next.round_id ? L.t("next") : STATUS_TEXT[round.status] ? STATUS_TEXT[round.status]() : L.status(round.status);
      item.appendChild(L.el("span", "state", label));
      list.appendChild(item);
    });
  }

  /* The round part of the screen for `track`; returns the mode drawn. */
  function render(live, track) {
    lastLive = live;
    const root = $("screen");
    if (track.run) runs[track.run.run_id] = track.run;
    const mode = modeOf(track);
    if (root.dataset.mode !== mode) root.dataset.mode = mode;
    root.classList.toggle("no-round", !track.round);
    const round = track.round ? live.round(track.round.round_id) : null;
    const next = live.nextRound(track);
    setText("round-status", track.round && track.round.status === "closed" ? L.t("results") : "");
    let title = L.t("Leaderboard");
    if (mode === "shootout") title = L.t("Running order");
    else if (track.round && track.round.status === "closed") title = L.t("Results");
    setText("board-title", title);
    if (mode === "idle") renderIdle(track, next);
    else if (mode === "bracket") renderBracket(track);
    else if (mode === "shootout") renderShootout(track, round);
    return { mode: mode, next: next };
  }

  window.addEventListener("resize", () => {
    if ($("screen").dataset.mode === "bracket") B.fit($("bracket-trees"), LARGEST_DRAWING);
  });
  window.LapgateScreenRounds = { render: render };
})();
