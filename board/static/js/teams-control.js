/* Control page "Teams": enter a team (name, members, car), add or take off members, and
 * queue the team with who drives (a member or a proxy). Commands go to
 * POST /api/control/<name> with the page's CSRF token; the list follows the live state
 * js/control.js announces ("lapgate:state"). A refusal is shown as the board words it.
 * Text only through textContent. */
(function () {
  "use strict";
  const L = window.Lapgate;
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const root = $("control");
  let shownKey = "";
  let live = null;

  async function post(name, payload) {
    let response;
    try {
      response = await fetch("/api/control/" + name, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(payload),
      });
    } catch (err) {
      return { ok: false, error: L.t("No answer from the board ({name}); check the network", { name }) };
    }
    const failed = L.t("The board answered HTTP {status}", { status: response.status });
    let reply = {};
    try { reply = await response.json(); } catch (err) { reply = { error: failed }; }
    return response.ok ? reply : { ok: false, error: reply.error || failed };
  }

  function say(text, ok) {
    const box = $("toast");
    box.textContent = text;
    box.className = ok ? "toast ok" : "toast";
    box.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(() => { box.hidden = true; }, ok ? 1500 : 5000);
  }

  async function run(name, payload, done) {
    const reply = await post(name, payload);
    if (reply.ok === false) { say(reply.error, false); return null; }
    if (done) say(done, true);
    return reply;
  }

  function teams() {
    const track = live ? live.track() : null;
    return track && track.teams ? track.teams : [];
  }

  function draw() {
    const list = $("teams");
    list.replaceChildren();
    const all = teams();
    $("teams-count").textContent = all.length ? "(" + L.fmtNumber(all.length) + ")" : "";
    all.forEach((team) => {
      const item = L.el("li", "team");
      item.dataset.team = team.name;
      const head = L.el("div", "team-head");
      head.appendChild(L.el("span", "name", team.name));
      if (team.car) head.appendChild(L.el("span", "muted", " " + team.car));
      item.appendChild(head);
      const members = L.el("div", "team-members");
      team.members.forEach((m) => {
        const chip = L.el("span", "chip", m.name);
        const off = L.el("button", "small", "✕");
        off.title = L.t("Take {name} off the team", { name: m.name });
        off.addEventListener("click", () => run("team_remove_member", { team: team.team_id, alias: m.name }));
        chip.appendChild(off);
        members.appendChild(chip);
      });
      item.appendChild(members);
      const form = L.el("form", "team-queue");
      const driver = L.el("input");
      driver.placeholder = L.t("Who drives (member or proxy)");
      driver.maxLength = 60;
      driver.className = "team-driver";
      driver.setAttribute("list", "team-drivers-" + team.team_id);
      const options = L.el("datalist");
      options.id = "team-drivers-" + team.team_id;
      team.members.forEach((m) => { const o = L.el("option"); o.value = m.name; options.appendChild(o); });
      const queueButton = L.el("button", "", L.t("Add to queue"));
      queueButton.type = "submit";
      queueButton.className = "team-queue-button";
      const addButton = L.el("button", "small", L.t("+ member"));
      addButton.type = "button";
      addButton.title = L.t("Add the racer typed as a member");
      addButton.addEventListener("click", async () => {
        if (!driver.value.trim()) { driver.focus(); return; }
        const added = L.t("Added to {team}", { team: team.name });
        if (await run("team_add_member", { team: team.team_id, alias: driver.value }, added)) driver.value = "";
      });
      form.append(driver, options, queueButton, addButton);
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const payload = { team: team.team_id, raced_by: driver.value, track_id: root.dataset.track || null };
        const reply = await run("queue_add", payload);
        if (!reply) return;
        driver.value = "";
        const queued = reply.proxy ? L.t("{team} queued (raced by a proxy)", { team: team.name }) : L.t("{team} queued", { team: team.name });
        say(queued, true);
      });
      item.appendChild(form);
      list.appendChild(item);
    });
  }

  $("team-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const members = $("team-members").value.split(",").map((m) => m.trim()).filter((m) => m);
    const payload = { name: $("team-name").value, members: members, car: $("team-car").value };
    if (await run("team_create", payload, L.t("Team {team} entered", { team: payload.name.trim() }))) {
      $("team-name").value = "";
      $("team-members").value = "";
      $("team-car").value = "";
    }
  });

  document.addEventListener("lapgate:team-driver", async (event) => {
    const entry = event.detail.entry;
    const who = window.prompt(L.t("Who drives {team}? (a member or a proxy)", { team: entry.name }), entry.raced_by || "");
    if (who === null || !who.trim()) return;
    await run("queue_raced_by", { entry_id: entry.entry_id, raced_by: who, track_id: event.detail.track_id }, L.t("Driver set"));
  });

  document.addEventListener("lapgate:state", (event) => {
    live = event.detail;
    const key = JSON.stringify(teams());
    if (key === shownKey) return;
    const typing = document.activeElement && $("teams").contains(document.activeElement) && document.activeElement.value;
    if (typing) return; // redrawn on the next change once staff leave the field
    shownKey = key;
    draw();
  });
})();
