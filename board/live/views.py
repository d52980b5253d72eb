"""JSON-ready views of the race, shared by the Socket.IO push and the HTTP API.

Units on the wire: durations are whole milliseconds (`*_ms`, rounded as results are shown);
instants are milliseconds on the track's gate clock as floats (`*_at_ms`), meaningful only
relative to the `now_ms` sent alongside them (clients derive a clock offset from it).
Ids are the store's stable ids (uuid hex strings; event ids are integers per run).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from lapgate.board.live import brackets as live_brackets
from lapgate.board.live import joins, program, racers, teams
from lapgate.board.live.messages import (
    BracketChanged,
    GateChanged,
    Message,
    Notice,
    ProgramChanged,
    SettingsChanged,
    TrackChanged,
)
from lapgate.board.live.race import Race, RunRecord, TrackRecord
from lapgate.timer.events import RunEvent, event_to_dict
from lapgate.timer.formats import FormatKind, best_window
from lapgate.timer.leaderboard import Standing
from lapgate.timer.rounds import reason_parts
from lapgate.timer.run import Lap
from lapgate.timer.staff import undoable
from lapgate.timer.units import NS_PER_MS, ms_from_ns

UNDO_LIST_LENGTH = 12


def at_ms(t_ns: int | None) -> float | None:
    """An instant in ns as float milliseconds (JS numbers cannot hold monotonic ns)."""
    return None if t_ns is None else t_ns / NS_PER_MS


def lap_view(lap: Lap) -> dict[str, Any]:
    view: dict[str, Any] = {
        "number": lap.number,
        "duration_ms": _ms(lap.duration_ns),
        "start_at_ms": at_ms(lap.start_ns),
        "end_at_ms": at_ms(lap.end_ns),
        "resets": lap.resets,
        "valid": lap.valid,
        "invalid_reasons": list(lap.invalid_reasons),
        "source": str(lap.end_source),
        "end_event_id": lap.end_event_id,
        "invalidated_by_staff": lap.invalidated_by_staff,
    }
    if lap.invalid_why:  # the reasons' codes and values, for pages that word them; a valid
        # lap (nearly every lap, in every update) goes without the empty list
        view["invalid_codes"] = [why.parts() for why in lap.invalid_why]
    return view


def event_label(event_id: int, event: RunEvent) -> str:
    """A short staff-facing description of a log event, for the undo list."""
    data = event_to_dict(event)
    kind = data.pop("kind")
    extra = ""
    if kind == "resets":
        extra = f" {data['delta']:+d}"
    elif kind == "undo":
        extra = f" of #{data['target_id']}"
    elif kind == "crossing":
        extra = f" ({data['source']})"
    return f"#{event_id} {kind}{extra}"


def event_parts(event: RunEvent) -> dict[str, Any]:
    """`event_label`'s parts, for pages that word it in their own language: the kind and,
    by kind, the reset change, the undone event or the crossing's source."""
    data = event_to_dict(event)
    kind = data["kind"]
    parts: dict[str, Any] = {"kind": kind}
    if kind == "resets":
        parts["delta"] = data["delta"]
    elif kind == "undo":
        parts["target_id"] = data["target_id"]
    elif kind == "crossing":
        parts["source"] = data["source"]
    return parts


