"""Traces: what Playwright records, and what ``agent.tracing`` keeps of it.

The first test pins down the measured fact the design rests on (a paused
*chunk* still carries the sign-in POST); the others check the tracer on a
real browser and the shop, and the scrubber on the shapes Playwright writes.
"""

from __future__ import annotations

import io
import json
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from agent.redaction import REDACTED, clear_secrets, register_secret
from agent.tracing import Tracer, scrub_trace
from fixtures.server import ShopServer
from tests.support.agent_cli import find_leaks, readable_parts
from tests.support.people import JANE
from tests.support.people import PASSWORD as SEED_PASSWORD


@pytest.fixture(autouse=True)
def forget_secrets() -> Iterator[None]:
    """The tracer registers cookie values with the process-wide redactor: forget them after."""
    clear_secrets()
    yield
    clear_secrets()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    yield context
    context.close()


def sign_in_by_hand(page: Page, shop: ShopServer) -> None:
    # The promotion comes late on some pages; on a busy machine, before the next click.
    page.add_locator_handler(
        page.get_by_role("dialog", name="Get 15% off"),
        lambda dialog: dialog.get_by_role("button", name="Close").click(),
    )
    page.goto(shop.page_url("us", "sign_in"))
    page.get_by_role("button", name="Accept All Cookies").click()
    page.get_by_label("Email Address").fill(JANE)
    page.get_by_label("Password").fill(SEED_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign Out")).to_be_attached()


def session_cookie(context: BrowserContext) -> str:
    [value] = [c["value"] for c in context.cookies() if c["name"] == "kora_session"]
    return value


def members(path: Path) -> dict[str, bytes]:
    return {k: v for k, v in readable_parts(path).items() if "!" in k}


def test_playwright_chunks_still_carry_the_sign_in_post(
    context: BrowserContext, shop: ShopServer, tmp_path: Path
) -> None:
    """Why the tracer stops whole traces: a chunk paused over sign-in still holds the password."""
    page = context.new_page()
    context.tracing.start(snapshots=True)
    page.goto(shop.region_url("us"))
    context.tracing.stop_chunk(path=tmp_path / "before.zip")
    sign_in_by_hand(page, shop)
    context.tracing.start_chunk()
    page.goto(shop.page_url("us", "orders"))
    context.tracing.stop_chunk(path=tmp_path / "after.zip")
    context.tracing.stop()
    assert find_leaks(members(tmp_path / "after.zip"), [SEED_PASSWORD])
    assert find_leaks(members(tmp_path / "after.zip"), [session_cookie(context)])


def test_tracer_keeps_the_run_without_password_or_cookie(
    context: BrowserContext, shop: ShopServer, tmp_path: Path
) -> None:
    page = context.new_page()
    sign_in_by_hand(page, shop)  # as the runner does: before the tracer starts
    tracer = Tracer(context, tmp_path, "run")
    tracer.start()
    page.goto(shop.page_url("us", "orders"))
    page.get_by_role("link", name="Order #MK-70001").click()
    expect(page.get_by_text("Processing").first).to_be_visible()
    context.storage_state()  # its result (the cookies) is recorded by Playwright
    saved = tracer.stop()

    assert saved == tmp_path / "traces" / "run-1.zip"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700
    parts = members(saved)
    assert find_leaks(parts, [SEED_PASSWORD, session_cookie(context)]) == []
    network = parts[f"{saved}!trace.network"].decode()
    assert "/us/account/orders/MK-70001" in network  # the run is there, to debug
    assert '"name":"Cookie","value":"[REDACTED]"' in network
    assert list(tmp_path.glob("traces/.raw-*")) == []  # the unscrubbed zip is gone


def test_tracer_blanks_a_password_the_page_still_holds(
    context: BrowserContext, tmp_path: Path
) -> None:
    """A sign-in that does not navigate away leaves the typed value in the page's DOM."""
    typed = "still-in-the-page-Pa55"  # not registered: only the blanking can keep it out
    page = context.new_page()
    page.set_content(
        '<label>Password <input type="password"></label>'
        '<label>Code <input autocomplete="one-time-code"></label>'
        '<button type="button">Next</button>'
    )
    page.get_by_label("Password").fill(typed)
    page.get_by_label("Code").fill("493817")
    tracer = Tracer(context, tmp_path, "spa")
    tracer.start()
    page.get_by_role("button", name="Next").click()
    saved = tracer.stop()
    assert saved is not None
    assert find_leaks(members(saved), [typed, "493817"]) == []


def _zip(entries: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_scrub_trace_blanks_cookies_secret_fields_and_known_secrets() -> None:
    register_secret("known-secret-value")
    request = {
        "method": "POST",
        "url": "https://shop.example/contact",
        "headers": [
            {"name": "Cookie", "value": "sid=cookie-in-header"},
            {"name": "Authorization", "value": "Basic dXNlcjpwYXNz"},
            {"name": "Accept", "value": "text/html"},
        ],
        "cookies": [{"name": "sid", "value": "cookie-in-list"}],
        "postData": {
            "mimeType": "application/x-www-form-urlencoded",
            "text": "email=a%40b.c&password=typed-in-body&note=known-secret-value",
            "params": [{"name": "password", "value": "typed-in-params"}],
            "_file": "body.dat",
        },
    }
    response = {"headers": [{"name": "Set-Cookie", "value": "sid=set-by-server; HttpOnly"}]}
    network = json.dumps(
        {"type": "resource-snapshot", "snapshot": {"request": request, "response": response}}
    )
    actions = json.dumps(
        {"type": "after", "result": {"cookies": [{"name": "sid", "value": "from-storage-state"}]}}
    )
    raw = _zip(
        {
            "trace.trace": actions + "\n",
            "trace.network": network + "\n",
            "resources/body.dat": "email=a%40b.c&password=typed-in-file",
            "resources/page.html": "<p>known-secret-value</p>",
        }
    )
    clean = scrub_trace(raw)
    with zipfile.ZipFile(io.BytesIO(clean)) as archive:
        texts = {name: archive.read(name).decode() for name in archive.namelist()}
    hidden = [
        "cookie-in-header",
        "dXNlcjpwYXNz",
        "cookie-in-list",
        "typed-in-body",
        "typed-in-params",
        "set-by-server",
        "from-storage-state",
        "typed-in-file",
        "known-secret-value",
    ]
    assert find_leaks({n: t.encode() for n, t in texts.items()}, hidden) == []
    # Still a trace: JSON lines, header names and list shapes kept, harmless values untouched.
    snapshot = json.loads(texts["trace.network"])["snapshot"]
    assert {"name": "Accept", "value": "text/html"} in snapshot["request"]["headers"]
    assert snapshot["request"]["cookies"] == [{"name": "sid", "value": REDACTED}]
    assert "email=a%40b.c" in snapshot["request"]["postData"]["text"]
    assert json.loads(texts["trace.trace"])["result"]["cookies"][0]["name"] == "sid"
