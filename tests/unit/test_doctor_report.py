"""doctor's report: exit codes, the profile lines it suggests, and what a person reads."""

from __future__ import annotations

import json

from agent.cli import main
from agent.doctor_report import DoctorReport, Row, StatusWord, Suggestion
from agent.site_profiles import parse_profile
from ordercore.models import OrderStatus


def _report(*rows: Row, statuses: tuple[StatusWord, ...] = ()) -> DoctorReport:
    report = DoctorReport("https://shop.example/", "none", "/cfg/profiles/shop.example.toml")
    report.rows.extend(rows)
    report.statuses.extend(statuses)
    return report


def test_every_step_found_is_exit_0_and_a_miss_is_exit_3() -> None:
    found = Row("sign-in link", True, "link 'Login or register' in the header", "https://x/")
    skipped = Row("return entry", None, "not checked: no delivered order is listed")
    assert _report(found, skipped).exit_code == 0
    line = Suggestion("phrases", 'contact_links = ["…"]  # its name')
    missed = Row("contact link", False, "could not find a Contact Us link", suggestions=[line])
    assert _report(found, missed).exit_code == 3


def test_suggested_lines_are_grouped_by_table_and_the_filled_in_text_is_a_valid_profile() -> None:
    report = _report(
        Row("sign-in link", False, "not found", suggestions=[
            Suggestion("phrases", 'sign_in_entry = ["…"]  # the link'),
            Suggestion("paths", 'sign_in = "/…"  # the page'),
        ]),
        Row("contact link", False, "not found", suggestions=[
            Suggestion("phrases", 'contact_links = ["…"]  # the link'),
        ]),
        statuses=(
            StatusWord("70001", "Being processed", OrderStatus.UNKNOWN),
            StatusWord("70002", "Shipped", OrderStatus.SHIPPED),
        ),
    )  # fmt: skip
    text = report.profile_lines()
    assert text.splitlines() == [
        "[phrases]",
        'sign_in_entry = ["…"]  # the link',
        'contact_links = ["…"]  # the link',
        "",
        "[paths]",
        'sign_in = "/…"  # the page',
        "",
        "[status]",
        '"Being processed" = "…"  # processing, shipped, delivered, cancelled, return_started, '
        "returned or refunded",
    ]
    filled = (
        text.replace('["…"]', '["Get in touch"]')
        .replace('"/…"', '"/account/login"')
        .replace('= "…"', '= "processing"')
    )
    profile = parse_profile(filled, "filled.toml")
    assert profile.vocabulary().status_of("Being processed") is OrderStatus.PROCESSING
    assert "Get in touch" in profile.vocabulary().contact_links


def test_the_json_and_the_lines_for_a_person() -> None:
    report = _report(
        Row("sign-in link", True, "link 'Sign In' in the header", "https://shop.example/"),
        Row("order status", False, "'Being processed' → unknown", "https://shop.example/o/1",
            suggestions=[Suggestion("status", '"Being processed" = "…"  # …')],
            screenshot="/data/doctor/x.png"),
    )  # fmt: skip
    data = json.loads(json.dumps(report.to_json()))
    assert (data["outcome"], data["found"], data["missed"]) == ("needs_human", 1, 1)
    assert data["rows"][1]["add_to_profile"] == ['[status] "Being processed" = "…"  # …']
    text = report.render()
    assert "✓ sign-in link  link 'Sign In' in the header  https://shop.example/" in text
    assert "✗ order status" in text and "screenshot: /data/doctor/x.png" in text
    assert "1 step not found, 1 found." in text
    assert "add to /cfg/profiles/shop.example.toml" in text
    assert "+ sign-in link" in report.render(ascii_only=True)


def test_doctor_is_in_the_help(capsys) -> None:
    assert main(["doctor", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage: order-agent doctor [OPTIONS] [ORDER]" in out
    assert "submits nothing" in out