def run_view(race: Race, run: RunRecord) -> dict[str, Any]:
    """Everything the screens show about one run."""
    state = run.state
    config = run.log.config
    racer = race.racers.get(run.info.racer_id)
    valid = [lap for lap in state.laps if lap.valid]
    best = min(valid, key=lambda lap: lap.duration_ns, default=None)
    fmt = race.rounds[run.info.round_id].format
    window_laps = fmt.laps if fmt.kind is FormatKind.AVERAGE else 3
    window = best_window(state.laps, window_laps)
    ignored = [c for c in state.crossings if not c.accepted]
    team = teams.team_of_entrant(race, run.info.racer_id)
    driver = race.racers.get(run.info.raced_by or "")
    return {
        "run_id": run.info.run_id,
        "round_id": run.info.round_id,
        "round_name": race.rounds[run.info.round_id].name,
        "round_default_name": bool(race.rounds[run.info.round_id].state.get("default_name")),
        "round_status": race.rounds[run.info.round_id].status,
        "racer_id": run.info.racer_id,
        "racer": racer.alias if racer else "?",
        "seq": run.info.seq,
        # a team's run: the team (racer is its name) and who drove, a member or a proxy
        "team": teams.view(race, team) if team else None,
        "raced_by": driver.alias if driver else None,
        "proxy": run.info.proxy,
        "car": run.info.car,
        "model": run.info.model_name,
        "model_card": run.info.model_meta.get("card_id"),
        "status": str(state.status),
        "start_mode": str(config.start_mode),
        "expiry": str(config.expiry),
        "time_limit_ms": ms_from_ns(config.time_limit_ns),
        "grace_ms": ms_from_ns(config.grace_ns),
        "started_at_ms": at_ms(state.started_ns),
        "deadline_at_ms": at_ms(state.deadline_ns),
        "ended_at_ms": at_ms(state.ended_ns),
        "current_lap_start_at_ms": at_ms(state.current_lap_start_ns),
        "current_lap_resets": state.current_lap_resets,
        "laps": [lap_view(lap) for lap in state.laps],
        "last_lap_ms": ms_from_ns(state.laps[-1].duration_ns) if state.laps else None,
        "best_lap_ms": ms_from_ns(best.duration_ns) if best else None,
        "best_lap_number": best.number if best else None,
        "window_laps": window_laps,
        "window_ms": (
            ms_from_ns(Fraction(sum(lap.duration_ns for lap in window), window_laps))
            if window
            else None
        ),
        "window_lap_numbers": [lap.number for lap in window] if window else [],
        # a lap-count race: it ends with lap `finish_laps`; `race_total_ms` sums its laps
        "finish_laps": config.finish_laps,
        "race_total_ms": (
            _ms(sum(lap.duration_ns for lap in state.laps[: config.finish_laps]))
            if config.finish_laps and state.laps
            else None
        ),
        "ignored_crossings": [
            {
                "event_id": c.event_id,
                "at_ms": at_ms(c.t_ns),
                "reason": c.reason,
                **(c.why.parts() if c.why else {}),
            }
            for c in ignored
        ],
        "undoable": [
            {
                "event_id": e.event_id,
                "label": event_label(e.event_id, e.event),
                **event_parts(e.event),
            }
            for e in undoable(run.log)[:UNDO_LIST_LENGTH]
        ],
        "event_count": len(run.log.entries),
    }


def standing_view(standing: Standing, detail: bool = False) -> dict[str, Any]:
    """A leaderboard row; `detail` adds the laps the result comes from (API, not push)."""
    metric = standing.metric
    row: dict[str, Any] = {
        "rank": standing.rank,
        "racer_id": standing.racer_id,
        "name": standing.name,
        "value_ms": ms_from_ns(metric.value) if metric else None,
        # gaps between the values as shown (8.109 − 7.264 = +0.845, never +0.844), so a new
        # leader moves every gap by the same amount: one small delta for the whole board
        "gap_to_leader_ms": _gap_ms(metric.value if metric else None, standing.gap_to_leader_ns),
        "gap_to_ahead_ms": _gap_ms(metric.value if metric else None, standing.gap_to_ahead_ns),
        "valid_laps": standing.valid_laps,
        "laps": standing.laps,
        "runs": standing.runs,
        # lap-count races: laps the result counts and how many it lacks (0: complete)
        "result_laps": len(metric.laps) if metric else 0,
        "laps_short": metric.laps_short if metric else 0,
    }
    if detail:
        row["laps_in_metric"] = [
            {"run_id": ref.run_id, "lap": ref.lap_number, "duration_ms": _ms(ref.duration_ns)}
            for ref in (metric.laps if metric else ())
        ]
    return row


