/* Spectators' phones: full leaderboard with search; tap a racer for their runs and laps. */
(function () {
  "use strict";
  const L = window.Lapgate;
  const $ = (id) => document.getElementById(id);
  const root = $("phone");
  let detailRacer = null;

  function renderBoard(track) {
    const query = $("search").value.trim().toLowerCase();
    const body = $("leaderboard");
    body.replaceChildren();
    const current = track.run ? track.run.racer_id : null;
    track.leaderboard
      .filter((s) => !query || s.name.toLowerCase().includes(query))
      .forEach((s) => {
        const row = L.el("tr", s.racer_id === current ? "current" : "");
        row.appendChild(L.el("td", "rank", s.rank === null ? "–" : s.rank));
        const name = L.el("td", "name", s.name);
        if (s.model) name.appendChild(L.el("span", "model", s.model));
        row.appendChild(name);
        row.appendChild(L.el("td", "value digits", L.fmtLap(s.value_ms)));
        row.appendChild(L.el("td", "gap digits", L.fmtGap(s.gap_to_leader_ms)));
        row.addEventListener("click", () => showRacer(s.racer_id));
        body.appendChild(row);
      });
  }

  async function showRacer(racerId, refresh) {
    detailRacer = racerId;
    const response = await fetch("/api/racers/" + encodeURIComponent(racerId));
    if (!response.ok) return;
    const racer = await response.json();
    $("detail-name").textContent = racer.alias;
    const box = $("detail-runs");
    box.replaceChildren();
    racer.runs.forEach((run) => {
      const card = L.el("div", "run-card");
      card.appendChild(L.el("div", "muted", L.t("Run {seq} · {status} · best {best}", { seq: run.seq, status: L.status(run.status), best: L.fmtLap(run.best_lap_ms) })));
      if (run.model) {
        const model = L.el("div", "model-line", L.t("Model") + " ");
        if (run.model_card) {
          const link = L.el("a", "", run.model);
          link.href = "/models/" + encodeURIComponent(run.model_card);
          model.appendChild(link);
        } else {
          model.appendChild(L.el("span", "", run.model));
        }
        card.appendChild(model);
      }
      const laps = L.el("div", "laps");
      run.laps.forEach((lap) => {
        const cls = (lap.valid ? "" : "invalid ") + (lap.number === run.best_lap_number ? "best" : "");
        const item = L.el("span", "digits " + cls, lap.number + ": " + L.fmtLap(lap.duration_ms));
        if (!lap.valid) item.title = L.lapReasons(lap); // why it does not count
        laps.appendChild(item);
      });
      card.appendChild(laps);
      if (run.laps.length) {
        const chart = L.el("img", "run-chart");
        chart.alt = L.t("Lap times of run {seq}", { seq: run.seq });
        chart.src = "/charts/runs/" + encodeURIComponent(run.run_id) + ".svg?size=phone&v=" + run.event_count;
        card.appendChild(chart);
      }
      box.appendChild(card);
    });
    $("racer-detail").hidden = false;
    if (!refresh) $("racer-detail").scrollIntoView({ behavior: "smooth" });
  }

  $("detail-close").addEventListener("click", () => { $("racer-detail").hidden = true; detailRacer = null; });
  $("search").addEventListener("input", () => render(live));

  function render(live) {
    const track = live.track();
    if (!track) return;
    $("event-name").textContent = live.state.event.name;
    const round = track.round;
    const next = live.nextRound(track);
    if (round) {
      const status = round.status === "closed" ? " · " + L.t("results") : round.status === "open" ? "" : " · " + L.status(round.status);
      $("format").textContent = L.roundName(round) + status + " · " + L.formatLabel(round);
    } else {
      $("format").textContent = next ? L.t("Next: {name}", { name: next.name }) : L.t("No round on track");
    }
    const run = track.run;
    $("racer").textContent = run ? run.racer : "—";
    $("last-lap").textContent = run ? L.fmtLap(run.last_lap_ms) : "—";
    $("best-lap").textContent = run ? L.fmtLap(run.best_lap_ms) : "—";
    renderBoard(track);
    renderRoundChart(round, track);
  }

  // The round's lap times as a chart, fetched again when the number of laps changed.
  function renderRoundChart(round, track) {
    const laps = track.leaderboard.reduce((sum, row) => sum + row.laps, 0);
    $("round-chart-box").hidden = !round || !laps;
    if (!round || !laps) return;
    const src = "/charts/rounds/" + encodeURIComponent(round.round_id) + "/laps.svg?size=phone&v=" + laps;
    const img = $("round-chart");
    if (img.getAttribute("src") !== src) {
      img.src = src;
      img.alt = L.t("Lap-time distribution of {name}", { name: L.roundName(round) });
    }
  }

  function onUpdate(message) {
    if (detailRacer && message.type === "track" && message.track.run && message.track.run.racer_id === detailRacer && message.event) {
      showRacer(detailRacer, true);
    }
  }

  function tick(live) {
    const track = live.track();
    const run = track && track.run;
    let text = "";
    if (run && run.status === "running") text = L.fmtClock(run.deadline_at_ms - live.now(track));
    else if (run) text = L.status(run.status);
    if ($("run-clock").textContent !== text) $("run-clock").textContent = text;
    setTimeout(() => tick(live), 250);
  }

  const live = L.connect({ trackId: root.dataset.track, onState: render, onUpdate: onUpdate });
  tick(live);
})();
