"""Results for programs (one JSON object) and people (a short block, live steps)."""

from __future__ import annotations

import io
import json
import re

import pytest

from agent.output import (
    CORE_KEYS,
    StepPrinter,
    error_object,
    render_error_json,
    render_human,
    render_json,
    result_object,
)
from agent.redaction import REDACTED, register_secret
from ordercore.errors import CredentialsRejected, StorageError, TryLater
from ordercore.models import Action, OrderStatus, Outcome, Result


def make_result(**changes: object) -> Result:
    values: dict[str, object] = {
        "order": "MK-70001",
        "status": OrderStatus.PROCESSING,
        "raw_status": "Processing",
        "action": Action.CANCELLATION_REQUESTED,
        "outcome": Outcome.DONE,
        "reference": "CS-482913",
        "label": None,
        "message": "Cancellation requested; the shop answers by e-mail.",
    }
    values.update(changes)
    return Result(**values)  # type: ignore[arg-type]


def test_json_is_one_object_on_one_line_with_the_core_keys_in_order() -> None:
    text = render_json(make_result())
    assert "\n" not in text
    obj = json.loads(text)
    assert list(obj) == list(CORE_KEYS)
    assert obj == {
        "order": "MK-70001",
        "status": "processing",
        "raw_status": "Processing",
        "action": "cancellation_requested",
        "outcome": "done",
        "reference": "CS-482913",
        "label": None,
        "message": "Cancellation requested; the shop answers by e-mail.",
    }


def test_json_details_follow_and_cannot_shadow_core_keys() -> None:
    result = make_result(details={"dry_run": True, "outcome": "hacked", "tracking": "1Z999"})
    obj = json.loads(render_json(result))
    assert list(obj) == [*CORE_KEYS, "dry_run", "tracking"]
    assert obj["outcome"] == "done"
    assert obj["tracking"] == "1Z999"


def test_json_without_status() -> None:
    obj = json.loads(render_json(make_result(status=None, raw_status=None)))
    assert obj["status"] is None
    assert obj["raw_status"] is None


def test_json_handles_non_json_details_and_unicode() -> None:
    from pathlib import Path

    result = make_result(message="Commande annulée ✓", details={"where": Path("/tmp/x")})
    text = render_json(result)
    assert "annulée ✓" in text
    assert json.loads(text)["where"] == "/tmp/x"


def test_json_is_scrubbed(canary: str) -> None:
    register_secret(canary)
    result = make_result(
        message=f"typed {canary}", details={"form": {"password": "x", "note": canary}}
    )
    text = render_json(result)
    assert canary not in text
    obj = json.loads(text)
    assert obj["message"] == f"typed {REDACTED}"
    assert obj["form"] == {"password": REDACTED, "note": REDACTED}
    assert result_object(result)["message"] == f"typed {REDACTED}"


@pytest.mark.parametrize(
    ("changes", "lines"),
    [
        (
            {},
            [
                "✓ Cancellation requested: order MK-70001",
                "  Status:    processing",
                "  Case:      CS-482913",
                "  Cancellation requested; the shop answers by e-mail.",
            ],
        ),
        (
            {
                "status": OrderStatus.DELIVERED,
                "raw_status": "Delivered",
                "action": Action.RETURN_STARTED,
                "reference": "RMA-1001",
                "label": "/data/orders/70004/return-label-RMA-1001.pdf",
                "message": "Return started; print the label and drop the parcel off.",
            },
            [
                "✓ Return started: order MK-70001",
                "  Status:    delivered",
                "  Return:    RMA-1001",
                "  Label:     /data/orders/70004/return-label-RMA-1001.pdf",
                "  Return started; print the label and drop the parcel off.",
            ],
        ),
        (
            # The label's path said once: the message points at the Label line.
            {
                "status": OrderStatus.DELIVERED,
                "raw_status": "Delivered",
                "action": Action.RETURN_STARTED,
                "reference": "RMA-1002",
                "label": "/data/l.pdf",
                "message": "Return RMA-1002 started for Scarf; prepaid label saved: /data/l.pdf",
            },
            [
                "✓ Return started: order MK-70001",
                "  Status:    delivered",
                "  Return:    RMA-1002",
                "  Label:     /data/l.pdf",
                "  Return RMA-1002 started for Scarf; prepaid label saved (Label, above)",
            ],
        ),
        (
            {
                "status": OrderStatus.RETURN_STARTED,
                "raw_status": "Return Requested",
                "action": Action.LABEL_DOWNLOADED,
                "reference": "RMA-1001",
                "label": "/l.pdf",
                "message": "",
            },
            [
                "✓ Return label saved: order MK-70001",
                '  Status:    return started ("Return Requested")',
                "  Return:    RMA-1001",
                "  Label:     /l.pdf",
            ],
        ),
        (
            {
                "status": OrderStatus.SHIPPED,
                "raw_status": "Out for Delivery",
                "action": Action.NONE,
                "outcome": Outcome.WAITING,
                "reference": None,
                "message": "In transit.",
            },
            [
                "… Nothing possible yet: order MK-70001",
                '  Status:    shipped ("Out for Delivery")',
                "  In transit.",
            ],
        ),
        (
            {
                "status": OrderStatus.UNKNOWN,
                "raw_status": "On Hold",
                "action": Action.NONE,
                "outcome": Outcome.NEEDS_HUMAN,
                "reference": None,
                "message": "Unknown status.",
            },
            [
                "! A person needs to step in: order MK-70001",
                '  Status:    unknown ("On Hold")',
                "  Unknown status.",
            ],
        ),
        (
            {
                "status": OrderStatus.CANCELLED,
                "raw_status": "Canceled",
                "action": Action.NONE,
                "reference": None,
                "message": "Already cancelled.",
            },
            [
                "✓ Nothing to do: order MK-70001",
                '  Status:    cancelled ("Canceled")',
                "  Already cancelled.",
            ],
        ),
        (
            {"details": {"dry_run": True}, "reference": None, "outcome": Outcome.ERROR},
            [
                "✗ Something went wrong (dry run: nothing was sent): order MK-70001",
                "  Status:    processing",
                "  Cancellation requested; the shop answers by e-mail.",
            ],
        ),
    ],
)
def test_human_block(changes: dict[str, object], lines: list[str]) -> None:
    assert render_human(make_result(**changes)).splitlines() == lines


