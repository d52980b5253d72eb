/* lapgate live client: snapshot + numbered updates over Socket.IO, shared by every page.
 *
 * Every user string is written with textContent (never innerHTML). Instants from the
 * server are ms on the track's gate clock; `now(track)` estimates that clock here from
 * the `now_at_ms` each message carries (the smallest observed delay wins). `state` is the
 * snapshot kept current: "track", "program", "bracket", "gate" and "settings" updates
 * replace their part of it before the page's `onState` runs.
 */
(function () {
  "use strict";

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function fmtLap(ms) {
    if (ms === null || ms === undefined) return "—";
    const sign = ms < 0 ? "-" : "";
    ms = Math.abs(Math.round(ms));
    const s = Math.floor(ms / 1000);
    const rest = String(ms % 1000).padStart(3, "0");
    if (s >= 60) return sign + Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0") + "." + rest;
    return sign + s + "." + rest;
  }

  function fmtLapTenths(ms) {
    if (ms === null || ms === undefined) return "—";
    ms = Math.max(0, ms);
    const s = Math.floor(ms / 1000);
    return s + "." + Math.floor((ms % 1000) / 100);
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
    banner.textContent = "Results are not being saved: " + store.detail;
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

    function apply(message, received) {
      if (message.type === "track") {
        const tracks = live.state.tracks;
        const index = tracks.findIndex((t) => t.track_id === message.track.track_id);
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
      apply(message, received);
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
      pending.forEach(([message, at]) => {
        if (message.seq === live.seq + 1) apply(message, at);
      });
      status("live");
      if (options.onState) options.onState(live);
    });
    socket.on("update", handle);
    window.__lapgate = live;
    live.resync = resync;
    return live;
  }

  window.Lapgate = { el, fmtLap, fmtLapTenths, fmtClock, fmtGap, connect };
})();
