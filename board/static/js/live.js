/* lapgate live client: snapshot + numbered updates over Socket.IO, shared by every page.
 *
 * Every user string is written with textContent (never innerHTML). Instants from the
 * server are ms on the track's gate clock; `now(track)` estimates that clock here from
 * the `now_at_ms` each message carries (the smallest observed delay wins). `state` is the
 * snapshot kept current: "track", "program", "bracket", "gate" and "settings" updates
 * replace their part of it before the page's `onState` runs. A "track" update carries
 * either the whole track (`track`) or a patch of the one held (`track_id`, `patch`; see
 * board/live/delta.py, which `applyPatch` mirrors); either way `message.track` is the
 * whole new track when the page's `onUpdate` sees it. A patch that does not fit resyncs.
 */
(function () {
  "use strict";

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // ---- the page's language (board/i18n.py) ------------------------------------------------
  // The server renders <html lang> and, for a language other than English, that language's
  // JSON catalog (board/static/i18n/<lang>.json) into <script id="lapgate-i18n">. Message ids
  // are the English text; "{name}" fields are filled from `params`.
  const lang = document.documentElement.lang || "en";
  const catalog = (function () {
    const node = document.getElementById("lapgate-i18n");
    try { return node ? JSON.parse(node.textContent) : {}; } catch (e) { return {}; }
  })();

  function fill(text, params) {
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  }

  function t(message, params) {
    const text = catalog[message];
    return fill(typeof text === "string" && text ? text : message, params);
  }

  // Plural forms as the catalogs hold them (CLDR's rules, as Babel writes Plural-Forms):
  // the first for one, the last for any other n (Japanese has one form, German two,
  // Spanish three: one, many for millions, other). `n` is also the {n} field.
  function tn(singular, plural, n, params) {
    const all = Object.assign({ n: n }, params || {});
    const forms = catalog[singular];
    if (Array.isArray(forms) && forms.length) {
      return fill(forms[n === 1 ? 0 : forms.length - 1], all);
    }
    return fill(n === 1 ? singular : plural, all);
  }

  // One decimal separator for every time on a page: the locale's ("," in German and
  // Spanish), as board/i18n.py's format_lap writes it on the server.
  const decimal = (function () {
    try {
      const part = new Intl.NumberFormat(lang).formatToParts(1.5).find((p) => p.type === "decimal");
      return part ? part.value : ".";
    } catch (e) { return "."; }
  })();

  function fmtLap(ms) {
    if (ms === null || ms === undefined) return "—";
    const sign = ms < 0 ? "-" : "";
    ms = Math.abs(Math.round(ms));
    const s = Math.floor(ms / 1000);
    const rest = String(ms % 1000).padStart(3, "0");
    if (s >= 60) return sign + Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0") + decimal + rest;
    return sign + s + decimal + rest;
  }

  function fmtLapTenths(ms) {
    if (ms === null || ms === undefined) return "—";
    ms = Math.max(0, ms);
    const s = Math.floor(ms / 1000);
    return s + decimal + Math.floor((ms % 1000) / 100);
  }

  // Words the server sends as codes: a run's or round's status, a round's format.
  const STATUS = {
    staged: () => t("staged"), running: () => t("running"), finished: () => t("finished"),
    dnf: () => t("DNF"), aborted: () => t("aborted"), pending: () => t("pending"),
    open: () => t("open"), closed: () => t("closed"), queued: () => t("queued"),
  };

  function status(code) {
    return STATUS[code] ? STATUS[code]() : code;
  }

  function formatLabel(round) {
    const laps = round.format_laps;
    switch (round.format) {
      case "average": return t("average of {n} consecutive laps", { n: laps });
      case "lap_count": return tn("total time of {n} lap", "total time of {n} laps", laps);
      case "fastest_lap": return t("fastest lap");
      case "single_lap": return t("single lap");
      default: return round.format_label || round.format;
    }
  }

  // Why the rules set a lap, a crossing or a bracket match aside, from its code and values
  // (timer/run.py's Reason, sent as `invalid_codes` / `ignored_crossings` / `ignored_code`;
  // a match's `flag_code`; queue_add's `warning_code`); `english`, the server's text, for a
  // code this page does not know.
  const REASONS = {
    resets: (p) => t("{resets} resets, {allowed} allowed", p),
    staff: () => t("invalidated by staff"),
    staff_note: (p) => t("invalidated by staff: {reason}", { reason: p.note }),
    finished: () => t("after the run finished"),
    ended: () => t("after the run was ended"),
    not_started: () => t("before staff started the run"),
    lockout: (p) => t("{gap} s after the last crossing, inside the {lockout} s lockout", {
      gap: fmtNumber(p.gap_ms / 1000, 3), lockout: fmtNumber(p.lockout_ms / 1000, 3),
    }),
    time_limit: () => t("after the time limit"),
    grace: () => t("after the grace period"),
    // a bracket match flagged by a correction (timer/brackets.py)
    undecided: () => t("raced before a correction upstream; its racers are not decided now"),
    changed: (p) => t("raced as {raced_winner} v {raced_loser}; the bracket now has {top} v {bottom}", p),
    bye_undo: () => t("a bye: this match is not raced; undo its result"),
    void_undo: () => t("the undefeated champion won GF1; undo its result"),
    // notices to staff (board/live/views.py message_view)
    off_track: (p) => t("{car} left the track: add a reset", p),
    unassigned: (p) => t("crossing on gate {gate} with no run staged", p),
    unassigned_transponder: (p) => t("crossing on gate {gate} with no run staged for transponder {transponder}", p),
    queued_twice: (p) => t("{name} was already in the queue (position {position}); remove one entry if they race once", p),
  };

  function reason(parts, english) {
    return parts && REASONS[parts.code] ? REASONS[parts.code](parts) : english;
  }

  // A round's or a track's name: the board's own default ("Round 1", "Track 1", flagged
  // `default_name` in the views) in the page's language; a name staff wrote as written.
  function roundName(round) {
    return round.default_name ? t("Round {n}", { n: 1 }) : round.name;
  }

  function trackName(track) {
    return track.default_name ? t("Track {n}", { n: 1 }) : track.name;
  }

  // Why a lap does not count, every reason in the page's language ("" for a valid lap).
  function lapReasons(lap) {
    const codes = lap.invalid_codes || [];
    return (lap.invalid_reasons || []).map((text, i) => reason(codes[i], text)).join("; ");
  }

  // A gate's light in words, from its kind (board/live/state.py NOTICE_LEVELS; hardware
  // notices); the adapter's own detail (sensor, address) stays as it wrote it.
  const GATE_STATES = {
    "": () => t("not started"), started: () => t("running"), factory: () => t("running"),
    stuck: () => t("sensor stuck"), disconnected: () => t("disconnected"),
    bad_bytes: () => t("unreadable data"), silent: () => t("sensor missed crossings"),
    drift: () => t("clock drift"), reconnected: () => t("reconnected"),
    released: () => t("sensor released"), failed: () => t("did not start"),
    store: () => t("results are not being saved"),
  };

  function gateState(gate) {
    const known = gate && GATE_STATES[gate.kind];
    if (!known) return gate ? gate.detail : "";
    const detail = gate.kind === "" || gate.kind === "started" ? "" : gate.detail;
    return detail ? t("{state} ({detail})", { state: known(), detail: detail }) : known();
  }

  // A number (points, an average) in the page's locale, with `digits` decimals.
  function fmtNumber(value, digits) {
    if (value === null || value === undefined) return "—";
    const d = digits || 0;
    return new Intl.NumberFormat(lang, { minimumFractionDigits: d, maximumFractionDigits: d }).format(value);
  }

  // A wall-clock time (ms since the epoch) as the locale writes hours and minutes.
  function fmtTime(epochMs) {
    if (epochMs === null || epochMs === undefined) return "—";
    return new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" }).format(new Date(epochMs));
  }

  function fmtClock(ms) {
    if (ms === null || ms === undefined) return "—";
    const total = Math.max(0, Math.ceil(ms / 1000));
    return Math.floor(total / 60) + ":" + String(total % 60).padStart(2, "0");
  }

  function fmtGap(ms) {
    if (ms === null || ms === undefined || ms === 0) return "";
    return "+" + fmtLap(ms);
  }

  // The store's light, on every page: a red banner with the reason while results wait for
  // a store that cannot commit (disk full); gone once everything is stored.
  function renderStore(store) {
    let banner = document.getElementById("store-alert");
    const failing = store && store.level === "error";
    if (!failing) {
      if (banner) banner.hidden = true;
      return;
    }
    if (!banner) {
      banner = el("div", "store-alert");
      banner.id = "store-alert";
      banner.setAttribute("role", "alert");
      document.body.prepend(banner);
    }
    banner.hidden = false;
    banner.textContent = t("Results are not being saved: {detail}", { detail: store.detail });
  }

  // A patch as board/live/delta.py makes it: a plain value or array is the new value;
  // {"=": v} a new object; {"+": d} the old number plus d; {"{": {k: patch}, "-": [k]} an
  // object changed; {"[": ops} an array rebuilt from ["c", j, n] (old items j…j+n-1),
  // ["n", item…], ["p", j, patch] and ["s", j, n, patch] (old items j…j+n-1, each patched).
  function applyPatch(old, patch) {
    if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
    if ("=" in patch) return patch["="];
    if ("+" in patch) {
      if (!Number.isInteger(old)) throw new Error("number patch of a non-number");
      return old + patch["+"];
    }
    if ("{" in patch) {
      if (old === null || typeof old !== "object" || Array.isArray(old)) throw new Error("object patch of a non-object");
      const out = Object.assign({}, old);
      (patch["-"] || []).forEach((key) => { delete out[key]; });
      Object.keys(patch["{"]).forEach((key) => { out[key] = applyPatch(old[key], patch["{"][key]); });
      return out;
    }
    if ("[" in patch) {
      if (!Array.isArray(old)) throw new Error("array patch of a non-array");
      const out = [];
      patch["["].forEach((op) => {
        if (op[0] === "c") {
          if (op[1] < 0 || op[1] + op[2] > old.length) throw new Error("copy out of range");
          for (let j = op[1]; j < op[1] + op[2]; j++) out.push(old[j]);
        } else if (op[0] === "n") {
          for (let k = 1; k < op.length; k++) out.push(op[k]);
        } else if (op[0] === "p") {
          if (op[1] < 0 || op[1] >= old.length) throw new Error("patch out of range");
          out.push(applyPatch(old[op[1]], op[2]));
        } else if (op[0] === "s") {
          if (op[1] < 0 || op[1] + op[2] > old.length) throw new Error("patch out of range");
          for (let j = op[1]; j < op[1] + op[2]; j++) out.push(applyPatch(old[j], op[3]));
        } else {
          throw new Error("unknown array op");
        }
      });
      return out;
    }
    throw new Error("unknown patch");
  }

  function connect(options) {
    const trackWanted = options.trackId || "";
    const live = {
      state: null,
      seq: 0,
      offsets: {},
      connected: false,
      resyncs: 0,
      buffer: [],
      awaiting: true,
    };
    const socket = io("/live", { reconnectionDelayMax: 3000 });
    live.socket = socket;

    function noteClock(track, received) {
      if (!track || track.now_at_ms === null || track.now_at_ms === undefined) return;
      const offset = track.now_at_ms - received * (track.clock_rate || 1);
      const old = live.offsets[track.track_id];
      if (old === undefined || offset > old) live.offsets[track.track_id] = offset;
    }

    live.track = function () {
      if (!live.state) return null;
      const tracks = live.state.tracks;
      return tracks.find((t) => t.track_id === trackWanted) || tracks[0] || null;
    };
    live.round = function (roundId) {
      const program = (live.state && live.state.program) || [];
      return program.find((r) => r.round_id === roundId) || null;
    };
    // The round a track races next: the first pending round of the program on that track.
    live.nextRound = function (track) {
      const program = (live.state && live.state.program) || [];
      return program.find((r) => r.status === "pending" && r.kind !== "external" && r.tracks.indexOf(track.track_id) >= 0) || null;
    };
    live.now = function (track) {
      const offset = live.offsets[track.track_id];
      // a simulated gate may run faster than real time (clock_rate: its speed factor)
      return offset === undefined ? track.now_at_ms : performance.now() * (track.clock_rate || 1) + offset;
    };

    function status(text) {
      document.body.classList.toggle("offline", !live.connected || live.awaiting);
      if (options.onStatus) options.onStatus(text);
    }

    function resync() {
      live.awaiting = true;
      live.resyncs += 1;
      status("resyncing");
      socket.emit("resync");
    }

    // Applies an update to the state; false when a patch does not fit (then resync).
    function apply(message, received) {
      if (message.type === "track") {
        const tracks = live.state.tracks;
        const trackId = message.track ? message.track.track_id : message.track_id;
        const index = tracks.findIndex((t) => t.track_id === trackId);
        if (!message.track) {
          if (index < 0) return false;
          try {
            message.track = applyPatch(tracks[index], message.patch);
          } catch (error) {
            return false;
          }
        }
        if (index >= 0) tracks[index] = message.track;
        else tracks.push(message.track);
        noteClock(message.track, received);
      } else if (message.type === "program") {
        live.state.program = message.program;
      } else if (message.type === "bracket") {
        live.state.brackets = Object.assign({}, live.state.brackets, { [message.bracket.bracket_id]: message.bracket });
      } else if (message.type === "gate") {
        live.state.gates = message.gates;
        live.state.store = message.store;
        renderStore(message.store);
      } else if (message.type === "settings") {
        live.state.settings = message.settings;
      }
      live.seq = message.seq;
      if (options.onUpdate) options.onUpdate(message, live);
      return true;
    }

    function handle(message) {
      const received = performance.now();
      if (live.awaiting) {
        live.buffer.push([message, received]);
        return;
      }
      if (message.seq <= live.seq) return;
      if (message.seq !== live.seq + 1) {
        resync();
        return;
      }
      if (!apply(message, received)) {
        resync();
        return;
      }
      if (options.onState) options.onState(live);
    }

    socket.on("connect", () => {
      live.connected = true;
      status(live.awaiting ? "connected" : "live"); // the snapshot may arrive first
    });
    socket.on("disconnect", () => {
      live.connected = false;
      live.awaiting = true;
      status("reconnecting");
    });
    socket.on("snapshot", (snapshot) => {
      const received = performance.now();
      live.state = snapshot;
      live.seq = snapshot.seq;
      live.offsets = {};
      snapshot.tracks.forEach((t) => noteClock(t, received));
      live.awaiting = false;
      renderStore(snapshot.store);
      const pending = live.buffer;
      live.buffer = [];
      let fits = true;
      pending.forEach(([message, at]) => {
        if (fits && message.seq === live.seq + 1) fits = apply(message, at);
      });
      if (!fits) {
        resync();
        return;
      }
      status("live");
      if (options.onState) options.onState(live);
    });
    socket.on("update", handle);
    window.__lapgate = live;
    live.resync = resync;
    return live;
  }

  window.Lapgate = {
    el, t, tn, lang, status, formatLabel, roundName, trackName, reason, lapReasons, gateState, fmtLap, fmtLapTenths, fmtClock, fmtGap, fmtNumber, fmtTime, connect, applyPatch,
  };
})();
