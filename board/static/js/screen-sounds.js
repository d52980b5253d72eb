/* Race sounds on the big screen: start, 30 s left, final lap, time up, new leader.
 *
 * Synthesized with WebAudio, not played from files: a few oscillator notes need no sound
 * files to make, commit or serve, work offline like the rest of the page, and each cue is
 * tuned in one line below. Staff switch each sound on /control (the `sounds` command);
 * the board's settings say which are on (`live.state.settings.sounds`).
 *
 * When a sound is due is decided by `due(memo, run, nowMs)`, a pure function of the run
 * view and the gate clock, so tests call it with made-up runs:
 * - start: the run's clock starts (staged → running);
 * - thirty_left: 30 s of run time left (runs longer than 30 s);
 * - final_lap: the lap in progress is the last one: in a lap-count race (a run view with
 *   `finish_laps`) when the racer starts lap N of N; in a timed race with finish-lap
 *   expiry when the time is up (the lap in progress may still finish and count);
 * - time_up: the run's time is up with cut-off expiry, or the run is over (finished: the
 *   final lap done, or N laps of a lap-count race). A DNF or an abort plays nothing.
 * A screen that joins during a run plays nothing for what already happened.
 *
 * `speakLap(lap)` says a lap time aloud (speech synthesis) in the page's language.
 *
 * `window.lapgateSounds` is for tests and staff: `enabled` (name → on), `played` (each
 * sound with the time it was due, played or muted) and `audio` (the WebAudio state; a
 * browser may keep it "suspended" until the page is clicked, see docs/board.md).
 */
(function () {
  "use strict";
  const NAMES = ["start", "thirty_left", "final_lap", "time_up", "new_leader"];
  // [frequency Hz, start s, length s, wave] per note
  const CUES = {
    start: [[660, 0, 0.16, "square"], [660, 0.5, 0.16, "square"], [990, 1.0, 0.6, "square"]],
    thirty_left: [[880, 0, 0.14, "triangle"], [880, 0.22, 0.14, "triangle"]],
    final_lap: [[1319, 0, 0.5, "triangle"], [1047, 0.3, 0.5, "triangle"], [1319, 0.6, 0.8, "triangle"]],
    time_up: [[392, 0, 1.2, "sawtooth"], [294, 0, 1.2, "sawtooth"]],
    new_leader: [[523, 0, 0.14, "triangle"], [659, 0.13, 0.14, "triangle"], [784, 0.26, 0.14, "triangle"], [1047, 0.39, 0.5, "triangle"]],
  };
  const state = { enabled: {}, played: [], audio: "none" };
  NAMES.forEach((name) => { state.enabled[name] = true; });
  let context = null;

  function audio() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    if (!context) context = new Ctx();
    if (context.state === "suspended") context.resume().catch(() => {});
    state.audio = context.state;
    return context;
  }
  // A click or key anywhere lets a browser that waits for one start the sound.
  ["click", "keydown", "touchstart"].forEach((kind) => document.addEventListener(kind, audio, { passive: true }));

  function synth(name) {
    const ctx = audio();
    if (!ctx) return;
    const t0 = ctx.currentTime + 0.02;
    CUES[name].forEach(([freq, at, length, wave]) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = wave;
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t0 + at);
      gain.gain.exponentialRampToValueAtTime(0.25, t0 + at + 0.015);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + length);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + at);
      osc.stop(t0 + at + length + 0.05);
    });
  }

  function play(name) {
    const on = Boolean(state.enabled[name]);
    state.played.push({ name: name, at: Date.now(), muted: !on });
    if (state.played.length > 50) state.played.shift();
    if (on) {
      try { synth(name); } catch (err) { state.audio = "error: " + err.message; }
    }
  }

  function configure(sounds) {
    NAMES.forEach((name) => { state.enabled[name] = !sounds || sounds[name] !== false; });
  }

  // The memo of what was already played for a run, as the run is now.
  function remember(run, nowMs) {
    const left = run.deadline_at_ms === null ? null : run.deadline_at_ms - nowMs;
    const target = run.finish_laps || null;
    return {
      run_id: run.run_id,
      status: run.status,
      thirty: left !== null && left <= 30000,
      final: (left !== null && left <= 0) || (target !== null && run.laps.length >= target - 1 && run.status === "running"),
      up: (run.status !== "staged" && run.status !== "running") || (left !== null && left <= 0 && run.expiry !== "finish_lap"),
    };
  }

  function due(memo, run, nowMs) {
    if (!run) return { memo: null, sounds: [] };
    if (!memo || memo.run_id !== run.run_id) return { memo: remember(run, nowMs), sounds: [] };
    const next = Object.assign({}, memo, { status: run.status });
    const sounds = [];
    if (memo.status === "staged" && run.status === "running") sounds.push("start");
    if (run.status === "running") {
      const left = run.deadline_at_ms === null ? null : run.deadline_at_ms - nowMs;
      const target = run.finish_laps || null;
      if (!next.thirty && left !== null && left <= 30000 && left > 0 && run.time_limit_ms > 30000) {
        next.thirty = true;
        sounds.push("thirty_left");
      }
      const lastLap = target !== null ? run.laps.length === target - 1 : left !== null && left <= 0 && run.expiry === "finish_lap";
      if (!next.final && lastLap) {
        next.final = true;
        sounds.push("final_lap");
      }
      if (!next.up && target === null && left !== null && left <= 0 && run.expiry !== "finish_lap") {
        next.up = true;
        sounds.push("time_up");
      }
    } else if (!next.up && memo.status === "running" && run.status === "finished") {
      next.up = true;
      sounds.push("time_up");
    }
    return { memo: next, sounds: sounds };
  }

  // Spoken lap times (staff switch them on: `speak_laps`), in the page's language: the
  // voice is picked by `utterance.lang`, the words and the decimal separator follow it.
  function lapWords(lap) {
    const L = window.Lapgate;
    const seconds = L.fmtNumber(lap.duration_ms / 1000, 2);
    if (lap.valid) return L.t("Lap {n}, {seconds}", { n: lap.number, seconds: seconds });
    return L.t("Lap {n}, {seconds}, invalid", { n: lap.number, seconds: seconds });
  }

  function speakLap(lap) {
    if (!("speechSynthesis" in window)) return;
    const utterance = new SpeechSynthesisUtterance(lapWords(lap));
    utterance.lang = window.Lapgate.lang;
    window.speechSynthesis.speak(utterance);
  }

  let memo = null;
  // Called on every frame of the big screen with the track's run and the gate clock's now.
  function check(run, nowMs) {
    const result = due(memo, run, nowMs);
    memo = result.memo;
    result.sounds.forEach(play);
  }

  window.lapgateSounds = state;
  window.LapgateSounds = {
    NAMES: NAMES, due: due, check: check, play: play, configure: configure, lapWords: lapWords, speakLap: speakLap,
  };
})();