def leaderboard_view(race: Race, round_id: str) -> list[dict[str, Any]]:
    """The round's standings as JSON rows (built once per change of the round)."""
    rows: list[dict[str, Any]] = race.cached(
        ("leaderboard_view", round_id),
        lambda: [{**standing_view(s), **_model_of(race, s)} for s in race.standings(round_id)],
    )
    return rows


def _model_of(race: Race, standing: Standing) -> dict[str, Any]:
    """The model of the run that set a racer's result, when it was named."""
    if standing.metric is None or not standing.metric.laps:
        return {}
    run = race.runs.get(standing.metric.laps[-1].run_id)
    if run is None or not run.info.model_name:
        return {}
    return {"model": run.info.model_name, "model_card": run.info.model_meta.get("card_id")}


def _gap_ms(value_ns: Fraction | None, gap_ns: int | None) -> int | None:
    """The gap between a value and the one `gap_ns` before it, in whole ms of each (half
    up, as `ms_from_ns`)."""
    if value_ns is None or gap_ns is None:
        return None
    return _half_up_ms(value_ns) - _half_up_ms(value_ns - gap_ns)


def _half_up_ms(ns: Fraction) -> int:
    return int((2 * ns + NS_PER_MS) // (2 * NS_PER_MS))


def _ms(ns: int | Fraction | None) -> int | None:
    """Whole ms of an integer ns count, half up (as `ms_from_ns`, without Fractions)."""
    return None if ns is None else (2 * ns + NS_PER_MS) // (2 * NS_PER_MS)


def round_view(race: Race, round_id: str) -> dict[str, Any]:
    info = race.rounds[round_id]
    config = info.run_config
    spec = race.specs.get(round_id)
    bracket = next((b for b in race.brackets.values() if b.round_id == round_id), None)
    return {
        "round_id": info.round_id,
        "name": info.name,
        # "Round 1", named by the board when staff gave no program: pages word it
        "default_name": bool(info.state.get("default_name")),
        "seq": info.seq,
        "kind": info.kind,
        "status": info.status,
        "track_id": info.track_id,
        "tracks": race.round_tracks(round_id),
        "format": str(info.format.kind),
        "format_label": info.format.label,
        "format_laps": info.format.laps,
        "time_limit_ms": ms_from_ns(config.time_limit_ns),
        "max_resets_per_lap": config.max_resets_per_lap,
        "runs_per_racer": info.runs_per_racer,
        "advancement": spec.advancement.label if spec else "",
        "entry_from": list(spec.entry_from) if spec else [],
        "bracket_id": bracket.bracket_id if bracket else None,
    }


def program_round_view(race: Race, round_id: str) -> dict[str, Any]:
    """A round as the program on /control shows it: rules, status, entrants, outcome."""
    info = race.rounds[round_id]
    entrants = program.entrants_of(info)
    outcome = program.outcome_of(info)
    names = {r.racer_id: r.alias for r in race.racers.values()}
    shootout_order = []
    if info.kind == "shootout" and entrants:
        shootout_order = [{"racer_id": r, "name": names.get(r, r)} for r in reversed(entrants)]
    spec = race.specs.get(round_id)
    rule = spec.advancement if spec else None
    return {
        **round_view(race, round_id),
        # the advancement rule's parts, for pages that word it in their own language
        "advance_rule": None
        if rule is None
        else {"kind": str(rule.kind), "count": rule.count, "named": len(rule.fixed)},
        "entrants": None
        if entrants is None
        else [{"racer_id": r, "name": names.get(r, r)} for r in entrants],
        "entrant_log": [
            {**item, "name": names.get(str(item.get("racer_id")), "?")}
            for item in info.state.get("entrant_log", [])
        ],
        "advancers": [
            {"racer_id": r, "name": names.get(r, r)} for r in info.state.get("advancers", [])
        ],
        "outcome": None
        if outcome is None
        else {
            "advanced": [
                {
                    "racer_id": r,
                    "name": names.get(r, r),
                    "reason": why,
                    "reason_code": reason_parts(why),
                }
                for r, why in outcome.reasons
            ],
            "tied_at_cut": [{"racer_id": r, "name": names.get(r, r)} for r in outcome.tied_at_cut],
        },
        "running_order": shootout_order,
        "runs": len(race.round_runs(round_id)),
        "results": results_view(race, round_id),
    }


def results_view(race: Race, round_id: str) -> list[dict[str, Any]]:
    """The round's places by its kind, best first (racers it does not place last)."""
    names = {r.racer_id: r.alias for r in race.racers.values()}
    rows: list[dict[str, Any]] = race.cached(
        ("results_view", round_id),
        lambda: [
            {
                "place": p.place,
                "racer_id": p.racer_id,
                "name": names.get(p.racer_id, p.racer_id),
                "value_ms": ms_from_ns(p.metric.value) if p.metric else None,
                "label": p.label,
            }
            for p in program.results(race, round_id)
        ],
    )
    return rows


def program_view(race: Race) -> list[dict[str, Any]]:
    return [program_round_view(race, info.round_id) for info in race.ordered_rounds()]


def queue_view(race: Race, round_id: str, track: TrackRecord | None = None) -> list[dict[str, Any]]:
    """A round's queue: one track's entries in running order, or every track's."""
    entries = race.queues.get(round_id, [])
    if track is not None:
        entries = [e for e in entries if (e.track_id or track.track_id) == track.track_id]
    return [
        {
            "entry_id": entry.entry_id,
            "racer_id": entry.racer_id,
            "name": race.racers[entry.racer_id].alias if entry.racer_id in race.racers else "?",
            "car": entry.car,
            "model": entry.model_name,
            "position": entry.position,
            "track_id": entry.track_id,
            "is_team": teams.team_of_entrant(race, entry.racer_id) is not None,
            "raced_by": race.racers[entry.raced_by].alias
            if entry.raced_by in race.racers
            else None,
            "proxy": teams.is_proxy(race, entry.racer_id, entry.raced_by),
        }
        for entry in entries
    ]


def track_view(race: Race, track: TrackRecord) -> dict[str, Any]:
    """One track: its round, the run on it, the round's leaderboard and the track's queue."""
    current = race.runs.get(track.current_run_id or "")
    has_round = track.round_id in race.rounds
    return {
        "track_id": track.track_id,
        "name": track.name,
        "default_name": _default_track_name(race, track.track_id),  # config's "Track 1"
        "gate_id": track.gate_id,
        "now_at_ms": at_ms(race.now_ns(track)),
        "clock_rate": getattr(race.settings.gate_by_id(track.gate_id), "speed_factor", 1),
        "join": str(joins.mode(race, track)),  # how phones join its queue (board.live.joins)
        "round": round_view(race, track.round_id) if has_round else None,
        "run": run_view(race, current) if current else None,
        "leaderboard": leaderboard_view(race, track.round_id) if has_round else [],
        "queue": queue_view(race, track.round_id, track) if has_round else [],
        "teams": teams_view(race),
    }


def _default_track_name(race: Race, track_id: str) -> bool:
    """Whether the track's name is the settings' default (not one staff wrote)."""
    settings = next((t for t in race.settings.track if t.id == track_id), None)
    return settings is not None and "name" not in settings.model_fields_set


def teams_view(race: Race) -> list[dict[str, Any]]:
    """The event's teams with their members, by name."""
    return [teams.view(race, t) for t in sorted(race.teams.values(), key=lambda t: t.name)]


def gates_view(race: Race) -> dict[str, Any]:
    """Each gate's light; every one is red, with the store's reason, while the store fails
    (a crossing that cannot be stored is as good as unseen to everyone watching)."""
    store = race.store_health
    return {
        gate_id: {
            "level": "error" if store.level == "error" else health.level,
            "kind": store.kind if store.level == "error" else health.kind,
            "detail": store.detail if store.level == "error" else health.detail,
        }
        for gate_id, health in race.gates.items()
    }


def store_view(race: Race) -> dict[str, Any]:
    """The store's light: ok, or error with why and how many crossings wait."""
    return {
        "level": race.store_health.level,
        "detail": race.store_health.detail,
        "held": race.backlog.crossings,
        "lost": race.backlog.lost,
    }


def event_view(race: Race) -> dict[str, Any]:
    event = race.event
    assert event is not None
    return {
        "event_id": event.event_id,
        "name": event.name,
        "season": event.season,
        "kind": event.kind,
        "date": event.date,
        "venue": event.venue,
        "region": event.region,
        "rounds": [round_view(race, info.round_id) for info in race.ordered_rounds()],
    }


def brackets_view(race: Race) -> dict[str, Any]:
    """Every bracket of the event by id, as the screens draw them."""
    return {b.bracket_id: live_brackets.view(race, b) for b in race.brackets.values()}


def snapshot_view(race: Race) -> dict[str, Any]:
    """Everything a screen needs to draw itself from nothing."""
    return {
        "event": event_view(race),
        "program": program_view(race),
        "tracks": race.sent.snapshot([track_view(race, track) for track in race.tracks.values()]),
        "brackets": brackets_view(race),
        "gates": gates_view(race),
        "store": store_view(race),
        "settings": settings_view(race),
    }


def settings_view(race: Race) -> dict[str, Any]:
    """The big screen's settings: spoken lap times, and each race sound on or off."""
    return {"speak_laps": race.speak_laps, "sounds": dict(race.sounds)}


def racer_view(race: Race, racer_id: str) -> dict[str, Any]:
    """A racer and all their runs with laps (the spectator page's detail view)."""
    racer = race.racer(racer_id)
    runs = [r for r in race.runs.values() if r.info.racer_id == racer_id]
    runs.sort(key=lambda r: (race.rounds[r.info.round_id].seq, r.info.seq))
    return {
        "racer_id": racer.racer_id,
        "alias": racer.alias,
        "user_id": racer.user_id,
        "country": racer.country,
        "runs": [run_view(race, run) for run in runs],
        "merged": racers.merges_into(race, racer_id),
    }


def message_view(race: Race, message: Message) -> dict[str, Any]:
    """A typed message from the live core as it goes on the wire."""
    match message:
        case TrackChanged():
            out: dict[str, Any] = {"type": "track", "why": message.why}
            out.update(race.sent.update(track_view(race, race.track(message.track_id))))
            if message.event is not None:
                out["event"] = {"event_id": message.event_id, **_event_dict(message.event)}
                out["highlights"] = list(message.highlights)
            return out
        case ProgramChanged():
            return {
                "type": "program",
                "why": message.why,
                "round": program_round_view(race, message.round_id),
                "program": program_view(race),
            }
        case BracketChanged():
            bracket = live_brackets.get(race, message.bracket_id)
            return {"type": "bracket", "bracket": live_brackets.view(race, bracket)}
        case GateChanged():
            return {"type": "gate", "gates": gates_view(race), "store": store_view(race)}
        case SettingsChanged():
            return {"type": "settings", "settings": settings_view(race)}
        case Notice():
            return {
                "type": "notice",
                "kind": message.kind,
                "gate_id": message.gate_id,
                "text": message.text,
                # `text` as a code and values (None: no code), for pages that word it
                "code": {"code": message.code, **dict(message.params)} if message.code else None,
            }


def _event_dict(event: RunEvent) -> dict[str, Any]:
    data = event_to_dict(event)
    for key in ("t_ns", "at_ns"):
        if key in data:
            data[key.replace("_ns", "_at_ms")] = at_ms(data.pop(key))
    return data
