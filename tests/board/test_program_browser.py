"""The event's program in a real browser (Debian chromium via Playwright): staff open, close
and reopen rounds from /control, and the big screen follows the round on its track."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from brackets_support import XSS_NAME, race_run
from web_support import STAFF_PASSWORD, Board, make_settings, started_board

from lapgate.config import settings_from_dict

pytestmark = pytest.mark.browser

PROGRAM = [
    {"name": "Qualifying", "advance": "top", "advance_count": 4},
    {
        "name": "Final 4",
        "kind": "bracket",
        "entry_from": ["Qualifying"],
        "bracket": "single",
        "stop_at": 2,  # the two semi-final winners go to the shootout
        "attempts": 1,
    },
    {
        "name": "Shootout",
        "kind": "shootout",
        "entry_from": ["Final 4"],
        "format": "single_lap",
        "runs_per_racer": 1,
        "advance": "none",
    },
]
QUALIFYING_LAPS_S = {"Ann": 10.0, "Ben": 11.0, "Cat": 12.0, "Dan": 13.0, "Eve": 14.0}


EXTERNAL_FIRST = [
    {"name": "Virtual", "kind": "external", "advance": "all"},
    {"name": "Final", "entry_from": ["Virtual"], "advance": "none"},
]


@pytest.fixture
def board(request: pytest.FixtureRequest) -> Iterator[Board]:
    """The web tests' board (web_support) with a program (PROGRAM, or the test's
    parameter), no round open yet."""
    base = make_settings().model_dump(mode="json", exclude_none=True)
    rounds = getattr(request, "param", PROGRAM)
    started = started_board(settings_from_dict({**base, "rounds": rounds}))
    yield started
    started.host.stop()


def _page(browser: Any, errors: list[str], confirms: list[str], **context_args: Any) -> Any:
    """A page that records script errors, and accepts confirm() boxes (recorded)."""
    page = browser.new_context(**context_args).new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))

    def on_dialog(dialog: Any) -> None:
        confirms.append(dialog.message)
        if dialog.type == "confirm":
            dialog.accept()
        else:
            errors.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

    page.on("dialog", on_dialog)
    return page


def _round(page: Any, name: str, status: str = "") -> Any:
    """The program row of round `name` (with `status`: only while it has that status)."""
    row = "#program li.pg-round" + (f".status-{status}" if status else "")
    return page.locator(row, has=page.locator(".pg-name", has_text=name))


def _wait_status(page: Any, name: str, status: str) -> None:
    _round(page, name, status).wait_for()


def _texts(page: Any, selector: str) -> list[str]:
    return [text.strip() for text in page.locator(selector).all_text_contents()]


_IDS_TEXT = "(arg) => document.getElementById(arg[0])?.textContent === arg[1]"
_ALL_TEXTS = (
    "(arg) => [...document.querySelectorAll(arg[0])].map((n) => n.textContent).join('|') === arg[1]"
)


def _wait_text(page: Any, element_id: str, text: str) -> None:
    page.wait_for_function(_IDS_TEXT, arg=[element_id, text])


def _wait_texts(page: Any, selector: str, texts: list[str]) -> None:
    page.wait_for_function(_ALL_TEXTS, arg=[selector, "|".join(texts)])


def _qualify_from_the_control_page(board: Board, control: Any) -> None:
    """Queue every racer with the add form, then run them with the keyboard (N … E)."""
    for alias in QUALIFYING_LAPS_S:
        control.fill("#add-alias", alias)
        control.press("#add-alias", "Enter")
        control.wait_for_function("document.getElementById('add-alias').value === ''")
    control.wait_for_function("document.querySelectorAll('#queue li').length === 5")
    control.keyboard.press("Escape")  # out of the alias field: keys are actions again
    for alias, lap_s in QUALIFYING_LAPS_S.items():
        control.keyboard.press("n")
        _wait_text(control, "racer", alias)
        board.cross(1)  # rolling start
        board.cross(lap_s)
        control.keyboard.press("e")
        control.keyboard.press("Enter")  # yes, end the run
        control.wait_for_function(
            "document.getElementById('run-status').textContent.startsWith('finished')"
        )


def _open_with_dialog(control: Any, name: str) -> None:
    _round(control, name).locator("button.pg-open").click()
    control.wait_for_selector("#open-dialog[open]")


def _confirm_open(control: Any, name: str) -> None:
    control.click("#od-confirm")
    control.wait_for_function("!document.getElementById('open-dialog').open")
    _wait_status(control, name, "open")


def _wait_mode(screen: Any, mode: str) -> None:
    screen.wait_for_function(
        "(mode) => document.getElementById('screen').dataset.mode === mode", arg=mode
    )


def _close(control: Any, name: str) -> None:
    _round(control, name).locator("button.pg-close").click()
    _wait_status(control, name, "closed")
    control.wait_for_selector("#pg-result:not([hidden])")


@dataclass
class Pages:
    """The big screen and a staff tablet on one board; what went wrong on either."""

    board: Board
    screen: Any
    control: Any
    errors: list[str]
    confirms: list[str]  # the confirm() questions staff answered, in order


def test_staff_run_the_program_and_the_big_screen_follows(
    board: Board, served: str, browser: Any
) -> None:
    errors: list[str] = []
    confirms: list[str] = []
    screen = _page(browser, errors, confirms, viewport={"width": 1920, "height": 1080})
    screen.goto(served + "/")
    _wait_text(screen, "idle-next", "Next: Qualifying")
    assert screen.get_attribute("#screen", "data-mode") == "idle"
    control = _page(browser, errors, confirms, viewport={"width": 1280, "height": 900})
    control.goto(served + "/control")
    control.fill("input[name=password]", STAFF_PASSWORD)
    control.click("button[type=submit]")
    control.wait_for_selector("#program li.pg-round")
    assert _texts(control, "#program .pg-name") == ["Qualifying", "Final 4", "Shootout"]
    assert _texts(control, "#program .pg-badge") == ["next", "pending", "pending"]
    pages = Pages(board, screen, control, errors, confirms)
    _qualifying(pages)
    _final_4_opens_with_a_change_of_entrants(pages)
    _final_4_on_the_big_screen(pages)
    _shootout(pages)
    _a_racer_who_is_not_an_entrant(pages)
    phone = _page(browser, errors, confirms, viewport={"width": 390, "height": 844})
    phone.goto(served + "/m")
    _wait_text(phone, "format", "Shootout · single lap")
    assert errors == []


def _qualifying(pages: Pages) -> None:
    """Open entry, shown before it opens; raced from the control page; closed, reopened."""
    control, screen = pages.control, pages.screen
    assert "open entry" in _round(control, "Qualifying").locator(".pg-rules").inner_text()
    _open_with_dialog(control, "Qualifying")
    assert control.locator("#od-open-entry").is_visible()
    assert control.locator("#od-title").inner_text() == "Open Qualifying"
    _confirm_open(control, "Qualifying")
    _wait_mode(screen, "timed")
    _qualify_from_the_control_page(pages.board, control)
    pages.board.queue("Finn")  # queued, never raced: left in the queue at the close
    control.wait_for_function("document.querySelectorAll('#queue li').length === 1")

    _close(control, "Qualifying")
    question = pages.confirms[-1]
    assert question.startswith("Close Qualifying?") and "1 racer is still queued" in question
    assert _texts(control, "#pg-result .pg-person") == ["Ann", "Ben", "Cat", "Dan"]
    result = control.locator("#pg-result").inner_text()
    assert "1st overall" in result and "Tied at the cut: nobody" in result
    assert "Left in the queue: 1 entry" in result
    _wait_text(screen, "round-status", "results")
    assert screen.locator("#next-up").inner_text() == "Next round: Final 4"

    _round(control, "Qualifying").locator("button.pg-reopen").click()  # a run was forgotten
    _wait_status(control, "Qualifying", "open")
    assert pages.confirms[-1].startswith("Reopen Qualifying?")
    _wait_text(screen, "round-status", "")
    _close(control, "Qualifying")


def _final_4_opens_with_a_change_of_entrants(pages: Pages) -> None:
    """The preview lists the qualifiers with why; Dan drops out and Eve takes his place."""
    control = pages.control
    _open_with_dialog(control, "Final 4")
    assert control.locator("#od-problem").is_hidden()
    assert _texts(control, "#od-entrants .od-name") == ["Ann", "Ben", "Cat", "Dan"]
    assert _texts(control, "#od-entrants .od-reason")[0] == "Qualifying: 1st overall"
    dan = control.locator("#od-entrants li", has_text="Dan")
    dan.locator("button.od-remove").click()
    dan.locator("button.danger").click()  # no reason yet: refused
    assert control.locator("#od-error").inner_text() == "Give a reason to remove Dan"
    dan.locator(".od-remove-reason").fill("car broken")
    dan.locator("button.danger").click()
    control.fill("#od-add-alias", "Eve")
    control.fill("#od-add-reason", "next fastest in qualifying")
    control.click("#od-add-button")
    assert control.locator("#od-entrants-head").text_content() == "Entrants (4)"
    removed = control.locator("#od-entrants li.od-removed .od-reason")
    assert removed.inner_text() == "removed: car broken"
    _confirm_open(control, "Final 4")
    log = _round(control, "Final 4").locator(".pg-log").inner_text()
    assert "− Dan (car broken)" in log and "+ Eve (next fastest in qualifying)" in log


def _final_4_on_the_big_screen(pages: Pages) -> None:
    """The bracket drawing beside the match on track, with each attempt as it is raced."""
    board, control, screen = pages.board, pages.control, pages.screen
    _wait_mode(screen, "bracket")
    screen.wait_for_selector("#bracket-trees .bk-match.current")
    assert screen.locator("#bracket-trees .bk-match").count() == 3  # two semi-finals, a final
    assert screen.locator("#bracket-trees").is_visible() and screen.locator("#match").is_visible()
    current = screen.locator("#bracket-trees .bk-match.current .bk-racer")
    assert current.all_inner_texts() == ["Ann", "Eve"]
    assert _texts(screen, "#match-sides .match-name") == ["Ann", "Eve"]
    panel = control.locator("#brackets-panel")
    panel.locator(".bkc-list li", has_text="W1-1").locator("button").click()
    panel.locator(".bkc-staged").wait_for()
    race_run(board, [9.8])  # Ann's attempt
    board.stage()
    board.cross(1)  # Eve on track
    _wait_texts(screen, "#match-sides .match-attempts .t", ["9.800", "on track"])
    assert screen.locator("#match-sides .match-side.on-track .match-name").inner_text() == "Eve"
    assert screen.locator("#match-sides .match-side.ahead .match-name").inner_text() == "Ann"
    board.cross(10.4)
    control.keyboard.press("e")  # Eve's run ends (confirmed)
    control.keyboard.press("Enter")
    control.wait_for_function(
        "document.getElementById('run-status').textContent.startsWith('finished')"
    )
    panel.locator(".bkc-staged button.primary").click()  # decide from runs
    control.click("#cd-confirm")
    screen.wait_for_selector('#bracket-trees .bk-match[data-match="W1-1"] .bk-slot.win')
    assert screen.locator("#match-last").inner_text().startswith("Last result · W1-1: Ann beat Eve")
    assert _texts(screen, "#match-sides .match-name") == ["Ben", "Cat"]
    panel.locator(".bkc-list li", has_text="W1-2").locator("button").click()
    panel.locator(".bkc-staged").wait_for()
    race_run(board, [9.5])
    race_run(board, [9.9])
    panel.locator(".bkc-staged button.primary").click()
    control.click("#cd-confirm")
    _wait_text(screen, "match-title", "Bracket finished")
    _close(control, "Final 4")
    assert _texts(control, "#pg-result .pg-person") == ["Ann", "Ben"]


def _shootout(pages: Pages) -> None:
    """The finalists race in running order, best-placed last; each time shows as it comes."""
    board, control, screen = pages.board, pages.control, pages.screen
    _open_with_dialog(control, "Shootout")
    assert _texts(control, "#od-entrants .od-name") == ["Ann", "Ben"]
    _confirm_open(control, "Shootout")
    _wait_mode(screen, "shootout")
    assert _texts(screen, "#running-order .name") == ["Ben", "Ann"]
    assert _texts(screen, "#running-order .value") == ["—", "—"]
    race_run(board, [9.7])  # Ben
    board.stage()
    board.cross(1)  # Ann on track
    _wait_texts(screen, "#running-order .value", ["9.700", "on track"])
    assert _texts(screen, "#running-order .place") == ["1st", ""]


def _a_racer_who_is_not_an_entrant(pages: Pages) -> None:
    """Refused with the board's words; let in with a reason, which the program logs."""
    control = pages.control
    control.fill("#add-alias", XSS_NAME)
    control.press("#add-alias", "Enter")
    control.wait_for_selector("#override:not([hidden])")
    assert control.locator("#override-text").inner_text() == (
        f"queue: {XSS_NAME} is not an entrant of Shootout; give a reason to let them race anyway"
    )
    control.click("#override button[type=submit]")  # no reason: the form asks for one
    assert control.locator("#override").is_visible()
    control.fill("#override-reason", "sponsor's guest run")
    control.click("#override button[type=submit]")
    control.wait_for_selector("#override", state="hidden")
    _wait_texts(control, "#queue .name", [XSS_NAME])  # the shootout's queue was raced
    log = _round(control, "Shootout").locator(".pg-log")
    log.wait_for()
    assert f"let race: {XSS_NAME} (sponsor's guest run)" in log.inner_text()
    assert control.locator("img[src=x]").count() == 0
    assert pages.screen.locator("img[src=x]").count() == 0


