/* Joining a track's queue from a phone: the form, then this phone's place, kept live.
 *
 * The server knows this phone by its session cookie; /api/join/me is the truth (asked on
 * load, on every reconnect, when the page becomes visible again, and when the entry leaves
 * the queue). In between, the position follows the live snapshot's queue, so it moves the
 * instant staff stage someone. Alerts (screen, vibration, a tone) when this racer is next
 * and when staged; `window.lapgateJoinAlerts` lists them (tests read it). Every string from
 * a user is written with textContent.
 */
(function () {
  "use strict";
  const L = window.Lapgate;
  const $ = (id) => document.getElementById(id);
  const root = $("join");
  const STATE_TEXT = {
    pending: () => L.t("Waiting for the staff to accept you"),
    queued: () => L.t("In the queue"),
    staged: () => L.t("You're up!"),
    racing: () => L.t("Racing"),
    done: () => L.t("Your run is over — thanks for racing"),
    removed: () => L.t("The staff took you off the queue"),
    rejected: () => L.t("The staff did not accept this join"),
    cancelled: () => L.t("You left the queue"),
  };
  let me = null; // the server's answer for this phone's join
  let alerted = {}; // join id + kind → shown once
  let audio = null;
  window.lapgateJoinAlerts = [];

  function showError(text) {
    $("jn-error").textContent = text;
    $("jn-error").hidden = !text;
  }

  async function api(method, path, body) {
    const response = await fetch(path, {
      method: method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
    });
    let answer = {};
    const fallback = L.t("the board answered {status}", { status: response.status });
    try { answer = await response.json(); } catch (e) { answer = { error: fallback }; }
    if (!response.ok) throw new Error(answer.error || fallback);
    return answer;
  }

  function tone() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") { $("jn-sound").hidden = false; return; }
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.4, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.01, audio.currentTime + 0.8);
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.8);
    } catch (e) { /* no sound on this phone: the screen and vibration still tell */ }
  }

  function alertOnce(kind, title, text) {
    const key = me.join_id + ":" + kind;
    if (alerted[key]) return;
    alerted[key] = true;
    window.lapgateJoinAlerts.push(kind);
    $("jn-alert-title").textContent = title;
    $("jn-alert-text").textContent = text;
    $("jn-alert").hidden = false;
    if (navigator.vibrate) navigator.vibrate(kind === "staged" ? [400, 150, 400, 150, 400] : [200, 100, 200]);
    tone();
  }

  // The estimated wait, one sentence per case (word order differs by language).
  function waitText(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 60) return L.t("Wait about a minute");
    const minutes = Math.round(seconds / 60);
    return L.tn("Wait about {n} min", "Wait about {n} min", minutes, { n: L.fmtNumber(minutes) });
  }

  function showStatus() {
    const active = me && ["pending", "queued", "staged", "racing"].indexOf(me.state) >= 0;
    $("jn-form-box").hidden = active;
    $("jn-status").hidden = !me || me.state === "none";
    if (!me || me.state === "none") return;
    $("jn-name").textContent = me.alias;
    $("jn-track-name").textContent = me.track;
    const state = STATE_TEXT[me.state] ? STATE_TEXT[me.state]() : me.state;
    $("jn-state").textContent = me.state === "rejected" && me.reason
      ? L.t("The staff did not accept this join: {reason}", { reason: me.reason })
      : state;
    const queued = me.state === "queued";
    $("jn-position").textContent = queued ? L.fmtNumber(me.position) : me.state === "staged" || me.state === "racing" ? "▶" : "—";
    $("jn-position-label").textContent = queued ? (me.position === 1 ? L.t("next on track") : L.t("in line")) : "";
    $("jn-wait").textContent = queued ? waitText(me.wait_s) : "";
    $("jn-leave").hidden = !(me.state === "pending" || me.state === "queued");
    $("jn-card-form").hidden = !me.racer_id || !(me.state === "queued" || me.state === "staged");
    if (!$("jn-card-name").value && me.model) $("jn-card-name").value = me.model;
    if (queued && me.position === 1) {
      alertOnce("next", L.t("You're next!"), L.t("Go to {track}: you race after the car on track", { track: me.track }));
    } else if (queued && me.position === 2) {
      alertOnce("next", L.t("Get ready"), L.t("Go to {track}: one racer before you", { track: me.track }));
    }
    if (me.state === "staged") alertOnce("staged", L.t("You're up!"), L.t("Go to {track} now, your car is staged", { track: me.track }));
  }

  // Every answer about this phone's entry is numbered when asked for: an answer to an
  // older question (a refresh sent before the join) never replaces a newer one.
  let asked = 0;
  let shown = 0;

  function answered(ticket, answer) {
    if (ticket < shown) return;
    shown = ticket;
    me = answer;
    showStatus();
  }

  async function refresh() {
    const ticket = ++asked;
    try {
      answered(ticket, await api("GET", "/api/join/me"));
    } catch (e) {
      // offline: the banner says so; the next reconnect asks again
    }
  }

  // Between answers from the server, follow the live queue of this phone's track.
  function follow(live) {
    if (live.state && live.state.event) $("event-name").textContent = live.state.event.name;
    const wanted = root.dataset.track;
    const track = live.state && live.state.tracks.find((t) => t.track_id === (me && me.track_id ? me.track_id : wanted));
    if (track && (!me || me.state === "none" || me.state === "cancelled")) {
      $("jn-mode").textContent = track.join === "closed" ? L.t("This track takes no joins from phones now.") : track.join === "approve" ? L.t("The staff accept each join.") : "";
      $("jn-submit").disabled = track.join === "closed";
    }
    if (!me || !track) return;
    if (me.state === "queued") {
      const index = track.queue.findIndex((e) => e.entry_id === me.entry_id);
      if (index >= 0) {
        const busy = track.run && (track.run.status === "staged" || track.run.status === "running") ? 1 : 0;
        me.position = index + 1;
        me.wait_s = (index + busy) * (me.slot_s || 0);
        showStatus();
        return;
      }
    }
    if (me.state === "pending" || me.state === "queued" || me.state === "staged" || me.state === "racing") refresh();
  }

  $("jn-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    showError("");
    if (!audio) { try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; } }
    const ticket = ++asked;
    try {
      answered(ticket, await api("POST", "/api/join", {
        track_id: $("jn-track").value,
        alias: $("jn-alias").value,
        car: $("jn-car").value,
        model: $("jn-model").value,
      }));
    } catch (e) {
      showError(e.message);
    }
  });
  $("jn-leave").addEventListener("click", async () => {
    const ticket = ++asked;
    try { answered(ticket, await api("DELETE", "/api/join/me")); } catch (e) { showError(e.message); }
  });
  $("jn-card-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = $("jn-card-result");
    result.textContent = "";
    const files = {};
    for (const file of $("jn-card-files").files) {
      if (file.size > 256 * 1024) { result.textContent = L.t("{file}: larger than 256 KB", { file: file.name }); return; }
      files[file.name] = await file.text();
    }
    try {
      const card = await api("POST", "/api/join/model", { name: $("jn-card-name").value, files: files });
      result.textContent = L.t("Card stored: {summary}", { summary: card.summary });
    } catch (e) {
      result.textContent = e.message;
    }
  });
  $("jn-alert-ok").addEventListener("click", () => { $("jn-alert").hidden = true; });
  $("jn-sound").addEventListener("click", () => { if (audio) audio.resume(); $("jn-sound").hidden = true; });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });

  L.connect({
    trackId: root.dataset.track,
    onState: follow,
    onStatus: (text) => { if (text === "live") refresh(); },
  });
  refresh();
})();
