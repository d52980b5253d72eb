/* Season standings: both schemes, season picker, region, search and a racer's races.
 * Data from /api/standings; every user string is written with textContent. */
(function () {
  "use strict";
  const L = window.Lapgate;
  const $ = (id) => document.getElementById(id);
  const PAGE = 200;
  const EXPLAIN = {
    aws: () => L.t("AWS points: 1st 10, 2nd 9, … 9th 2, every other finisher 1 per race. Summed over the season."),
    community: () => L.t("Community points: −(your ranking time in ms) per race; a race you missed counts −(that race's mean time). Least negative first."),
  };
  let shown = 0;
  let request = 0;
  let historyFor = null;

  function params(extra) {
    const form = $("st-form");
    const query = new URLSearchParams();
    const season = $("st-season").value;
    if (season) query.set("season", season);
    query.set("scheme", form.elements.scheme.value);
    if ($("st-region").value) query.set("region", $("st-region").value);
    const text = $("st-search").value.trim();
    if (text) query.set("q", text);
    Object.entries(extra || {}).forEach(([k, v]) => query.set(k, v));
    return query;
  }

  function fmtPoints(points, scheme) {
    if (scheme === "aws") return String(points);
    return L.fmtNumber(Number(points), 3);
  }

  function message(text) {
    $("st-message").textContent = text || "";
    $("st-message").hidden = !text;
  }

  function fillSelect(select, values, current, first) {
    const keep = current || select.value;
    select.replaceChildren();
    if (first) select.appendChild(first);
    values.forEach((value) => {
      const option = L.el("option", "", value);
      option.value = value;
      select.appendChild(option);
    });
    if (keep && values.includes(keep)) select.value = keep;
  }

  async function load(append) {
    const mine = ++request;
    const offset = append ? shown : 0;
    const response = await fetch("/api/standings?" + params({ offset: offset, limit: PAGE }), { cache: "no-store" });
    const body = await response.json();
    if (mine !== request) return; // a newer search is on its way
    if (!response.ok) { message(body.error); return; }
    message(body.total ? "" : L.t("No racer matches."));
    fillSelect($("st-season"), body.seasons, body.season);
    if (!body.region) {
      const all = L.el("option", "", L.t("All regions"));
      all.value = "";
      fillSelect($("st-region"), body.regions, "", all);
    }
    $("st-explain").textContent = EXPLAIN[body.scheme] ? EXPLAIN[body.scheme]() : "";
    const rows = $("st-rows");
    if (!append) rows.replaceChildren();
    body.rows.forEach((row) => {
      const tr = L.el("tr");
      tr.dataset.racer = row.racer_id;
      tr.appendChild(L.el("td", "rank", row.rank));
      const name = L.el("td", "name");
      name.appendChild(L.el("span", "alias", row.alias));
      if (row.user_id) name.appendChild(L.el("span", "uid", row.user_id));
      if (row.team_members) name.appendChild(L.el("span", "uid team", L.t("team: {members}", { members: row.team_members })));
      tr.appendChild(name);
      tr.appendChild(L.el("td", "region", row.region || row.country || ""));
      tr.appendChild(L.el("td", "num", row.races));
      tr.appendChild(L.el("td", "num digits", fmtPoints(row.points, body.scheme)));
      tr.addEventListener("click", () => showHistory(row.racer_id));
      rows.appendChild(tr);
    });
    shown = offset + body.rows.length;
    $("st-count").textContent = body.total ? L.tn("{shown} of {n} racer", "{shown} of {n} racers", body.total, { shown: shown }) : "";
    $("st-more").hidden = shown >= body.total;
    if (historyFor) showHistory(historyFor, true);
  }

  async function showHistory(racerId, quiet) {
    historyFor = racerId;
    const response = await fetch("/api/standings/racers/" + encodeURIComponent(racerId) + "?" + params(), { cache: "no-store" });
    const body = await response.json();
    if (!response.ok) { message(body.error); return; }
    $("st-history-name").textContent = body.alias;
    $("st-history-user").textContent = body.user_id ? L.t("User id {id}", { id: body.user_id }) : L.t("No user id (summit racer)");
    const chart = $("st-history-chart");
    const size = window.innerWidth < 700 ? "phone" : "tablet";
    chart.src = "/standings/racers/" + encodeURIComponent(racerId) + "/chart.svg?" + params({ size: size, lang: L.lang });
    chart.alt = L.t("Season progression of {name}", { name: body.alias });
    const rows = $("st-history-rows");
    rows.replaceChildren();
    body.races.forEach((race) => {
      const tr = L.el("tr");
      tr.appendChild(L.el("td", "", race.race));
      tr.appendChild(L.el("td", "", race.date));
      tr.appendChild(L.el("td", "", race.alias));
      tr.appendChild(L.el("td", "num", race.rank === null ? "–" : race.rank));
      tr.appendChild(L.el("td", "num digits", L.fmtLap(race.ranking_time_ms)));
      tr.appendChild(L.el("td", "num digits", fmtPoints(race.points, body.scheme)));
      rows.appendChild(tr);
    });
    $("st-history").hidden = false;
    if (!quiet) $("st-history").scrollIntoView({ behavior: "smooth" });
  }

  let debounce = null;
  $("st-search").addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => load(false), 250);
  });
  $("st-form").addEventListener("change", (event) => {
    if (event.target.id === "st-season") $("st-region").value = "";
    load(false);
  });
  $("st-form").addEventListener("submit", (event) => { event.preventDefault(); load(false); });
  $("st-more").addEventListener("click", () => load(true));
  $("st-history-close").addEventListener("click", () => { $("st-history").hidden = true; historyFor = null; });
  document.body.classList.remove("offline"); // no live link needed on this page
  window.__standings = { load: load };
  load(false);
})();
