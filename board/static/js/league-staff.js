// League staff page: merge one person registered at two venues (search both, confirm),
// and undo a merge. Every string from the server goes in with textContent, never as HTML.
(function () {
  "use strict";
  const L = window.Lapgate;
  document.body.classList.remove("offline"); // no live link needed on this page
  // Each timer's last contact, as time since (the server renders the instant).
  for (const cell of document.querySelectorAll("td.ts[data-epoch]")) {
    const s = parseFloat(cell.dataset.epoch);
    if (!isNaN(s)) cell.textContent = L.t("{n} s ago", { n: L.fmtNumber(Math.round(Date.now() / 1000 - s)) });
  }
  const form = document.getElementById("merge-form");
  if (!form) return;
  const status = document.getElementById("merge-status");
  const review = document.getElementById("merge-review");
  const dialog = document.getElementById("merge-confirm");
  const question = document.getElementById("merge-question");
  const yes = document.getElementById("merge-yes");
  const picked = { kept: null, merged: null };
  let pending = null; // what the open dialog will do when confirmed

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "st-explain error" : "st-explain";
  }

  function describe(r) {
    const venues = Object.entries(r.runs_by_track || {})
      .map(([track, n]) => L.tn("{track}: {n} run", "{track}: {n} runs", n, { track: track || L.t("no track") }))
      .join(", ");
    const parts = [r.alias + " (" + r.racer_id + ")"];
    if (r.user_id) parts.push(L.t("user id {id}", { id: r.user_id }));
    parts.push(L.t("registered by {timer}", { timer: r.owner || L.t("no timer") }));
    parts.push(venues || L.t("no runs"));
    return parts.join(" · ");
  }

  async function call(method, url, body) {
    const res = await fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) throw new Error((data && data.error) || res.status + " " + res.statusText);
    return data;
  }

  function updateReview() {
    review.disabled = !(picked.kept && picked.merged && picked.kept.racer_id !== picked.merged.racer_id);
  }

  for (const box of form.querySelectorAll(".merge-pick")) {
    const role = box.dataset.role;
    const input = box.querySelector("input[type=search]");
    const list = box.querySelector(".merge-results");
    const shown = box.querySelector(".merge-picked");
    let timer = null;
    let asked = 0;

    function show(found) {
      list.replaceChildren(...found.map((r) => {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "racer-choice";
        button.dataset.racerId = r.racer_id;
        button.textContent = describe(r);
        button.setAttribute("aria-pressed", String(picked[role] && picked[role].racer_id === r.racer_id));
        button.addEventListener("click", () => {
          picked[role] = r;
          shown.textContent = L.t("Picked: {racer}", { racer: describe(r) });
          for (const b of list.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b === button));
          updateReview();
        });
        item.append(button);
        return item;
      }));
      if (!found.length) {
        const item = document.createElement("li");
        item.className = "muted";
        item.textContent = L.t("No racer matches");
        list.append(item);
      }
    }

    async function search() {
      const mine = ++asked;
      try {
        const found = await call("GET", "/api/league/racers?q=" + encodeURIComponent(input.value));
        if (mine === asked) show(found);
      } catch (e) { say(L.t("Search failed: {error}", { error: e.message }), true); }
    }
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 200); });
  }

  function ask(text, label, action) {
    question.textContent = text;
    yes.textContent = label;
    pending = action;
    dialog.showModal();
  }
  yes.addEventListener("click", async () => {
    const action = pending;
    pending = null;
    dialog.close();
    if (action) await action();
  });
  document.getElementById("merge-no").addEventListener("click", () => { pending = null; dialog.close(); });
  dialog.addEventListener("cancel", () => { pending = null; });

  review.addEventListener("click", () => {
    const kept = picked.kept, merged = picked.merged;
    if (!kept || !merged) return;
    const names = { merged: describe(merged), kept: describe(kept), merged_alias: merged.alias, kept_alias: kept.alias };
    ask(
      L.t("Merge {merged} INTO {kept}? {merged_alias}'s runs and results will count for {kept_alias} in every combined standing. You can undo it below.", names),
      L.t("Merge"),
      async () => {
        try {
          const done = await call("POST", "/api/league/racers/merge", { kept_id: kept.racer_id, merged_id: merged.racer_id });
          say(L.t("Merged {merged} into {kept} (merge {id}).", { merged: merged.alias, kept: kept.alias, id: done.merge_id }), false);
          setTimeout(() => location.reload(), 800);
        } catch (e) { say(L.t("Merge refused: {error}", { error: e.message }), true); }
      },
    );
  });

  for (const button of document.querySelectorAll("button.unmerge")) {
    button.addEventListener("click", () => {
      const mergeId = Number(button.dataset.mergeId);
      const split = { id: mergeId, merged: button.dataset.merged, kept: button.dataset.kept };
      ask(
        L.t("Undo merge {id}: split {merged} from {kept} again? Everything the merge moved goes back.", split),
        L.t("Undo merge"),
        async () => {
          try {
            await call("POST", "/api/league/racers/unmerge", { merge_id: mergeId });
            say(L.t("Merge {id} undone.", { id: mergeId }), false);
            setTimeout(() => location.reload(), 800);
          } catch (e) { say(L.t("Undo refused: {error}", { error: e.message }), true); }
        },
      );
    });
  }
})();
