// The league page: pick an event, show its combined leaderboard, reload it live.
(function () {
  "use strict";
  const select = document.getElementById("lg-event");
  const rows = document.getElementById("lg-rows");
  const tracks = document.getElementById("lg-tracks");

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text == null ? "–" : String(text); // textContent: names are never HTML
    if (cls) td.className = cls;
    return td;
  }

  async function loadBoard() {
    if (!select.value) return;
    const res = await fetch("/api/league/events/" + encodeURIComponent(select.value) + "/leaderboard");
    if (!res.ok) return;
    const view = await res.json();
    tracks.textContent = "Tracks: " + view.tracks.join(", ");
    rows.replaceChildren(...view.rows.map(function (row) {
      const tr = document.createElement("tr");
      tr.append(
        cell(row.rank, "rank"), cell(row.alias),
        cell(row.best_lap_ms == null ? null : (row.best_lap_ms / 1000).toFixed(3), "num"),
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
      head.textContent = round.name + " · " + round.track_id + " · " + round.format;
      const table = document.createElement("table");
      table.className = "st-table";
      const body = document.createElement("tbody");
      body.append(...round.rows.map(function (row) {
        const tr = document.createElement("tr");
        tr.append(cell(row.rank, "rank"), cell(row.alias),
          cell(row.result_ms == null ? null : (row.result_ms / 1000).toFixed(3), "num"),
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

  select.addEventListener("change", loadBoard);
  const socket = io("/league", { transports: ["websocket", "polling"] });
  socket.on("league_update", function (msg) {
    if (!select.value) { loadEvents(); return; }
    if ((msg.event_ids || []).indexOf(select.value) >= 0) loadBoard();
  });
  socket.on("connect", loadEvents); // after a reconnect: catch up
  loadEvents();
})();
