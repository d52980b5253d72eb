"""lapgate's pure race engine.

Crossings and staff actions form a run's event log; a run's state is a fold of that log.
Formats rank racers from their laps; leaderboards order a round. Nothing here performs
I/O, starts threads or reads a clock: time arrives as integer nanoseconds of a monotonic
clock, chosen by the caller.
"""
