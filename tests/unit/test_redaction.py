"""Secrets never leave: by key, by value, in tracebacks, in every log format."""

from __future__ import annotations

import io
import json
import logging
import re
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

import pytest
import structlog

from agent.logs import bind_run, clear_run, configure_logging, get_logger
from agent.redaction import (
    REDACTED,
    is_secret_key,
    redact,
    register_secret,
    sanitize_exception,
    scrub,
)
from ordercore.errors import (
    CredentialsRejected,
    NeedsHuman,
    OrderAgentError,
    SiteNotUnderstood,
    TryLater,
)


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "PASSWORD",
        "user_password",
        "passwd",
        "new-password",
        "passwordHash",
        "secret",
        "totp_secret",
        "client_secret",
        "token",
        "accessToken",
        "csrf_token",
        "cookie",
        "cookies",
        "Set-Cookie",
        "session_cookie",
        "authorization",
        "Authorization",
        "totp",
        "otp",
        "otp_code",
        "code",
        "verification_code",
        "securityCode",
        "one_time_code",
        "api_key",
        "apiKey",
        "private_key",
        "session_id",
        "sessionid",
        "credentials",
    ],
)
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "order",
        "status",
        "raw_status",
        "event",
        "message",
        "reference",
        "case_number",
        "return_number",
        "exit_code",
        "status_code",
        "error_code",
        "zip_code",
        "postcode",
        "country_code",
        "author",
        "footprint",
        "topic",
        "email",
        "timestamp",
        "level",
        "logger",
        "run_id",
        "command",
        "option",
        "",
    ],
)
def test_innocent_keys(key: str) -> None:
    assert not is_secret_key(key)


def test_non_string_keys_are_not_secret() -> None:
    assert not is_secret_key(42)


def test_scrub_replaces_every_registered_form(canary: str) -> None:
    register_secret(canary)
    texts = [
        f"typed {canary} into Password",
        f"fill({canary!r})",
        f"fill({json.dumps(canary)})",
        f"https://x/?p={quote(canary, safe='')}",
        f"body=p%3D&p={quote_plus(canary, safe='')}",
    ]
    for text in texts:
        scrubbed = scrub(text)
        assert REDACTED in scrubbed
        assert "Canary" not in scrubbed, scrubbed


def test_scrub_without_secrets_is_identity() -> None:
    assert scrub("nothing to hide") == "nothing to hide"


def test_empty_secrets_are_ignored() -> None:
    register_secret("")
    register_secret("   ")
    register_secret(None)
    assert scrub("a b c") == "a b c"


def test_a_longer_secret_containing_a_shorter_one_is_cut_whole() -> None:
    register_secret("abc")
    register_secret("xxabcxx")
    assert scrub("[xxabcxx]") == f"[{REDACTED}]"


def test_secrets_learned_at_run_time_are_scrubbed() -> None:
    assert scrub("code 492039 sent") == "code 492039 sent"
    register_secret("492039")
    assert scrub("code 492039 sent") == f"code {REDACTED} sent"


@dataclass
class Holder:
    label: str
    value: str


def test_redact_walks_nested_structures(canary: str) -> None:
    register_secret(canary)
    event = {
        "order": "70001",
        "status": "processing",
        "password": "anything at all",
        "form": {"fields": [{"name": "Message", "text": f"hi {canary}"}, ("tuple", canary)]},
        "cookies": [{"name": "sid", "value": "opaque"}],
        "holder": Holder("x", canary),
        "count": 3,
        "flag": True,
        "nothing": None,
        "password_hint": None,
    }
    clean = redact(event)
    assert clean["order"] == "70001"
    assert clean["status"] == "processing"
    assert clean["password"] == REDACTED
    assert clean["cookies"] == REDACTED
    assert clean["form"]["fields"][0] == {"name": "Message", "text": f"hi {REDACTED}"}
    assert clean["form"]["fields"][1] == ("tuple", REDACTED)
    assert clean["holder"] == f"Holder(label='x', value='{REDACTED}')"
    assert (clean["count"], clean["flag"], clean["nothing"]) == (3, True, None)
    assert clean["password_hint"] is None
    assert canary not in repr(clean)
    assert event["password"] == "anything at all", "the original is left alone"


def test_objects_without_secrets_are_kept_as_they_are() -> None:
    holder = Holder("x", "y")
    assert redact({"holder": holder})["holder"] is holder


class _Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("no")


def test_an_unprintable_object_does_not_break_redaction() -> None:
    register_secret("s3cr3t-value")
    assert redact([_Unprintable()]) == ["<unprintable _Unprintable>"]


def _raise_with(secret: str) -> None:
    typed = secret  # a local holding the secret, as Playwright's fill() would
    raise TimeoutError(f"Timeout 15000ms exceeded.\n  - fill({typed!r})")


