"""Logs and error messages hide secrets: by key, and by the exact configured values.

The first test drives the real logging set-up (structlog and the standard
library, JSON to a stream); the second makes Playwright itself quote the
password in an error and checks that the real CLI still says nothing of it.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from agent.logs import configure_logging, get_logger
from agent.redaction import clear_secrets
from tests.support.agent_cli import AgentCLI, Page, StaticSite, html

CONFIGURED = "configured-Pa55word"
UNREGISTERED = "plain-value-under-a-secret-key"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("debug", "json", [CONFIGURED], stream=stream)
    yield stream
    clear_secrets()
    structlog.reset_defaults()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_order_agent", False):
            root.removeHandler(handler)


def test_logs_hide_secret_keys_values_and_tracebacks(log_stream: io.StringIO) -> None:
    log = get_logger("agent.test")
    log.info(
        "signing in",
        password=UNREGISTERED,
        session_cookie=UNREGISTERED,
        verification_code="123456",
        headers={"Authorization": UNREGISTERED, "Accept": "text/html"},
        note=f"fill('{CONFIGURED}') timed out",
        order="70001",
    )
    try:
        raise RuntimeError(f'Timeout 5000ms exceeded: fill("{CONFIGURED}")')
    except RuntimeError:
        log.exception("sign-in failed")
    logging.getLogger("playwright").warning("typed %s", CONFIGURED)  # the stdlib path too

    text = log_stream.getvalue()
    assert CONFIGURED not in text and UNREGISTERED not in text and "123456" not in text
    first, failure, foreign = (json.loads(line) for line in text.splitlines())
    assert first["password"] == first["session_cookie"] == "[REDACTED]"
    assert first["headers"] == {"Authorization": "[REDACTED]", "Accept": "text/html"}
    assert first["note"] == "fill('[REDACTED]') timed out"
    assert first["order"] == "70001"  # ordinary keys stay readable
    assert 'fill("[REDACTED]")' in failure["exception"]
    assert foreign["event"] == "typed [REDACTED]"


def test_an_error_that_quotes_the_password_is_never_shown(agent: AgentCLI) -> None:
    """A password field that cannot be typed into: Playwright's time-out text quotes the value."""
    password = "quoted-by-playwright-Pa55"
    pages = {
        "/": Page(html("Shop", '<a href="/login">Sign In</a>')),
        "/login": Page(
            html(
                "Sign in",
                '<form method="post"><label for="e">Email Address</label>'
                '<input id="e" name="email" type="email">'
                '<label for="p">Password</label><input id="p" name="password" type="password"'
                " readonly><button>Sign In</button></form>",
            )
        ),
    }
    with StaticSite(pages) as site:
        run = agent.run("status", "70001", "--json", site_url=site.url("/"), password=password)
    assert run.code == 3, run.explain()
    assert run.said[0].startswith("could not type into the sign-in form")
    assert any("Traceback" in line.get("exception", "") for line in run.logs)  # debug detail kept
    # The harness has already checked stdout and stderr (tracebacks included) for the password.
    assert [r for r in site.received if r.method == "POST"] == []