def test_pages_without_a_round_on_the_track(board: Board, served: str, browser: Any) -> None:
    """Before the first round opens every page says what comes next instead of failing."""
    errors: list[str] = []
    page = _page(browser, errors, [], viewport={"width": 390, "height": 844})
    page.goto(served + "/m")
    _wait_text(page, "format", "Next: Qualifying")
    page.goto(served + "/control")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    _wait_text(page, "round-name", "no round open")
    page.fill("#add-alias", "Walk-up")
    page.press("#add-alias", "Enter")
    page.wait_for_selector("#toast:not([hidden])")  # the board says why, and what to do
    assert page.locator("#toast").inner_text().startswith("queue: no round is open on track")
    assert errors == []


@pytest.mark.parametrize("board", [EXTERNAL_FIRST], indirect=True)
def test_an_external_rounds_advancers_typed_or_imported(
    board: Board, served: str, browser: Any
) -> None:
    """Advancers typed one per line, then replaced from a CSV file; the round closes on them."""
    errors: list[str] = []
    confirms: list[str] = []
    page = _page(browser, errors, confirms, viewport={"width": 1280, "height": 900})
    page.goto(served + "/control")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    virtual = _round(page, "Virtual")
    virtual.locator("textarea").fill("Kim\n  Lee  \n\n")
    virtual.locator("button", has_text="Save advancers").click()
    _wait_text(page, "pg-note", "Virtual: 2 advancers saved")
    virtual.locator(".pg-external .muted").wait_for()
    assert virtual.locator(".pg-external .muted").inner_text() == "Named: Kim, Lee"
    virtual.locator("input[type=file]").set_input_files(
        files=[{"name": "virtual.csv", "mimeType": "text/csv", "buffer": b"Rank,Alias\n1,Lee\n"}]
    )
    _wait_text(page, "pg-note", "Virtual: 1 advancer imported from virtual.csv")
    _wait_texts(page, "#program .pg-external .muted", ["Named: Lee"])
    _close(page, "Virtual")
    assert confirms[-1].startswith("Close Virtual? The named advancers go on")
    assert _texts(page, "#pg-result .pg-person") == ["Lee"]
    _open_with_dialog(page, "Final")
    assert _texts(page, "#od-entrants .od-name") == ["Lee"]
    assert _texts(page, "#od-entrants .od-reason") == ["Virtual: named"]
    assert errors == []
