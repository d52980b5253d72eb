/* Bracket view (/brackets big screen, /m/brackets phones): both brackets as a tree, the
 * current match highlighted, results filled in live from "bracket" updates on /live.
 *
 * The view model comes from GET /api/brackets/<id|latest> after every snapshot (connect,
 * reconnect, resync) and then from pushed updates; a view replaces the shown one only when
 * its `rev` is newer. Every user string is written with textContent (Lapgate.el).
 *
 * The drawing itself (`window.LapgateBrackets.draw`, `fit`, `markOnTrack`) is shared: the
 * big screen (/) loads this file too and draws the bracket of the round on its track. */
(function () {
  "use strict";
  const L = window.Lapgate;

  const STATUS_TEXT = {
    waiting: () => L.t("waiting"), ready: () => L.t("ready"), decided: () => "", walkover: () => L.t("bye"),
    flagged: () => L.t("re-race"), void: () => L.t("not needed"), not_needed: () => L.t("not needed"),
  };
  const SIDE_TEXT = {
    winners: () => L.t("Undefeated bracket"), losers: () => L.t("Last chance bracket"),
    grand_final: () => L.t("Grand final"),
  };

  // Words of the bracket view (timer/bracket_view.py, board/live/brackets.py) said in the
  // page's language; what a page cannot recognise stays as the view wrote it.

  // Where a slot's racer comes from, from its parts (`source`: a seed, or the winner or
  // loser of a match); the view's English `from` for anything else.
  function sourceText(slot) {
    const source = slot.source || {};
    if (source.kind === "seed") return L.t("seed {n}", { n: source.seed });
    if (source.kind === "winner") return L.t("winner of {match}", { match: source.match });
    if (source.kind === "loser") return L.t("loser of {match}", { match: source.match });
    return slot.from;
  }

  // A round's title by its place in its side, as timer/bracket_view.py's round_title names it.
  function roundTitle(side, round, count) {
    if (side === "grand_final") return round === 1 ? L.t("Grand final") : L.t("Grand final reset");
    const fromEnd = count - round;
    if (side === "winners") {
      if (fromEnd === 0) return L.t("Final");
      if (fromEnd === 1) return L.t("Semi-finals");
      if (fromEnd === 2) return L.t("Quarter-finals");
      return L.t("Round {n}", { n: round });
    }
    return fromEnd === 0 ? L.t("Last chance final") : L.t("Last chance round {n}", { n: round });
  }

  // A decision's note: its times in the page's decimal style ("7.192 v 9.519").
  function noteText(note) {
    return String(note || "")
      .replace(/\b\d+\.\d{3}\b/g, (time) => L.fmtLap(Math.round(Number(time) * 1000)))
      .replace(/\bno time\b/g, () => L.t("no time"));
  }

  // A bracket log entry: a result ("W1-1: Dan beat Ann (7.192 v 9.519)") or an undo.
  function eventText(event) {
    if (event.undo_of !== undefined) return L.t("undo of #{n}", { n: event.undo_of });
    if (!event.match_id) return event.label;
    const result = L.t("{match}: {winner} beat {loser}", { match: event.match_id, winner: event.winner, loser: event.loser });
    return event.note ? result + " (" + noteText(event.note) + ")" : result;
  }

  function kindText(view) {
    const kind = view.kind === "double" ? L.t("double elimination") : L.t("single elimination");
    return view.stop_at > 1 ? kind + " · " + L.t("until {n} remain", { n: view.stop_at }) : kind;
  }

  function formatText(rules) {
    if (!rules.format_kind) return rules.format;
    return L.formatLabel({ format: rules.format_kind, format_laps: rules.format_laps, format_label: rules.format });
  }

  function attemptsText(rules) {
    return L.tn("{n} attempt", "{n} attempts", rules.attempts);
  }

  function seedText(racer) {
    return racer ? String(racer.seed) : "";
  }

  function slotNode(match, which) {
    const slot = match[which];
    const racer = slot.racer;
    const winner = match.winner && racer && match.winner.id === racer.id;
    const loser = match.loser && racer && match.loser.id === racer.id;
    const node = L.el("div", "bk-slot" + (winner ? " win" : "") + (loser ? " lose" : ""));
    node.appendChild(L.el("span", "bk-seed", seedText(racer)));
    let name;
    if (racer) name = L.el("span", "bk-racer", racer.name);
    else if (slot.bye) name = L.el("span", "bk-racer bk-tbd", L.t("bye"));
    else name = L.el("span", "bk-racer bk-tbd", sourceText(slot));
    node.appendChild(name);
    node.appendChild(L.el("span", "bk-mark", winner ? "✓" : ""));
    if (racer) node.dataset.racer = racer.id;
    return node;
  }

  function matchNode(match) {
    const classes = ["bk-match", "status-" + match.status];
    if (match.current) classes.push("current");
    const node = L.el("div", classes.join(" "));
    node.dataset.match = match.id;
    const head = L.el("div", "bk-match-head");
    head.appendChild(L.el("span", "bk-id", match.id));
    const label = match.current ? L.t("now") : match.status in STATUS_TEXT ? STATUS_TEXT[match.status]() : match.status;
    head.appendChild(L.el("span", "bk-match-status", label));
    node.appendChild(head);
    node.appendChild(slotNode(match, "top"));
    node.appendChild(slotNode(match, "bottom"));
    if (match.note && match.status === "decided") node.appendChild(L.el("div", "bk-note digits", noteText(match.note)));
    if (match.flag_reason) node.appendChild(L.el("div", "bk-flag", L.reason(match.flag_code, match.flag_reason)));
    return node;
  }

  function roundNode(round, side, count) {
    const column = L.el("div", "bk-round");
    column.appendChild(L.el("div", "bk-round-title", roundTitle(side, round.round, count)));
    const list = L.el("div", "bk-matches");
    round.matches.forEach((m) => list.appendChild(matchNode(m)));
    column.appendChild(list);
    return column;
  }

  function bracketNode(bracket) {
    const block = L.el("div", "bk-bracket side-" + bracket.side);
    block.dataset.side = bracket.side;
    block.appendChild(L.el("h2", "bk-bracket-title", SIDE_TEXT[bracket.side] ? SIDE_TEXT[bracket.side]() : bracket.title));
    const rounds = L.el("div", "bk-rounds");
    bracket.rounds.forEach((r) => rounds.appendChild(roundNode(r, bracket.side, bracket.rounds.length)));
    block.appendChild(rounds);
    return block;
  }

  function findMatch(view, id) {
    for (const bracket of view.brackets) {
      for (const round of bracket.rounds) {
        const match = round.matches.find((m) => m.id === id);
        if (match) return match;
      }
    }
    return null;
  }

  /* Draw `view`'s brackets into `trees` (its children are replaced). `compact` (phones)
   * lists the brackets one under the other; otherwise the grand final closes the
   * undefeated row, as on a printed bracket. */
  function draw(trees, view, compact) {
    trees.replaceChildren();
    const winners = view.brackets.find((b) => b.side === "winners");
    const grand = view.brackets.find((b) => b.side === "grand_final");
    if (!compact && winners && grand) {
      const row = bracketNode(winners);
      grand.rounds.forEach((r) => {
        const column = roundNode(r, grand.side, grand.rounds.length);
        column.classList.add("bk-grand");
        row.querySelector(".bk-rounds").appendChild(column);
      });
      trees.appendChild(row);
      view.brackets.filter((b) => b.side === "losers").forEach((b) => trees.appendChild(bracketNode(b)));
    } else {
      view.brackets.forEach((b) => trees.appendChild(bracketNode(b)));
    }
  }

  /* Big screens: the largest drawing (CSS --bk-scale, at most `largest`, default 1) that
   * fits its box. */
  function fit(trees, largest) {
    let scale = largest || 1;
    trees.style.setProperty("--bk-scale", scale.toFixed(2));
    while (scale > 0.4 && (trees.scrollHeight > trees.clientHeight + 2 || trees.scrollWidth > trees.clientWidth + 2)) {
      scale -= 0.05;
      trees.style.setProperty("--bk-scale", scale.toFixed(2));
    }
  }

  /* Mark racer `racerId` (on track now) in the current match of the drawing in `container`. */
  function markOnTrack(container, racerId) {
    container.querySelectorAll(".bk-slot.on-track").forEach((n) => n.classList.remove("on-track"));
    if (!racerId) return;
    container.querySelectorAll(`.bk-match.current .bk-slot[data-racer="${CSS.escape(racerId)}"]`).forEach((n) => n.classList.add("on-track"));
  }

  window.LapgateBrackets = {
    draw: draw, fit: fit, markOnTrack: markOnTrack, findMatch: findMatch,
    sourceText: sourceText, eventText: eventText, kindText: kindText, formatText: formatText, attemptsText: attemptsText,
  };

  const $ = (id) => document.getElementById(id);
  const root = $("brackets");
  if (!root) return; // another page loaded this file for the drawing only
  const phone = root.dataset.mode === "phone";
  const wanted = root.dataset.bracket || ""; // empty: follow the latest bracket
  let shown = null; // the bracket view on screen
  let live = null;

  function matchLine(match) {
    const top = match.top.racer ? match.top.racer.name : sourceText(match.top);
    const bottom = match.bottom.racer ? match.bottom.racer.name : sourceText(match.bottom);
    const item = L.el("li", match.current ? "current" : "");
    item.appendChild(L.el("span", "bk-id", match.id));
    item.appendChild(L.el("span", "bk-vs-name", top));
    item.appendChild(L.el("span", "bk-vs", "v"));
    item.appendChild(L.el("span", "bk-vs-name", bottom));
    return item;
  }

  function renderSide(view) {
    const current = view.current_match ? findMatch(view, view.current_match) : null;
    const box = $("bk-current");
    box.replaceChildren();
    if (current) {
      box.appendChild(L.el("div", "bk-current-id", view.staged === current.id ? L.t("{match} · on the queue", { match: current.id }) : current.id));
      [current.top, current.bottom].forEach((slot, i) => {
        const racer = slot.racer;
        const line = L.el("div", "bk-current-racer");
        line.appendChild(L.el("span", "bk-seed", racer ? racer.seed : ""));
        line.appendChild(L.el("span", "bk-racer", racer ? racer.name : sourceText(slot)));
        box.appendChild(line);
        if (i === 0) box.appendChild(L.el("div", "bk-vs big", "v"));
      });
    } else {
      box.textContent = view.finished ? L.t("Bracket finished") : "—";
    }
    const next = $("bk-next");
    next.replaceChildren();
    view.next_up.filter((m) => m.id !== view.current_match).slice(0, phone ? 20 : 4).forEach((m) => next.appendChild(matchLine(m)));
    if (!next.children.length) next.appendChild(L.el("li", "bk-muted", view.finished ? "—" : L.t("after this match")));
    const done = view.finished && (view.champion || view.finalists.length);
    $("bk-finalists-card").hidden = !done;
    if (done) {
      $("bk-finalists-label").textContent = view.champion ? L.t("Champion") : L.t("Finalists (to the shootout)");
      const list = $("bk-finalists");
      list.replaceChildren();
      const people = view.champion ? [view.champion] : view.finalists;
      people.forEach((r) => list.appendChild(L.el("li", "", L.t("{name} · seed {seed}", { name: r.name, seed: r.seed }))));
    }
  }

  function render(view) {
    shown = view;
    $("bk-empty").hidden = true;
    $("bk-name").textContent = view.name;
    $("bk-rules").textContent = [formatText(view.rules), kindText(view), attemptsText(view.rules)].join(" · ");
    let state = L.t("live");
    if (view.finished) state = L.status("finished");
    else if (view.flagged.length) state = L.tn("{n} flagged", "{n} flagged", view.flagged.length);
    $("bk-state").textContent = state;
    $("bk-state").className = "bk-badge " + (view.finished ? "done" : view.flagged.length ? "flagged" : "live");
    draw($("bk-trees"), view, phone);
    renderSide(view);
    renderTrack();
    if (!phone) fit($("bk-trees"));
  }

  function renderTrack() {
    const box = $("bk-ontrack");
    box.textContent = "";
    markOnTrack($("bk-trees"), null);
    if (!shown || !live || !live.state) return;
    const track = live.state.tracks.find((t) => t.track_id === shown.track_id);
    const run = track && track.run;
    if (!run || !track.round || track.round.round_id !== shown.round_id) return;
    const active = run.status === "running" || run.status === "staged";
    const words = { name: run.racer, best: L.fmtLap(run.best_lap_ms) };
    box.textContent = active ? L.t("On track: {name} · best {best}", words) : L.t("Last run: {name} · best {best}", words);
    if (active && shown.current_match) markOnTrack($("bk-trees"), run.racer_id);
  }

  async function load() {
    const path = "/api/brackets/" + encodeURIComponent(wanted || "latest");
    let response;
    try {
      response = await fetch(path, { cache: "no-store" });
    } catch (err) {
      return;
    }
    if (response.status === 404 || response.status === 204) {
      // none (any more): a new event started, or it was never opened; drop what was shown
      shown = null;
      $("bk-trees").textContent = "";
      $("bk-name").textContent = L.t("Brackets");
      $("bk-rules").textContent = "";
      $("bk-state").textContent = "";
      $("bk-empty").hidden = false;
      renderTrack();
      return;
    }
    if (!response.ok) return;
    const view = await response.json();
    if (!shown || shown.bracket_id !== view.bracket_id || view.rev >= shown.rev) render(view);
  }

  function onUpdate(message) {
    if (message.type === "bracket") {
      const view = message.bracket;
      const mine = wanted ? view.bracket_id === wanted : true;
      const newer = !shown || shown.bracket_id !== view.bracket_id || view.rev > shown.rev;
      // following the latest: a bracket opened later takes over the screen
      if (mine && newer && (wanted || !shown || shown.bracket_id === view.bracket_id || view.rev === 1)) render(view);
    } else if (message.type === "track") {
      renderTrack();
    }
  }

  // the words of the live link's state (board/static/js/live.js) in the page's language
  const CONNECTION = {
    connected: () => L.t("connected"), resyncing: () => L.t("resyncing"), reconnecting: () => L.t("reconnecting"),
  };

  function status(text) {
    const conn = $("conn");
    if (conn) conn.textContent = text === "live" ? "" : CONNECTION[text] ? CONNECTION[text]() : text;
  }

  live = L.connect({
    onUpdate: onUpdate,
    onStatus: status,
    onState: (state) => {
      if (state.state && state.state.event) {
        const name = $("event-name");
        if (name) name.textContent = state.state.event.name;
      }
    },
  });
  live.socket.on("snapshot", load);
  window.addEventListener("resize", () => { if (!phone) fit($("bk-trees")); });
  window.__brackets = { shown: () => shown, reload: load };
})();
