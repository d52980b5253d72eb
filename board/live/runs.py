"""Runs on the live core: staging, unstaging, recording events, routing gate crossings.

`RaceRuns` adds to `RaceQueues` everything that creates a run or changes its log. Every
event is checked by the pure rules (`timer.staff.record`), stored, and only then held and
announced: nothing is shown that is not stored.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from lapgate.board.domain import QueueEntry, RoundInfo, RunInfo, new_id
from lapgate.board.live.messages import Notice, TrackChanged
from lapgate.board.live.queues import RaceQueues
from lapgate.board.live.state import RunRecord, TrackRecord
from lapgate.board.store.api import StoreUnavailable
from lapgate.timer.errors import RuleViolation
from lapgate.timer.events import Crossing, EndRun, ExpiryPolicy, GateCrossing, RunEvent, TimeUp
from lapgate.timer.leaderboard import Standing
from lapgate.timer.run import RunConfig, RunLog, RunStatus, run_state
from lapgate.timer.staff import record
from lapgate.timer.units import ns_from_s

log = logging.getLogger(__name__)


class RaceRuns(RaceQueues):
    """Run mutations (mixed into `board.live.race.Race`)."""

    __slots__ = ()

    # ---- mutations: runs ------------------------------------------------------------

    def stage(self, track_id: str | None, entry_id: str | None = None) -> str:
        """Put the queue's first racer (or entry `entry_id`) on track; the new run's id."""
        from lapgate.board.live import cards, program, teams

        track = self.track(track_id)
        current = self.running_on(track)
        if current is not None:
            name = self.racers[current.info.racer_id].alias
            raise RuleViolation(
                "stage: {name}'s run is {state_status}; end it first",
                name=name,
                state_status=current.state.status,
            )
        info = self.open_round_of(track, "stage")
        queue = list(self.track_queue(track))
        if not queue:
            raise RuleViolation("stage: the queue is empty; add a racer first")
        entry = self._entry(queue, entry_id) if entry_id else queue[0]
        program.check_runs_left(self, info, entry.racer_id)
        runs = self.round_runs(info.round_id)
        run_info = RunInfo(
            new_id(),
            info.round_id,
            entry.racer_id,
            seq=(runs[-1].info.seq + 1) if runs else 1,
            config=self._run_config(track, info),
            car=entry.car,
            model_name=entry.model_name,
            model_meta=cards.run_meta(self, entry.racer_id, entry.model_name),
            raced_by=entry.raced_by,
            proxy=teams.is_proxy(self, entry.racer_id, entry.raced_by),
            clock_id=self.clock_ids.get(track.gate_id, ""),
            track_id=track.track_id,
        )
        self.store.create_run(run_info)
        run_log = RunLog(run_info.config)
        self.runs[run_info.run_id] = RunRecord(run_info, run_log, run_state(run_log))
        self.round_changed(info.round_id)
        track.current_run_id = run_info.run_id
        queue.remove(entry)
        self._save_queue(track, queue)  # also announces the new current run
        self.staged_runs.append(run_info.run_id)
        return run_info.run_id

    def unstage(self, track_id: str | None) -> str:
        """Take the track's staged run off: a run with nothing logged leaves no trace.

        It is deleted from the store, does not count as a run, and its racer goes back to
        the head of the queue (with the car and model it was staged with). The entry id.
        """
        track = self.track(track_id)
        run = self.running_on(track)
        if run is None:
            raise RuleViolation("unstage: no run is staged on this track")
        name = self.racers[run.info.racer_id].alias
        if run.log.entries:
            raise RuleViolation(
                "unstage: {name}'s run has {events} events logged (a crossing or an "
                "action); abort it with a reason instead",
                name=name,
                events=len(run.log.entries),
            )
        info = run.info
        self.store.delete_empty_run(info.run_id)
        del self.runs[info.run_id]
        self.round_changed(info.round_id)
        earlier = [r for r in self.round_runs(info.round_id) if self.track_of_run(r) is track]
        track.current_run_id = earlier[-1].info.run_id if earlier else None  # as at start-up
        entry = QueueEntry(
            new_id(),
            info.round_id,
            info.racer_id,
            0,
            info.car,
            info.model_name,
            track.track_id,
            info.raced_by,
        )
        self._save_queue(track, [entry, *self.track_queue(track)])  # announces the track
        self.unstaged_gates.append(track.gate_id)
        return entry.entry_id

    def _run_config(self, track: TrackRecord, round_info: RoundInfo) -> RunConfig:
        """The round's rules, with the gate's own lockout when its settings give one; a
        lap-count round's runs end with their Nth lap."""
        config = replace(round_info.run_config, finish_laps=round_info.format.finish_laps)
        lockout_s = self.settings.gate_by_id(track.gate_id).lockout_s
        if lockout_s is None:
            return config
        return replace(config, lockout_ns=ns_from_s(lockout_s))

    def apply(self, run_id: str, event: RunEvent) -> int:
        """Record `event` in run `run_id` (rules checked, stored, then shown); its log id.

        Gate crossings still waiting for the store go first (their order is the race's);
        while they cannot be stored, nothing else is (`StoreUnavailable`).
        """
        from lapgate.board.live import backlog

        backlog.before_action(self)  # type: ignore[arg-type]  # a Race (see race.py)
        return self.record(run_id, event)

    def record(self, run_id: str, event: RunEvent) -> int:
        """`apply` without waiting for held crossings (the backlog's own path)."""
        run = self.run(run_id)
        new_log = record(run.log, event, run.state)  # RuleViolation for a staff action
        event_id = new_log.entries[-1].event_id
        new_state = run_state(new_log)
        # durable from here on; the store keeps the laps this fold derived
        self.store.append_event(run_id, event_id, event, new_state.laps)
        was_over = run.state.is_over
        ended_ns = run.state.ended_ns
        before = self.standings(run.info.round_id)
        run.log = new_log
        run.state = new_state
        self.round_changed(run.info.round_id)
        if run.state.is_over and not was_over:
            self.ended_runs.append(run_id)
        highlights = self._highlights(run, before)
        track = self.track_of_run(run)
        self.outbox.append(TrackChanged(track.track_id, "run", event_id, event, tuple(highlights)))
        lap_count = run.log.config.finish_laps is not None
        if lap_count and was_over and not run.state.is_over and track.current_run_id != run_id:
            # An undone crossing took a lap-count run back below N laps after the track
            # moved on: no car can finish it now, so it ends where it ended before.
            self.record(run_id, EndRun(ended_ns or 0))
        if was_over:
            self.run_corrected(run)
        return event_id

    def run_corrected(self, run: RunRecord) -> None:
        """A run that had ended was changed (a correction): `Race` tells the brackets."""

    def crossing(self, crossing: Crossing) -> str | None:
        """Route a gate crossing to the run on that gate's track; the run id, or None.

        A crossing the store cannot take now is held, in order, until it can
        (`board.live.backlog`); None then.
        """
        from lapgate.board.live import backlog

        return backlog.take_crossing(self, crossing)  # type: ignore[arg-type]  # a Race

    def route_crossing(self, crossing: Crossing) -> str | None:
        """Store and show `crossing` in the run it belongs to (StoreUnavailable: nothing)."""
        run = self._route(crossing)
        if run is None:
            log.warning("crossing on gate %s with no run on track: %s", crossing.gate_id, crossing)
            text = f"crossing on gate {crossing.gate_id} with no run staged" + (
                f" for transponder {crossing.transponder}" if crossing.transponder else ""
            )
            params: tuple[tuple[str, str], ...] = (("gate", crossing.gate_id),)
            code = "unassigned"
            if crossing.transponder:
                code = "unassigned_transponder"
                params = (*params, ("transponder", crossing.transponder))
            self.outbox.append(Notice("unassigned", text, crossing.gate_id, code, params))
            return None
        self.record(run.info.run_id, GateCrossing(crossing))
        return run.info.run_id

    def _route(self, crossing: Crossing) -> RunRecord | None:
        # A run timed on another clock (before a reboot) never takes a crossing of this one:
        # instants of two boots are not comparable.
        current = [
            self.runs[t.current_run_id]
            for t in self.tracks.values()
            if t.gate_id == crossing.gate_id
            and t.current_run_id
            and not self._clock_changed(t, self.runs[t.current_run_id])
        ]
        if crossing.transponder is not None:
            cars = self._transponder_cars(crossing.gate_id)
            car = cars.get(crossing.transponder, crossing.transponder)
            for run in current:
                if crossing.transponder == run.info.transponder or (car and car == run.info.car):
                    return run
            return None
        return current[0] if current else None

    def _transponder_cars(self, gate_id: str) -> dict[str, str]:
        gate = self.settings.gate_by_id(gate_id)
        return dict(getattr(gate, "transponders", {}))

    def expire(self) -> None:
        """Append `TimeUp` to every running run whose deadline (and grace) has passed.

        Not while crossings wait for the store (one of them may finish the last lap) or
        the store failed; the backlog's retry expires runs once the store commits again.
        """
        if self.backlog.held or self.store_health.level == "error":
            return
        try:
            self.expire_now()
        except StoreUnavailable as exc:
            from lapgate.board.live import backlog

            backlog.store_failed(self, str(exc))  # type: ignore[arg-type]  # a Race

    def expire_now(self) -> None:
        """`expire` whatever the store's health (StoreUnavailable when it cannot commit)."""
        for track in self.tracks.values():
            run = self.runs.get(track.current_run_id or "")
            if run is None or run.state.status is not RunStatus.RUNNING:
                continue
            deadline = run.state.deadline_ns
            if deadline is None:
                continue
            config = run.log.config
            late = 0 if config.expiry is ExpiryPolicy.HARD else config.grace_ns
            if self.now_ns(track) > deadline + late or self._clock_changed(track, run):
                self.record(run.info.run_id, TimeUp(deadline + late))

    def _clock_changed(self, track: TrackRecord, run: RunRecord) -> bool:
        """Whether the run was timed on another clock (the host rebooted mid-run).

        Instants from two boots cannot be compared, so such a run cannot go on: its time
        is up. Known from the run's recorded clock id, or else from a clock now behind
        the run's start.
        """
        current = self.clock_ids.get(track.gate_id, "")
        if run.info.clock_id and current:
            return run.info.clock_id != current
        return self.now_ns(track) < (run.state.started_ns or 0)

    def _highlights(self, run: RunRecord, before: tuple[Standing, ...]) -> list[str]:
        after = self.standings(run.info.round_id)
        racer_id = run.info.racer_id
        found: list[str] = []
        old = next((s for s in before if s.racer_id == racer_id), None)
        new = next((s for s in after if s.racer_id == racer_id), None)
        if (
            old is not None
            and old.metric is not None
            and new is not None
            and new.metric is not None
            and new.metric.value < old.metric.value
        ):
            found.append("personal_best")
        old_leader = before[0].racer_id if before and before[0].rank == 1 else None
        new_leader = after[0].racer_id if after and after[0].rank == 1 else None
        if new_leader == racer_id and old_leader != racer_id:
            found.append("new_leader")
        return found
