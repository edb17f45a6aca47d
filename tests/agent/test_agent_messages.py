"""Every message a shopper meets says what happened and the one next step (issue #11).

Each test runs ``order-agent`` as a separate process against the fixture shop, as a
shopper would, and asserts the text and the exit code.
"""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from fixtures.server import ShopServer
from tests.support.environment import agent_environment
from tests.support.people import JANE, JANE_NAME, PASSWORD, PHONES
from tests.support.seeding import seed_for_command

pytestmark = pytest.mark.slow

PROCESS_TIMEOUT_S = 110


def order_agent(
    tmp_path: Path, shop: ShopServer, *argv: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """``order-agent ARGV`` in its own process, as Jane on the shop's US store."""
    work = tmp_path / "cwd"
    work.mkdir(exist_ok=True)
    (tmp_path / "no-secrets").mkdir(exist_ok=True)
    clean = agent_environment()  # quick retries: the outage tests retry three times
    settings = {
        "ORDER_AGENT_SITE_URL": shop.region_url("us"),
        "ORDER_AGENT_EMAIL": JANE,
        "ORDER_AGENT_PASSWORD": PASSWORD,
        "ORDER_AGENT_NAME": JANE_NAME,
        "ORDER_AGENT_DATA_DIR": str(tmp_path / "data"),
        "ORDER_AGENT_SECRETS_DIR": str(tmp_path / "no-secrets"),
        **env,
    }
    chosen = {key: value for key, value in settings.items() if value}
    seed_for_command(shop, argv, chosen)  # tests.support.seeding: none of these is about signing in
    return subprocess.run(
        [sys.executable, "-m", "agent", *argv],
        cwd=work,
        env={**clean, **chosen},
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT_S,
        check=False,
    )


def said(done: subprocess.CompletedProcess[str]) -> list[str]:
    """The ``order-agent:`` lines on stderr, prefix cut."""
    prefix = "order-agent: "
    return [line[len(prefix) :] for line in done.stderr.splitlines() if line.startswith(prefix)]


def human(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stdout.splitlines() if line.strip()]


# -- 1. status and dry runs: the state and the next step --------------------------------------
@pytest.mark.parametrize(
    ("order", "first_line", "next_step"),
    [
        (
            "70001",
            "✓ Order MK-70001 is still processing",
            "`order-agent cancel 70001` asks the shop to cancel it.",
        ),
        (
            "70003",
            "✓ Order MK-70003 has shipped",
            "Nothing can be done until it is delivered; `order-agent watch 70003` keeps at it "
            "and returns it once it arrives.",
        ),
        (
            "70012",
            "✓ Order MK-70012 was delivered",
            "`order-agent return 70012` starts a return and saves the prepaid label.",
        ),
        ("MK-70005", '✓ Order MK-70005 is cancelled ("Canceled")', "Nothing more to do."),
    ],
)
def test_status_says_the_state_and_the_next_step(
    shop: ShopServer, tmp_path: Path, order: str, first_line: str, next_step: str
) -> None:
    done = order_agent(tmp_path, shop, "status", order)

    assert done.returncode == 0, done.stderr
    lines = human(done)
    assert lines[0] == first_line
    assert "Nothing to do" not in done.stdout
    assert lines[-1].endswith(next_step)
    # The shop's words are quoted once: in the headline, not again below it.
    assert done.stdout.count('"Canceled"') == (1 if order == "MK-70005" else 0)


def test_status_on_a_store_with_its_own_words_quotes_them_once(
    shop: ShopServer, tmp_path: Path
) -> None:
    done = order_agent(tmp_path, shop, "status", "70002", "--json")

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["message"].startswith('Order MK-70002 is still processing ("Order Placed"). ')
    assert result["message"].endswith("`order-agent cancel 70002` asks the shop to cancel it.")
    assert result["message"].count("Order Placed") == 1
    assert "headline" not in result


def test_cancel_dry_run_says_what_would_be_sent_and_that_nothing_was(
    shop: ShopServer, tmp_path: Path
) -> None:
    done = order_agent(tmp_path, shop, "cancel", "70001", "--dry-run")

    assert done.returncode == 0, done.stderr
    first, *rest = human(done)
    assert first == "✓ Dry run for order MK-70001: nothing was sent"
    text = " ".join(rest)
    assert "Without --dry-run, the same command sends this through the shop's Contact Us form:" in (
        text
    )
    assert '"Hello, please cancel my order MK-70001 before it ships.' in text
    assert "Screenshot of the filled form: " in text
    assert shop.inbox("us") == []


def test_return_dry_run_says_what_would_be_sent_and_that_nothing_was(
    shop: ShopServer, tmp_path: Path
) -> None:
    done = order_agent(tmp_path, shop, "return", "70012", "--dry-run", "--json")

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["dry_run"] is True
    assert result["message"].startswith(
        "Dry run for order MK-70012: nothing was sent. Without --dry-run, the same command "
        "starts a return for Charm Logo Keychain and saves the prepaid label."
    )
    assert Path(result["screenshot"]).read_bytes().startswith(b"\x89PNG")


# -- 2. a shop name that does not resolve ----------------------------------------------------
def test_a_shop_name_that_never_resolved_is_a_setting_to_check(
    shop: ShopServer, tmp_path: Path
) -> None:
    done = order_agent(
        tmp_path, shop, "status", "70001", ORDER_AGENT_SITE_URL="https://no-such-shop.invalid/"
    )

    assert done.returncode == 2, done.stderr
    assert said(done) == [
        "cannot find the shop at no-such-shop.invalid: check ORDER_AGENT_SITE_URL "
        "(nothing was sent)"
    ]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_connection_stays_an_outage(shop: ShopServer, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/us/"
    done = order_agent(tmp_path, shop, "status", "70001", ORDER_AGENT_SITE_URL=url)

    assert done.returncode == 75, done.stderr
    [line] = said(done)
    assert line.startswith("the shop stayed unavailable after 3 attempts")
    assert line.endswith("(nothing was sent; run the command again later)")


def test_a_shop_reached_before_whose_name_stops_resolving_is_an_outage(
    shop: ShopServer, tmp_path: Path
) -> None:
    """A session saved for that shop means it was reached: DNS trouble, not a typo."""
    from agent.session_vault import session_file
    from agent.settings import load_settings

    typo = "https://no-such-shop.invalid/"
    settings = load_settings(
        site_url=typo, email=JANE, password=PASSWORD, data_dir=tmp_path / "data"
    )
    saved = session_file(settings)
    saved.parent.mkdir(parents=True)
    saved.write_text(json.dumps({"cookies": [], "origins": []}))

    done = order_agent(tmp_path, shop, "status", "70001", ORDER_AGENT_SITE_URL=typo)

    assert done.returncode == 75, done.stderr
    assert "ERR_NAME_NOT_RESOLVED" in said(done)[0]
    assert said(done)[0].startswith("the shop stayed unavailable after 3 attempts")


# -- 3. needs-a-person messages: the right next step, nothing else ------------------------------
def test_a_wrong_item_names_the_items_and_says_to_run_again(
    shop: ShopServer, tmp_path: Path
) -> None:
    done = order_agent(tmp_path, shop, "return", "70004", "--item", "Jet Set Tote")

    assert done.returncode == 3, done.stderr
    assert said(done) == [
        "the return form of order MK-70004 lists no item named 'Jet Set Tote' (it lists: "
        "Sloan Quilted Leather Shoulder Bag, Logo Cashmere Scarf, Runway Chronograph Watch)",
        "run the command again with --item set to one of those names",
    ]
    assert shop.returns("us") == []


def test_returning_a_processing_order_points_at_cancel_only(
    shop: ShopServer, tmp_path: Path
) -> None:
    done = order_agent(tmp_path, shop, "return", "70001")

    assert done.returncode == 3, done.stderr
    assert said(done) == [
        "order MK-70001 has not shipped yet, so it cannot be returned",
        "`order-agent cancel 70001` asks the shop to cancel it instead",
    ]


def test_a_wrong_password_quotes_the_shop_once(shop: ShopServer, tmp_path: Path) -> None:
    done = order_agent(tmp_path, shop, "status", "70001", ORDER_AGENT_PASSWORD="not-her-password")

    assert done.returncode == 3, done.stderr
    lines = said(done)
    shop_words = "The email or password you entered is incorrect."
    assert lines[0] == f"the site rejected the e-mail or password: {shop_words}"
    assert sum(shop_words in line for line in lines) == 1
    assert not any(line.startswith("evidence:") for line in lines)
    assert f"customer service: {PHONES['us']}" in lines


# -- 4. list rows --------------------------------------------------------------------------------
def test_list_rows_are_plain_sentences(shop: ShopServer, tmp_path: Path) -> None:
    assert order_agent(tmp_path, shop, "add", "70003", "--no-check").returncode == 0
    assert order_agent(tmp_path, shop, "forget", "70003").returncode == 0

    done = order_agent(tmp_path, shop, "list", "--all")

    assert done.returncode == 0, done.stderr
    [row] = human(done)
    assert "forgotten: forgotten" not in row
    assert "No longer tracked (forgotten on " in row
    assert "`order-agent add 70003` tracks it again." in row


# -- 5. add looks the order up -------------------------------------------------------------------
def test_add_refuses_an_order_the_shop_does_not_list(shop: ShopServer, tmp_path: Path) -> None:
    done = order_agent(tmp_path, shop, "add", "99999")

    assert done.returncode == 2, done.stderr
    # The words status and cancel say it with (and the same exit, 2), the orders it lists.
    [line] = said(done)
    assert line.startswith("order 99999 is not in this account's order list (orders shown: ")
    assert "MK-70001" in line
    assert line.endswith(
        "(check the order number; nothing is tracked (--no-check tracks it anyway))"
    )
    listed = order_agent(tmp_path, shop, "list", "--json")
    assert json.loads(listed.stdout)["orders"] == []


def test_add_says_what_it_found(shop: ShopServer, tmp_path: Path) -> None:
    done = order_agent(tmp_path, shop, "add", "70001")

    assert done.returncode == 0, done.stderr
    [line] = human(done)
    assert line.startswith("Tracking order 70001: checked every 15m until ")
    assert line.endswith("Order MK-70001 is still processing.")


def test_add_without_a_password_says_the_first_run_checks_it(
    shop: ShopServer, tmp_path: Path
) -> None:
    done = order_agent(tmp_path, shop, "add", "99999", "--json", ORDER_AGENT_PASSWORD="")

    assert done.returncode == 0, done.stderr
    added = json.loads(done.stdout)
    assert added["lookup"] == {
        "found": False,
        "message": "Not looked up now (no password set): the first `order-agent run` checks "
        "that the shop lists it.",
    }


def test_add_no_check_tracks_without_looking(shop: ShopServer, tmp_path: Path) -> None:
    done = order_agent(tmp_path, shop, "add", "99999", "--no-check")

    assert done.returncode == 0, done.stderr
    assert human(done)[0].endswith(
        "Not looked up (--no-check): the first `order-agent run` checks it."
    )


# -- 8. the cancellation proof shows the filled form ---------------------------------------------
def test_cancel_keeps_a_picture_of_the_filled_form_beside_the_confirmation(
    shop: ShopServer, tmp_path: Path
) -> None:
    dry = order_agent(tmp_path, shop, "cancel", "70001", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    dry_run_form = Path(json.loads(dry.stdout)["screenshot"])

    done = order_agent(tmp_path, shop, "cancel", "70001", "--json")

    assert done.returncode == 0, done.stderr
    receipt = json.loads(Path(json.loads(done.stdout)["receipt"]).read_text())
    form, confirmation = Path(receipt["form_screenshot"]), Path(receipt["screenshot"])
    assert form.parent == confirmation.parent
    assert form.stat().st_mode & 0o777 == 0o600
    # Taken while the form held the order number and the message: the picture of the dry
    # run's filled form (same page, same values; a focus ring's pixel may differ), not the
    # confirmation page.
    assert form.read_bytes().startswith(b"\x89PNG")
    assert _rows_that_differ(form, dry_run_form) <= 0.01, "not the filled form"
    assert _rows_that_differ(form, confirmation) > 0.1, "the confirmation page"
    [request] = shop.inbox("us")
    assert "MK-70001" in str(request["message"])


def _scanlines(png: Path) -> tuple[tuple[int, int], list[bytes]]:
    """A PNG's size and its rows as stored (filtered, one filter byte each): enough to
    compare two pictures row by row without decoding every pixel."""
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    position, size, stored = 8, (0, 0), b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8, "8-bit pictures only"
            size, channels = (width, height), {2: 3, 6: 4}[colour]
        elif kind == b"IDAT":
            stored += body
    raw = zlib.decompress(stored)
    stride = 1 + size[0] * channels
    return size, [raw[row : row + stride] for row in range(0, len(raw), stride)]


def _rows_that_differ(one: Path, other: Path) -> float:
    """The share of rows that differ (1.0 when the sizes differ)."""
    (size, rows), (other_size, other_rows) = _scanlines(one), _scanlines(other)
    if size != other_size:
        return 1.0
    return sum(a != b for a, b in zip(rows, other_rows, strict=True)) / len(rows)
