"""Login throttling: wrong passwords slow their own address, and the board overall, before
any password is checked; a right password from an address that is not slowed always works.

Per address: one check at a time; the first `FREE_FAILURES` failures cost nothing; after
that each further attempt must wait 1, 2, 4 … up to `MAX_WAIT_S` seconds after the previous
failure, or it is answered "wait" without a check. Failures are forgotten `FORGET_S` after
the last one, and a successful login forgets them at once. Overall: once more than
`OVERALL_FREE_FAILURES` failures happened in the last minute (wrong logins from many
addresses), checks are paced `OVERALL_SPACING_S` apart; a login waits for its turn at most
the caller's budget.

The address is the real client's (after `board.web.proxy.TrustedProxies`), so one spectator
hammering the login behind nginx slows that spectator, not staff.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

FREE_FAILURES = 5
MAX_WAIT_S = 60.0
FORGET_S = 15 * 60.0
OVERALL_FREE_FAILURES = 20
OVERALL_WINDOW_S = 60.0
OVERALL_SPACING_S = 0.25
MAX_ADDRESSES = 4096  # memory bound: the least recently failed addresses are forgotten


class LoginThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # count, last
        self._overall: deque[float] = deque()
        self._next_check = 0.0
        self._checking: set[str] = set()  # addresses with a check in flight

    def wait_s(self, address: str) -> float:
        """How long `address` must still wait before its password may be checked (0: now)."""
        with self._lock:
            found = self._failures.get(address)
            if found is None:
                return 0.0
            count, last = found
            now = self.clock()
            if now - last >= FORGET_S:
                del self._failures[address]
                return 0.0
            if count < FREE_FAILURES:
                return 0.0
            wait = min(2.0 ** (count - FREE_FAILURES), MAX_WAIT_S)
            return max(0.0, last + wait - now)

    def begin(self, address: str) -> bool:
        """Reserve `address`'s one check in flight (a person types one password at a time:
        a burst of concurrent tries from one address is not checked at once); False if it
        already has one. Pair with `end`."""
        with self._lock:
            if address in self._checking:
                return False
            self._checking.add(address)
            return True

    def end(self, address: str) -> None:
        with self._lock:
            self._checking.discard(address)

    def turn(self, budget_s: float) -> bool:
        """Wait for this check's turn under the overall pacing; False if not within budget."""
        with self._lock:
            now = self.clock()
            while self._overall and now - self._overall[0] > OVERALL_WINDOW_S:
                self._overall.popleft()
            if len(self._overall) <= OVERALL_FREE_FAILURES:
                return True
            at = max(now, self._next_check)
            if at - now > budget_s:
                return False
            self._next_check = at + OVERALL_SPACING_S
        if at > now:
            time.sleep(at - now)
        return True

    def failed(self, address: str) -> None:
        with self._lock:
            now = self.clock()
            count, last = self._failures.pop(address, (0, now))
            if now - last >= FORGET_S:
                count = 0
            self._failures[address] = (count + 1, now)
            while len(self._failures) > MAX_ADDRESSES:
                self._failures.popitem(last=False)
            self._overall.append(now)

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)