def test_human_block_in_ascii() -> None:
    text = render_human(make_result(), ascii_only=True)
    assert text.startswith("+ Cancellation requested: order MK-70001")
    text.encode("ascii")


def test_human_block_is_scrubbed(canary: str) -> None:
    register_secret(canary)
    text = render_human(make_result(message=f"oops {canary}"))
    assert canary not in text
    assert REDACTED in text


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_steps(printer: StepPrinter) -> None:
    printer.done("Signed in")
    printer.done("Found order MK-70001")
    printer.info('Status: processing ("Processing")')
    printer.doing("Requesting cancellation")
    printer.done("Case CS-482913")
    printer.warn("Retrying after a server error")


@pytest.fixture
def no_colour_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither NO_COLOR nor FORCE_COLOR from the outer shell, and a capable TERM."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def test_steps_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    stream = _Terminal()
    printer = StepPrinter.for_command(json_output=False, stream=stream)
    assert printer.enabled
    run_steps(printer)
    assert stream.getvalue().splitlines() == [
        "✓ Signed in",
        "✓ Found order MK-70001",
        '• Status: processing ("Processing")',
        "→ Requesting cancellation…",
        "✓ Case CS-482913",
        "! Retrying after a server error",
    ]


@pytest.mark.parametrize(
    ("terminal", "json_output", "verbose", "enabled"),
    [
        (True, False, False, True),
        (True, True, False, False),
        # -v with --json: the steps too, on stderr (stdout keeps its one JSON object).
        (True, True, True, True),
        (False, False, False, False),
        (False, False, True, True),
        (False, True, True, True),
    ],
)
def test_when_steps_are_printed(
    terminal: bool, json_output: bool, verbose: bool, enabled: bool
) -> None:
    stream = _Terminal() if terminal else io.StringIO()
    printer = StepPrinter.for_command(json_output=json_output, verbose=verbose, stream=stream)
    assert printer.enabled is enabled
    run_steps(printer)
    assert bool(stream.getvalue()) is enabled


def test_with_json_the_steps_leave_the_logs_on() -> None:
    # A person reading steps needs no info logs; a program asking for both gets both.
    assert StepPrinter.for_command(json_output=False, stream=_Terminal()).replaces_logs
    verbose_json = StepPrinter.for_command(json_output=True, verbose=True, stream=io.StringIO())
    assert verbose_json.enabled and not verbose_json.replaces_logs


SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.usefixtures("no_colour_settings")
def test_a_terminal_gets_colour_marks() -> None:
    stream = _Terminal()
    run_steps(StepPrinter.for_command(json_output=False, stream=stream))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "\x1b[32m✓\x1b[0m Signed in"
    assert lines[-1] == "\x1b[33m!\x1b[0m Retrying after a server error"
    assert [SGR.sub("", line) for line in lines][3] == "→ Requesting cancellation…"


@pytest.mark.usefixtures("no_colour_settings")
@pytest.mark.parametrize(
    ("variable", "value", "terminal", "coloured"),
    [
        ("NO_COLOR", "1", True, False),
        ("TERM", "dumb", True, False),
        ("FORCE_COLOR", "1", False, True),
        ("FORCE_COLOR", "0", False, False),
        ("NO_COLOR", "", True, True),  # empty: not set, as no-color.org says
    ],
)
def test_colour_follows_no_color_force_color_and_term(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, terminal: bool, coloured: bool
) -> None:
    monkeypatch.setenv(variable, value)
    stream = _Terminal() if terminal else io.StringIO()
    StepPrinter(stream).done("Signed in")
    assert bool(SGR.search(stream.getvalue())) is coloured
    assert SGR.sub("", stream.getvalue()) == "✓ Signed in\n"


