"""``--print``: the saved return label goes to ``lp`` (CUPS); without it, or when it fails,
the return still succeeds, with a warning and the label kept. And the label's other use:
the return parcel's tracking number printed on it.

The printer is the system's boundary: a stand-in ``lp`` script on PATH records its argv
(and can fail as CUPS does with no default printer). The shop and the browser are real.
"""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from fixtures.regions import US
from fixtures.server import ShopServer

from .conftest import OrderAgent

REQUEST_ID = "request id is Kora-Laser-7 (1 file(s))"


def fake_lp(folder: Path, *, fails: bool = False) -> Path:
    """An ``lp`` in ``folder`` that writes its argv, one per line, to ``folder/lp-argv``."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "lp"
    answer = (
        'echo "lp: Error - No default destination." >&2; exit 1'
        if fails
        else f'echo "{REQUEST_ID}"'
    )
    script.write_text(
        f'#!/bin/sh\nfor arg in "$@"; do printf "%s\\n" "$arg"; done > "{folder}/lp-argv"\n'
        f"{answer}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return folder / "lp-argv"


def path_without_lp(monkeypatch: pytest.MonkeyPatch, first: Path | None = None) -> None:
    """PATH as it is, less any folder holding an ``lp``; ``first`` put in front."""
    kept = [
        folder
        for folder in os.environ.get("PATH", "").split(os.pathsep)
        if folder and not (Path(folder) / "lp").exists()
    ]
    monkeypatch.setenv("PATH", os.pathsep.join([str(first)] * (first is not None) + kept))


def test_return_print_sends_the_saved_label_to_the_default_printer(
    order_agent: OrderAgent, shop: ShopServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv_file = fake_lp(tmp_path / "bin")
    path_without_lp(monkeypatch, first=tmp_path / "bin")

    run = order_agent("return", "70012", "--print", "--json")

    assert run.code == 0, run.explain()
    result = run.json
    [started] = shop.returns("us")
    assert result["reference"] == started["return_number"]
    assert (result["printed"], result["print_message"]) == (
        True,
        f"sent to the default printer ({REQUEST_ID})",
    )
    label = Path(result["label"])
    assert argv_file.read_text().splitlines() == ["--", str(label)]
    text = "".join(page.extract_text() for page in PdfReader(label).pages)
    assert str(started["tracking"]) in text.replace(" ", "")  # the label lp was given


def test_cancel_print_on_a_delivered_order_when_lp_fails_warns_and_keeps_the_label(
    order_agent: OrderAgent, shop: ShopServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv_file = fake_lp(tmp_path / "bin", fails=True)
    path_without_lp(monkeypatch, first=tmp_path / "bin")

    run = order_agent("cancel", "70012", "--print")

    assert run.code == 0, run.explain()  # the return happened: a success, with a warning
    [started] = shop.returns("us")
    assert argv_file.is_file()
    shown = run.stdout.splitlines()
    [label_line] = [line for line in shown if line.strip().startswith("Label:")]
    label = Path(label_line.split("Label:", 1)[1].strip())
    assert label.is_file() and label.name == f"return-label-{started['return_number']}.pdf"
    assert (
        "  Printed:   not printed: lp: Error - No default destination.; the label is kept, "
        "print it yourself"
    ) in shown


def test_print_without_lp_on_path_says_so_and_the_return_stands(
    order_agent: OrderAgent, shop: ShopServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    path_without_lp(monkeypatch)

    run = order_agent("return", "70012", "--print", "--json")

    assert run.code == 0, run.explain()
    result = run.json
    assert result["printed"] is False
    assert result["print_message"] == (
        "not printed: `lp` (CUPS) is not on PATH; the label is kept, print it yourself"
    )
    assert Path(result["label"]).is_file()
    [started] = shop.returns("us")
    assert result["reference"] == started["return_number"]


def test_a_return_tracking_number_only_on_the_label_is_read_from_it(
    order_agent: OrderAgent, shop: ShopServer
) -> None:
    # The order page shows no return tracking number: the label PDF prints it.
    shop.add_region(replace(US, prefix="labelonly", return_tracking_label=""))

    run = order_agent("return", "70012", "--json", region="labelonly")

    assert run.code == 0, run.explain()
    [started] = shop.returns("labelonly")
    assert run.json["return_tracking"] == started["tracking"]
    assert run.json["status"] == "delivered"  # the order as read before the return
