// The league page: pick an event, show its combined leaderboard, reload it live.
(function () {
  "use strict";
  const L = window.Lapgate;
  const select = document.getElementById("lg-event");
  const rows = document.getElementById("lg-rows");
  const tracks = document.getElementById("lg-tracks");

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text == null ? "–" : String(text); // textContent: names are never HTML
    if (cls) td.className = cls;
    return td;
  }

  // a round's format from its codes (board/sync/league_view.py), in the page's language
  function formatText(round) {
    if (!round.format_kind) return round.format;
    return L.formatLabel({ format: round.format_kind, format_laps: round.format_laps, format_label: round.format });
  }

  async function loadBoard() {
    if (!select.value) return;
    const res = await fetch("/api/league/events/" + encodeURIComponent(select.value) + "/leaderboard");
    if (!res.ok) return;
    const view = await res.json();
    tracks.textContent = L.t("Tracks: {tracks}", { tracks: view.tracks.join(", ") });
    rows.replaceChildren(...view.rows.map(function (row) {
      const tr = document.createElement("tr");
      tr.append(
        cell(row.rank, "rank"), cell(row.alias),
        cell(row.best_lap_ms == null ? null : L.fmtLap(row.best_lap_ms), "num digits"),
        cell(row.track_id), cell(row.valid_laps, "num"), cell(row.runs, "num"));
      return tr;
    }));
    await loadRounds();
  }

  async function loadRounds() {
    const box = document.getElementById("lg-rounds");
    const res = await fetch("/api/league/events/" + encodeURIComponent(select.value) + "/rounds");
    if (!res.ok) return;
    const rounds = await res.json();
    box.replaceChildren(...rounds.map(function (round) {
      const section = document.createElement("section");
      const head = document.createElement("h3");
      head.textContent = round.name + " · " + round.track_id + " · " + formatText(round);
      const table = document.createElement("table");
      table.className = "st-table";
      const body = document.createElement("tbody");
      body.append(...round.rows.map(function (row) {
        const tr = document.createElement("tr");
        tr.append(cell(row.rank, "rank"), cell(row.alias),
          cell(row.result_ms == null ? null : L.fmtLap(row.result_ms), "num digits"),
          cell(row.valid_laps, "num"), cell(row.runs, "num"));
        return tr;
      }));
      table.append(body);
      section.append(head, table);
      return section;
    }));
  }

  async function loadEvents() {
    const res = await fetch("/api/league/events");
    const events = await res.json();
    const kept = select.value;
    select.replaceChildren(...events.map(function (e) {
      const opt = document.createElement("option");
      opt.value = e.event_id;
      opt.textContent = e.season + " · " + e.name;
      return opt;
    }));
    if (kept) select.value = kept;
    await loadBoard();
  }

  document.body.classList.remove("offline"); // the live link of this page is /league below
  select.addEventListener("change", loadBoard);
  const socket = io("/league", { transports: ["websocket", "polling"] });
  socket.on("league_update", function (msg) {
    if (!select.value) { loadEvents(); return; }
    if ((msg.event_ids || []).indexOf(select.value) >= 0) loadBoard();
  });
  socket.on("connect", loadEvents); // after a reconnect: catch up
  loadEvents();
})();
