"""Gate adapters: the outside world (GPIO edges, decoder bytes, a simulation) as crossings.

`hardware.base` holds the protocol every adapter follows and `build_gate`, the factory
the service uses; `hardware.simulator`, `hardware.gpio` and `hardware.decoder` are the
adapters; `hardware.decoders` the pure protocol parsers; `hardware.emulator` a virtual
ZRound decoder for tests and rehearsals. Depends on `timer` and `config`, never on `board`.
"""