def _log_everything(canary: str) -> None:
    log = get_logger("test")
    log.info(f"signing in with {canary}", order="70001", status="processing")
    log.info("form", password=canary, totp_secret="JBSWY3DPEHPK3PXP")
    log.info("nested", details={"form": {"message": f"pw={canary}"}, "items": [canary]})
    log.warning("object", holder=Holder("x", canary))
    try:
        _raise_with(canary)
    except TimeoutError:
        log.exception("sign-in failed")
    try:
        _raise_with(canary)
    except TimeoutError as exc:
        log.error("chained", exc_info=exc)
    logging.getLogger("tenacity").warning("retrying after %s", canary)


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_canary_never_reaches_stderr(
    fmt: str, canary: str, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("info", fmt, [canary, "JBSWY3DPEHPK3PXP"])
    _log_everything(canary)
    err = capsys.readouterr().err
    assert "sign-in failed" in err
    assert "Traceback" in err
    assert "TimeoutError" in err
    assert "retrying after" in err
    assert "70001" in err and "processing" in err
    assert REDACTED in err
    assert canary not in err
    assert "Canary" not in err
    assert "JBSWY3DPEHPK3PXP" not in err


def test_json_lines_are_json_with_utc_timestamps_and_context(canary: str) -> None:
    stream = io.StringIO()
    configure_logging("info", "json", [canary], stream=stream)
    run_id = bind_run("cancel", "70001")
    get_logger().info("order read", status="processing")
    clear_run()
    get_logger().info("after the run")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["event"] == "order read"
    assert first["level"] == "info"
    assert first["command"] == "cancel"
    assert first["order"] == "70001"
    assert first["run_id"] == run_id
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", first["timestamp"])
    assert "order" not in second


def test_level_filters(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("warning", "json", [])
    get_logger().info("quiet")
    get_logger().debug("quieter")
    get_logger().warning("loud")
    logging.getLogger("other").info("stdlib quiet")
    err = capsys.readouterr().err
    assert "loud" in err
    assert "quiet" not in err


def test_reconfiguring_keeps_secrets_and_replaces_handlers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("info", "json", ["first-secret"])
    configure_logging("info", "json", ["second-secret"])
    logging.getLogger("x").warning("second-secret first-secret")
    err = capsys.readouterr().err
    assert err.count("[REDACTED]") == 2, "one handler, not two; both secrets scrubbed"
    assert "secret" not in err.replace("[REDACTED]", "")


@pytest.mark.parametrize(("level", "fmt"), [("loud", "json"), ("info", "xml")])
def test_configure_logging_refuses_bad_values(level: str, fmt: str) -> None:
    with pytest.raises(ValueError):
        configure_logging(level, fmt, [])


def test_runtime_secret_is_scrubbed_from_later_logs(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", "json", [])
    register_secret("cookie-value-123")
    get_logger().info("navigated", note="sent cookie-value-123")
    err = capsys.readouterr().err
    assert "cookie-value-123" not in err


def test_sanitize_keeps_the_type_of_our_errors(canary: str) -> None:
    register_secret(canary)
    original = CredentialsRejected(
        f"rejected {canary}", hint=f"check {canary}", phone="1-800-555-0100", evidence=canary
    )
    try:
        raise original from ValueError(canary)
    except CredentialsRejected as exc:
        clean = sanitize_exception(exc)
    assert type(clean) is CredentialsRejected
    assert isinstance(clean, NeedsHuman)
    assert clean.exit_code == 3
    assert clean.message == f"rejected {REDACTED}"
    assert clean.hint == f"check {REDACTED}"
    assert clean.evidence == REDACTED
    assert clean.phone == "1-800-555-0100"
    assert str(clean) == f"rejected {REDACTED} (check {REDACTED})"
    assert clean.args == (f"rejected {REDACTED}",)
    assert clean.__cause__ is None and clean.__context__ is None
    assert clean.__traceback__ is None
    assert original.message == f"rejected {canary}", "the original is left alone"


@pytest.mark.parametrize("error_type", [OrderAgentError, TryLater, SiteNotUnderstood])
def test_sanitize_our_error_types(error_type: type[OrderAgentError]) -> None:
    register_secret("hunter2")
    clean = sanitize_exception(error_type("typed hunter2"))
    assert type(clean) is error_type
    assert str(clean) == f"typed {REDACTED}"


def test_sanitize_turns_other_errors_into_runtime_errors(canary: str) -> None:
    register_secret(canary)
    try:
        _raise_with(canary)
    except TimeoutError as exc:
        clean = sanitize_exception(exc)
    assert type(clean) is RuntimeError
    assert str(clean).startswith("TimeoutError: Timeout 15000ms exceeded.")
    assert canary not in str(clean)
    assert REDACTED in str(clean)
    assert clean.__traceback__ is None


def test_structlog_is_reset_between_tests() -> None:
    # Guards the autouse fixture: a test that forgot to configure still works.
    assert structlog.is_configured() is False
