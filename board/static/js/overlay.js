/* Stream overlay: lower third with the racer and lap times, top-N leaderboard panel. */
(function () {
  "use strict";
  const L = window.Lapgate;
  const $ = (id) => document.getElementById(id);
  const root = $("overlay");
  const rows = Number(root.dataset.rows) || 5;

  function render(live) {
    const track = live.track();
    if (!track) return;
    $("round-name").textContent = track.round
      ? L.roundName(track.round) + " · " + L.formatLabel(track.round)
      : L.t("No round open");
    const run = track.run;
    $("racer").textContent = run ? run.racer : "—";
    $("last-lap").textContent = run ? L.fmtLap(run.last_lap_ms) : "—";
    $("best-lap").textContent = run ? L.fmtLap(run.best_lap_ms) : "—";
    const list = $("leaderboard");
    list.replaceChildren();
    track.leaderboard.slice(0, rows).forEach((s) => {
      const item = L.el("li");
      item.appendChild(L.el("span", "rank", s.rank === null ? "–" : s.rank));
      item.appendChild(L.el("span", "name", s.name));
      item.appendChild(L.el("span", "digits", L.fmtLap(s.value_ms)));
      list.appendChild(item);
    });
  }

  function tick(live) {
    const track = live.track();
    const run = track && track.run;
    if (run) {
      const now = live.now(track);
      const running = run.status === "running";
      $("lap-clock").textContent = running && run.current_lap_start_at_ms !== null ? L.fmtLapTenths(now - run.current_lap_start_at_ms) : "—";
      $("run-clock").textContent = running ? L.fmtClock(run.deadline_at_ms - now) : L.status(run.status);
    }
    requestAnimationFrame(() => tick(live));
  }

  const live = L.connect({ trackId: root.dataset.track, onState: render });
  requestAnimationFrame(() => tick(live));
})();