@pytest.mark.usefixtures("no_colour_settings")
def test_off_a_terminal_progress_says_nothing_and_steps_are_plain() -> None:
    stream = io.StringIO()
    printer = StepPrinter(stream)
    with printer.progress("Starting the browser"):
        pass
    run_steps(printer)
    printer.fail()
    printer.stop()
    assert "\x1b" not in stream.getvalue()
    assert stream.getvalue().splitlines()[0] == "✓ Signed in"


@pytest.mark.usefixtures("no_colour_settings")
def test_a_terminal_that_cannot_redraw_gets_progress_as_plain_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TERM", "dumb")
    stream = _Terminal()
    printer = StepPrinter(stream)
    printer.progress("Starting the browser")
    printer.done("Signed in")
    assert stream.getvalue().splitlines() == ["→ Starting the browser…", "✓ Signed in"]


@pytest.mark.usefixtures("no_colour_settings")
def test_the_result_block_is_coloured_only_when_asked() -> None:
    waiting = make_result(outcome=Outcome.WAITING, action=Action.NONE, reference=None)
    assert render_human(waiting, colour=True).startswith("\x1b[33m…\x1b[0m Nothing possible yet")
    assert render_human(make_result(), colour=True).startswith("\x1b[32m✓\x1b[0m Cancellation")
    failed = make_result(outcome=Outcome.ERROR)
    assert render_human(failed, colour=True).startswith("\x1b[31m✗\x1b[0m")
    assert "\x1b" not in render_human(waiting)


def test_steps_default_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    StepPrinter.for_command(json_output=False, verbose=True).done("Signed in")
    captured = capsys.readouterr()
    assert captured.err == "✓ Signed in\n"
    assert captured.out == ""


def test_doing_keeps_an_existing_ellipsis() -> None:
    stream = io.StringIO()
    StepPrinter(stream).doing("Waiting...")
    assert stream.getvalue() == "→ Waiting...\n"


def test_steps_fall_back_to_ascii() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    run_steps(StepPrinter(stream))
    stream.flush()
    assert raw.getvalue().decode("ascii").splitlines()[:4] == [
        "+ Signed in",
        "+ Found order MK-70001",
        '* Status: processing ("Processing")',
        "-> Requesting cancellation...",
    ]


def test_steps_are_scrubbed(canary: str) -> None:
    register_secret(canary)
    stream = io.StringIO()
    StepPrinter(stream).info(f"typed {canary}")
    assert stream.getvalue() == f"• typed {REDACTED}\n"


def test_error_object_for_needs_human(canary: str) -> None:
    register_secret(canary)
    exc = CredentialsRejected(
        f"the shop rejected {canary}", hint="check ORDER_AGENT_PASSWORD", phone="1-800-555-0100"
    )
    obj = error_object(exc, "70001")
    assert obj == {
        "order": "70001",
        "status": None,
        "raw_status": None,
        "action": "none",
        "outcome": "needs_human",
        "reference": None,
        "label": None,
        "message": f"the shop rejected {REDACTED}",
        "error": "CredentialsRejected",
        "hint": "check ORDER_AGENT_PASSWORD",
        "phone": "1-800-555-0100",
    }


@pytest.mark.parametrize(
    ("exc", "outcome"), [(TryLater("site down"), "waiting"), (StorageError("disk full"), "error")]
)
def test_error_json(exc: Exception, outcome: str) -> None:
    text = render_error_json(exc, None)  # type: ignore[arg-type]
    assert "\n" not in text
    obj = json.loads(text)
    assert obj["outcome"] == outcome
    assert obj["order"] is None
    assert list(obj)[: len(CORE_KEYS)] == list(CORE_KEYS)


def test_an_unknown_status_error_carries_the_status_and_the_shops_words() -> None:
    from agent.messages import unknown_status_message
    from ordercore.errors import UnknownStatus

    message = unknown_status_message("70011", 'On "Hold"')
    exc = UnknownStatus(message, raw_status='On "Hold"')
    obj = error_object(exc, "70011")
    assert (obj["status"], obj["raw_status"]) == ("unknown", 'On "Hold"')
    # The exact profile lines that would teach it, as valid TOML.
    assert message.endswith('\n[status]\n"On \\"Hold\\"" = "processing"')
    import tomllib

    taught = tomllib.loads(message.split("\n", 1)[1])
    assert taught == {"status": {'On "Hold"': "processing"}}


def test_a_result_with_a_headline_says_it_once_and_keeps_it_out_of_the_json() -> None:
    result = make_result(
        action=Action.NONE,
        reference=None,
        raw_status="Order Placed",
        message='Order MK-70001 is still processing ("Order Placed"). Items: Satchel ($298.00). '
        "`order-agent cancel MK-70001` asks the shop to cancel it.",
        headline='Order MK-70001 is still processing ("Order Placed")',
    )

    assert render_human(result).splitlines() == [
        '✓ Order MK-70001 is still processing ("Order Placed")',
        "  Items: Satchel ($298.00). `order-agent cancel MK-70001` asks the shop to cancel it.",
    ]
    obj = json.loads(render_json(result))
    assert "headline" not in obj
    assert obj["message"] == result.message
