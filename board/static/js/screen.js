/* The big screen: renders the live state; the lap and run clocks tick client-side. The
 * round on the track picks the layout (js/screen-rounds.js: timed, bracket, shootout,
 * or "Next: <round>" when no round is on the track). */
(function () {
  "use strict";
  const L = window.Lapgate;
  const root = document.getElementById("screen");
  const rows = Number(root.dataset.rows) || 10;
  const $ = (id) => document.getElementById(id);
  let lastLapCount = null;
  let lastRunId = null;
  let scrollPage = 0;

  function setText(id, text) {
    const node = $(id);
    if (node.textContent !== text) node.textContent = text;
  }

  function renderGates(gates) {
    const box = $("gate-lights");
    box.replaceChildren();
    Object.keys(gates || {}).forEach((gateId) => {
      const light = L.el("span", "gate-light " + gates[gateId].level);
      light.title = gateId + ": " + L.gateState(gates[gateId]);
      box.appendChild(light);
    });
  }

  // A run that is over (and has laps to show) is drawn as a chart in place of the list.
  function renderRunChart(run) {
    const over = Boolean(run) && run.status !== "staged" && run.status !== "running" && run.laps.length > 1;
    root.classList.toggle("run-over", over);
    const img = $("run-chart");
    img.hidden = !over;
    if (!over) return;
    const src = "/charts/runs/" + encodeURIComponent(run.run_id) + ".svg?size=screen&theme=dark&v=" + run.event_count;
    if (img.getAttribute("src") !== src) {
      img.src = src;
      img.alt = L.t("Lap times of {name}", { name: run.racer });
    }
  }

  function renderLaps(run) {
    renderRunChart(run);
    const list = $("laps");
    list.replaceChildren();
    if (!run) return;
    const laps = run.laps.slice(-16);
    laps.forEach((lap) => {
      const item = L.el("li", lap.valid ? "" : "invalid");
      if (lap.number === run.best_lap_number) item.classList.add("best");
      item.appendChild(L.el("span", "n", lap.number));
      item.appendChild(L.el("span", "t digits", L.fmtLap(lap.duration_ms)));
      if (lap.resets) item.appendChild(L.el("span", "r", "↺" + lap.resets));
      item.title = L.lapReasons(lap);
      list.appendChild(item);
    });
  }

  function renderBoard(track) {
    const list = $("leaderboard");
    list.replaceChildren();
    const current = track.run ? track.run.racer_id : null;
    const ranked = track.leaderboard;
    ranked.forEach((s) => {
      const item = L.el("li", s.rank === 1 ? "first" : "");
      item.dataset.racer = s.racer_id;
      if (s.racer_id === current) item.classList.add("current");
      item.appendChild(L.el("span", "rank", s.rank === null ? "–" : s.rank));
      item.appendChild(L.el("span", "name", s.name));
      item.appendChild(L.el("span", "value digits", L.fmtLap(s.value_ms)));
      // a lap-count racer short of N laps: how many of them they completed, not a gap
      const gap = s.laps_short ? s.result_laps + "/" + (s.result_laps + s.laps_short) : L.fmtGap(s.gap_to_leader_ms);
      item.appendChild(L.el("span", "gap digits", gap));
      list.appendChild(item);
    });
    const windowBox = $("leaderboard-window");
    windowBox.style.height = `calc(${Math.min(rows, Math.max(ranked.length, 1))} * 3.3vw)`;
    setText("board-count", ranked.length ? L.tn("{n} racer", "{n} racers", ranked.length) : "");
    scrollBoard();
  }

  function scrollBoard() {
    const list = $("leaderboard");
    const pages = Math.max(1, Math.ceil(list.children.length / rows));
    if (scrollPage >= pages) scrollPage = 0;
    list.style.transform = `translateY(calc(${-scrollPage * rows} * 3.3vw))`;
  }

  function nextPage() {
    scrollPage += 1;
    scrollBoard();
  }
  setInterval(nextPage, 8000);
  window.__screen = { nextPage: nextPage };

  function showJoinQr(track) {
    // Phones may join this track's queue: its QR code beside the spectator one.
    const box = $("join-qr");
    const joinable = Boolean(track.join) && track.join !== "closed";
    box.hidden = !joinable;
    if (joinable && box.dataset.track !== track.track_id) {
      box.dataset.track = track.track_id;
      $("join-qr-img").src = "/join/qr.svg?track=" + encodeURIComponent(track.track_id);
      $("join-url").textContent = box.dataset.base + encodeURIComponent(track.track_id);
    }
  }

  let leaderShown = null; // the racer of the "New leader" box while it is up
  const HIGHLIGHTS = { new_leader: () => L.t("New leader"), personal_best: () => L.t("Personal best") };
  // the words of the live link's state (board/static/js/live.js) in the page's language
  const CONNECTION = {
    connected: () => L.t("connected"), live: () => L.t("live"),
    resyncing: () => L.t("resyncing"), reconnecting: () => L.t("reconnecting"),
  };

  function showHighlight(code, name, racerId) {
    const box = $("highlight");
    leaderShown = code === "new_leader" ? racerId : null;
    box.replaceChildren(L.el("div", "kind", HIGHLIGHTS[code]()), L.el("div", "who", name));
    box.hidden = false;
    clearTimeout(showHighlight.timer);
    showHighlight.timer = setTimeout(() => { box.hidden = true; leaderShown = null; }, 4000);
    const row = document.querySelector(`#leaderboard li[data-racer="${CSS.escape(racerId)}"]`);
    if (row) row.classList.add("flash");
  }

  function render(live) {
    const state = live.state;
    window.LapgateSounds.configure(state.settings.sounds);
    const track = live.track();
    if (!track) return;
    setText("event-name", state.event.name);
    setText("round-name", track.round ? L.roundName(track.round) : "");
    setText("format", track.round ? L.formatLabel(track.round) : "");
    renderGates(state.gates);
    const run = track.run;
    setText("racer", run ? run.racer : "—");
    const nameLength = run ? run.racer.length : 0;
    $("racer").classList.toggle("long", nameLength > 16 && nameLength <= 24);
    $("racer").classList.toggle("very-long", nameLength > 24);
    setText("car", carLine(run));
    showJoinQr(track);
    setText("last-lap", run ? L.fmtLap(run.last_lap_ms) : "—");
    setText("best-lap", run ? L.fmtLap(run.best_lap_ms) : "—");
    if (run && run.finish_laps) {
      setText("window-label", L.tn("Total {n} lap", "Total {n} laps", run.finish_laps));
      setText("window", L.fmtLap(run.race_total_ms));
    } else {
      setText("window-label", L.t("Best avg {n}", { n: run ? run.window_laps : 3 }));
      setText("window", run ? L.fmtLap(run.window_ms) : "—");
    }
    const resets = run && run.status === "running" ? run.current_lap_resets : 0;
    setText("lap-resets", resets ? L.tn("↺ {n} reset", "↺ {n} resets", resets) : "");
    renderLaps(run);
    renderBoard(track);
    const shown = window.LapgateScreenRounds.render(live, track);
    let next = track.queue.slice(0, 3).map((q) => q.name).join("  ·  ");
    if (track.round && track.round.status === "closed") next = shown.next ? L.t("Next round: {name}", { name: shown.next.name }) : "";
    setText("next-up", next || "—");
    // nothing raced yet in this round: a waiting screen rather than empty clocks
    const waiting = shown.mode === "timed" && !run && !track.leaderboard.length;
    $("screen").classList.toggle("waiting", waiting);
    if (waiting) {
      setText("waiting-event", state.event.name);
      setText("waiting-round", track.round ? L.roundName(track.round) + " · " + L.formatLabel(track.round) : "");
      setText("waiting-next", next ? L.t("Next up: {names}", { names: next }) : "");
    }
    lastRunId = run ? run.run_id : null;
    lastLapCount = run ? run.laps.length : null;
  }

  function onUpdate(message, live) {
    const track = live.track();
    if (message.type !== "track" || !track || message.track.track_id !== track.track_id) return;
    const run = message.track.run;
    // in a bracket the round's leaderboard mixes matches: the match card says who leads
    const highlights = root.dataset.mode === "bracket" ? [] : message.highlights || [];
    const leader = message.track.leaderboard.length ? message.track.leaderboard[0] : null;
    if (leaderShown !== null && !(leader && leader.rank === 1 && leader.racer_id === leaderShown)) {
      $("highlight").hidden = true; // the lap that made them leader was corrected
      leaderShown = null;
    }
    highlights.forEach((h) => {
      if (h === "new_leader") {
        showHighlight("new_leader", run.racer, run.racer_id);
        window.LapgateSounds.play("new_leader");
      }
      else if (h === "personal_best") showHighlight("personal_best", run.racer, run.racer_id);
    });
    if (run && run.run_id === lastRunId && run.laps.length > (lastLapCount || 0)) {
      const lap = run.laps[run.laps.length - 1];
      if (live.state.settings.speak_laps) window.LapgateSounds.speakLap(lap);
    }
  }

  // the car and model, and for a team's run who drives it ("driven by Bo, proxy")
  function carLine(run) {
    if (!run) return "";
    const parts = [run.car, run.model].filter(Boolean);
    if (run.raced_by) {
      parts.push(run.proxy ? L.t("driven by {name}, proxy", { name: run.raced_by }) : L.t("driven by {name}", { name: run.raced_by }));
    }
    return parts.join(" · ");
  }

  // "2" in a timed run; "2 / 3" in a lap-count race (and "3 / 3" once it is run)
  function lapNumber(run) {
    if (!run) return "";
    if (run.finish_laps) {
      if (run.status === "running") return Math.min(run.laps.length + 1, run.finish_laps) + " / " + run.finish_laps;
      return run.status === "finished" ? run.laps.length + " / " + run.finish_laps : "";
    }
    return run.status === "running" ? String(run.laps.length + 1) : "";
  }

  function tick(live) {
    const track = live.track();
    if (track) {
      const run = track.run;
      const now = live.now(track);
      let lapText = "—";
      let runText = "—";
      let runClass = "run-clock digits";
      let label = L.t("Run time");
      if (run) {
        const limit = run.time_limit_ms;
        if (run.status === "staged") {
          runText = L.fmtClock(limit);
          label = run.start_mode === "staff" ? L.t("Ready") : L.t("Ready · rolling start");
          lapText = L.fmtLapTenths(0);
        } else if (run.status === "running") {
          const remaining = run.deadline_at_ms - now;
          runText = L.fmtClock(remaining);
          if (remaining <= 0) { runText = "0:00"; label = run.expiry === "finish_lap" ? L.t("Final lap") : L.t("Time up"); runClass += " red"; }
          else if (remaining <= 30000) runClass += " red";
          else if (remaining <= 60000) runClass += " amber";
          lapText = L.fmtLapTenths(run.current_lap_start_at_ms === null ? 0 : now - run.current_lap_start_at_ms);
        } else {
          runText = run.status === "finished" ? "0:00" : L.status(run.status).toUpperCase();
          label = run.status === "finished" ? L.t("Finished") : L.t("Run");
          runClass += " over";
          lapText = run.last_lap_ms === null ? "—" : L.fmtLap(run.last_lap_ms);
        }
      }
      setText("lap-clock", lapText);
      setText("run-clock", runText);
      setText("run-label", label);
      setText("lap-number", lapNumber(run));
      const node = $("run-clock");
      if (node.className !== runClass) node.className = runClass;
      window.LapgateSounds.check(run, now);
    }
    requestAnimationFrame(() => tick(live));
  }

  const live = L.connect({
    trackId: root.dataset.track,
    onState: render,
    onUpdate: onUpdate,
    onStatus: (text) => setText("conn", CONNECTION[text] ? CONNECTION[text]() : text),
  });
  requestAnimationFrame(() => tick(live));
})();
