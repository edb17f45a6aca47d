"""Settings: every source, every validation, and no secret in any message."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
from platformdirs import user_data_dir

from agent.settings import load_settings, split_name
from ordercore.errors import ConfigError


def config_error(**overrides: object) -> str:
    with pytest.raises(ConfigError) as raised:
        load_settings(**overrides)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_full_environment_is_read(shop_env: dict[str, str], canary: str) -> None:
    settings = load_settings()
    assert settings.site_url == "http://127.0.0.1:8765/us/"
    assert settings.email == "jane@example.com"
    assert settings.password is not None
    assert settings.password.get_secret_value() == canary
    assert settings.totp_secret is None
    assert settings.headless is True
    assert settings.log_level == "info"
    assert settings.timeout_ms == 15_000
    assert settings.navigation_timeout_ms == 30_000
    assert settings.notify == []
    assert settings.data_dir == Path(user_data_dir("order-agent", False))
    assert canary not in repr(settings)
    assert canary not in str(settings)


@pytest.mark.parametrize(
    ("unset", "message"),
    [
        (["ORDER_AGENT_PASSWORD"], "ORDER_AGENT_PASSWORD is missing"),
        (["ORDER_AGENT_EMAIL"], "ORDER_AGENT_EMAIL is missing"),
        (["ORDER_AGENT_SITE_URL"], "ORDER_AGENT_SITE_URL is missing"),
        (
            ["ORDER_AGENT_EMAIL", "ORDER_AGENT_PASSWORD"],
            "ORDER_AGENT_EMAIL and ORDER_AGENT_PASSWORD are missing",
        ),
        (
            ["ORDER_AGENT_SITE_URL", "ORDER_AGENT_EMAIL", "ORDER_AGENT_PASSWORD"],
            "ORDER_AGENT_SITE_URL, ORDER_AGENT_EMAIL and ORDER_AGENT_PASSWORD are missing",
        ),
    ],
)
def test_missing_credentials_name_the_variables(
    shop_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, unset: list[str], message: str
) -> None:
    for key in unset:
        monkeypatch.delenv(key)
    assert config_error().startswith(message)


@pytest.mark.parametrize("empty", ["", "   ", "\t"])
@pytest.mark.parametrize("key", ["ORDER_AGENT_PASSWORD", "ORDER_AGENT_EMAIL"])
def test_empty_credentials_count_as_missing(
    shop_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, key: str, empty: str
) -> None:
    monkeypatch.setenv(key, empty)
    assert config_error().startswith(f"{key} is missing")


def test_credentials_are_optional_when_not_required() -> None:
    settings = load_settings(require_credentials=False)
    assert settings.email is None
    assert settings.password is None
    assert settings.site_url is None
    assert settings.secret_values() == []


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example/",
        "https://shop.example:8443/us/",
        "HTTPS://Shop.Example/uk/",
        "http://127.0.0.1:8000/us/",
        "http://127.9.9.9/",
        "http://localhost:5000/",
        "http://shop.localhost/",
        "http://[::1]:8080/uk/",
    ],
)
def test_accepted_site_urls(
    shop_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("ORDER_AGENT_SITE_URL", f"  {url} ")
    assert load_settings().site_url == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://shop.example/", "is not a valid URL: it must start with https://"),
        ("shop.example", "is not a valid URL: it must start with https://"),
        ("javascript:alert(1)", "is not a valid URL: it must start with https://"),
        ("https://", "is not a valid URL: it has no host name"),
        ("https://shop.example:port/", "is not a valid URL: its port is not a number"),
        ("https://shop .example/", "is not a valid URL: it contains spaces"),
        ("http://shop.example/", "uses plain http:// for shop.example"),
        ("http://10.0.0.1/", "uses plain http:// for 10.0.0.1"),
        ("http://localhost.evil.example/", "uses plain http:// for localhost.evil.example"),
    ],
)
def test_refused_site_urls(
    shop_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, url: str, reason: str
) -> None:
    monkeypatch.setenv("ORDER_AGENT_SITE_URL", url)
    assert config_error().startswith(f"ORDER_AGENT_SITE_URL {reason}")


def test_site_url_with_credentials_is_refused_without_echoing_them(
    shop_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDER_AGENT_SITE_URL", "https://jane:TopSecret99@shop.example/")
    message = config_error()
    assert message.startswith("ORDER_AGENT_SITE_URL must not contain a user name or password")
    assert "TopSecret99" not in message


@pytest.mark.parametrize("email", ["jane", "jane@", "@example.com", "jane doe@example.com"])
def test_malformed_email(
    shop_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, email: str
) -> None:
    monkeypatch.setenv("ORDER_AGENT_EMAIL", email)
    assert config_error() == "ORDER_AGENT_EMAIL is not an e-mail address"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("JBSWY3DPEHPK3PXP", "JBSWY3DPEHPK3PXP"),
        ("jbswy3dpehpk3pxp", "JBSWY3DPEHPK3PXP"),
        ("JBSW Y3DP EHPK 3PXP", "JBSWY3DPEHPK3PXP"),
        ("jbsw-y3dp-ehpk-3pxp", "JBSWY3DPEHPK3PXP"),
        ("JBSWY3DPEHPK3PXP====", "JBSWY3DPEHPK3PXP"),
    ],
)
def test_totp_secret_is_normalised(
    shop_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, given: str, stored: str
) -> None:
    monkeypatch.setenv("ORDER_AGENT_TOTP_SECRET", given)
    settings = load_settings()
    assert settings.totp_secret is not None
    assert settings.totp_secret.get_secret_value() == stored
    assert stored in settings.secret_values()


@pytest.mark.parametrize("bad", ["JBSWY3DP0EHPK3PX", "JBSWY3DP!EHPK3PX", "ABC", "Zx1Q89Canary"])
def test_invalid_totp_secret_is_refused_without_echo(
    shop_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv("ORDER_AGENT_TOTP_SECRET", bad)
    message = config_error()
    assert message.startswith("ORDER_AGENT_TOTP_SECRET is not a valid base32 TOTP secret")
    assert bad not in message
    assert bad.upper() not in message


def test_no_error_ever_quotes_the_password(
    shop_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, canary: str
) -> None:
    # Several problems at once: the message lists them all, the password never.
    monkeypatch.setenv("ORDER_AGENT_LOG_LEVEL", canary)
    monkeypatch.setenv("ORDER_AGENT_TIMEOUT_MS", canary)
    monkeypatch.setenv("ORDER_AGENT_HEADLESS", canary)
    message = config_error()
    assert "ORDER_AGENT_LOG_LEVEL is not valid" in message
    assert "ORDER_AGENT_TIMEOUT_MS is not valid" in message
    assert "ORDER_AGENT_HEADLESS is not valid" in message
    assert canary not in message
    assert "Canary" not in message


def test_a_password_of_the_wrong_type_is_not_echoed() -> None:
    message = config_error(password=987654321)
    assert message == "ORDER_AGENT_PASSWORD is not valid"


@pytest.mark.parametrize(
    ("given", "level"),
    [("debug", "debug"), ("INFO", "info"), ("Warning", "warning"), ("warn", "warning")],
)
def test_log_level(
    shop_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, given: str, level: str
) -> None:
    monkeypatch.setenv("ORDER_AGENT_LOG_LEVEL", given)
    assert load_settings().log_level == level


def test_unknown_log_level_is_refused(
    shop_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDER_AGENT_LOG_LEVEL", "chatty")
    assert config_error().startswith("ORDER_AGENT_LOG_LEVEL is not valid: input should be 'debug'")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_log_format_defaults_to_console_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert load_settings(require_credentials=False).log_format == "console"


def test_log_format_defaults_to_json_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert load_settings(require_credentials=False).log_format == "json"


def test_log_format_can_be_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", _Terminal())
    monkeypatch.setenv("ORDER_AGENT_LOG_FORMAT", "JSON")
    assert load_settings(require_credentials=False).log_format == "json"
    monkeypatch.setenv("ORDER_AGENT_LOG_FORMAT", "xml")
    assert config_error(require_credentials=False).startswith("ORDER_AGENT_LOG_FORMAT is not valid")


@pytest.mark.parametrize(
    ("given", "headless"), [("false", False), ("0", False), ("yes", True), ("TRUE", True)]
)
def test_headless(monkeypatch: pytest.MonkeyPatch, given: str, headless: bool) -> None:
    monkeypatch.setenv("ORDER_AGENT_HEADLESS", given)
    assert load_settings(require_credentials=False).headless is headless


@pytest.mark.parametrize("bad", ["0", "-5", "abc", "1.5", "600001"])
def test_timeouts_must_be_sensible(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setenv("ORDER_AGENT_NAVIGATION_TIMEOUT_MS", bad)
    assert config_error(require_credentials=False).startswith(
        "ORDER_AGENT_NAVIGATION_TIMEOUT_MS is not valid"
    )


def test_timeouts_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_AGENT_TIMEOUT_MS", "2500")
    monkeypatch.setenv("ORDER_AGENT_NAVIGATION_TIMEOUT_MS", "9000")
    settings = load_settings(require_credentials=False)
    assert (settings.timeout_ms, settings.navigation_timeout_ms) == (2500, 9000)


@pytest.mark.parametrize(
    ("given", "urls"),
    [
        ("ntfy://topic", ["ntfy://topic"]),
        ("ntfy://a, mailto://b@c", ["ntfy://a", "mailto://b@c"]),
        ("ntfy://a mailto://b@c,json://x", ["ntfy://a", "mailto://b@c", "json://x"]),
        ("  ", []),
    ],
)
def test_notify_urls_are_split(
    monkeypatch: pytest.MonkeyPatch, given: str, urls: list[str]
) -> None:
    monkeypatch.setenv("ORDER_AGENT_NOTIFY", given)
    settings = load_settings(require_credentials=False)
    assert settings.notify == urls
    assert settings.notify_urls == urls
    # Apprise URLs carry tokens: the redactor must know them.
    assert all(url in settings.secret_values() for url in urls)


def test_data_dir_expands_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ORDER_AGENT_DATA_DIR", "~/agent-data")
    assert load_settings(require_credentials=False).data_dir == tmp_path / "agent-data"


def test_browser_must_be_an_executable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ORDER_AGENT_BROWSER", str(tmp_path / "nowhere" / "chromium"))
    assert config_error(require_credentials=False).startswith(
        "ORDER_AGENT_BROWSER is not an executable file"
    )
    monkeypatch.setenv("ORDER_AGENT_BROWSER", sys.executable)
    assert load_settings(require_credentials=False).browser == Path(sys.executable)


def test_env_file_is_read_and_unknown_keys_are_warned_about() -> None:
    Path(".env").write_text(
        "ORDER_AGENT_SITE_URL=https://shop.example/\n"
        "ORDER_AGENT_EMAIL=jane.shopper@example.com\n"
        "ORDER_AGENT_PASSWORD=from-dotenv\n"
        "ORDER_AGENT_PASWORD=typo\n"
        "EDITOR=vim\n"
    )
    os.chmod(".env", 0o600)
    settings = load_settings()
    assert settings.email == "jane.shopper@example.com"
    assert settings.password is not None
    assert settings.password.get_secret_value() == "from-dotenv"
    assert settings.config_warnings == ["ignored unknown keys in .env: EDITOR, ORDER_AGENT_PASWORD"]


def test_environment_beats_env_file(monkeypatch: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("ORDER_AGENT_EMAIL=dotenv@example.com\n")
    monkeypatch.setenv("ORDER_AGENT_EMAIL", "env@example.com")
    assert load_settings(require_credentials=False).email == "env@example.com"


def test_env_file_readable_by_others_is_warned_about() -> None:
    Path(".env").write_text("ORDER_AGENT_PASSWORD=from-dotenv\n")
    os.chmod(".env", 0o644)
    warnings = load_settings(require_credentials=False).config_warnings
    assert warnings == [".env holds secrets and other users can read it: chmod 600 .env"]


def test_explicit_env_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env_file = tmp_path / "agent.env"
    env_file.write_text("ORDER_AGENT_NAME=Jane Q. Shopper\n")
    monkeypatch.setenv("ORDER_AGENT_ENV_FILE", str(env_file))
    assert load_settings(require_credentials=False).name == "Jane Q. Shopper"
    monkeypatch.setenv("ORDER_AGENT_ENV_FILE", str(tmp_path / "missing.env"))
    assert config_error(require_credentials=False).startswith("ORDER_AGENT_ENV_FILE is not a file")


def test_unknown_environment_variables_are_warned_about(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_AGENT_PASWORD", "typo")
    warnings = load_settings(require_credentials=False).config_warnings
    assert warnings == ["ignored unknown environment variables: ORDER_AGENT_PASWORD"]


def test_secrets_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shop_env: dict[str, str]
) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "ORDER_AGENT_TOTP_SECRET").write_text("JBSWY3DPEHPK3PXP\n")
    (secrets / "order_agent_password").write_text("from-secret-file\n")
    monkeypatch.setenv("ORDER_AGENT_SECRETS_DIR", str(secrets))
    monkeypatch.delenv("ORDER_AGENT_PASSWORD")
    settings = load_settings()
    assert settings.totp_secret is not None
    assert settings.totp_secret.get_secret_value() == "JBSWY3DPEHPK3PXP"
    assert settings.password is not None
    assert settings.password.get_secret_value() == "from-secret-file"
    # The environment is stronger than the secrets directory.
    monkeypatch.setenv("ORDER_AGENT_PASSWORD", "from-env")
    assert load_settings().password.get_secret_value() == "from-env"  # type: ignore[union-attr]


def test_default_secrets_directory_is_used_when_it_exists(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from agent import settings_files

    secrets = tmp_path / "run-secrets"
    secrets.mkdir()
    (secrets / "ORDER_AGENT_EMAIL").write_text("secret-dir@example.com")
    monkeypatch.setattr(settings_files, "DEFAULT_SECRETS_DIR", secrets)
    assert load_settings(require_credentials=False).email == "secret-dir@example.com"


def test_secrets_dir_must_be_a_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ORDER_AGENT_SECRETS_DIR", str(tmp_path / "missing"))
    assert config_error(require_credentials=False).startswith(
        "ORDER_AGENT_SECRETS_DIR is not a directory"
    )


def test_overrides_beat_everything(shop_env: dict[str, str]) -> None:
    settings = load_settings(email="override@example.com", headless=False)
    assert settings.email == "override@example.com"
    assert settings.headless is False


def test_unknown_override_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="pasword"):
        load_settings(require_credentials=False, pasword="x")


def test_secret_values(
    shop_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, canary: str
) -> None:
    monkeypatch.setenv("ORDER_AGENT_TOTP_SECRET", "JBSWY3DPEHPK3PXP")
    assert load_settings().secret_values() == [canary, "JBSWY3DPEHPK3PXP"]


def test_the_name_is_never_guessed_from_the_e_mail(shop_env: dict[str, str]) -> None:
    assert shop_env["ORDER_AGENT_EMAIL"] == "jane@example.com"
    assert load_settings().display_name == ""
    assert load_settings(name="  Jane Shopper ").display_name == "Jane Shopper"


@pytest.mark.parametrize(
    ("full", "parts"),
    [
        ("Jane Shopper", ("Jane", "Shopper")),
        ("Mary Ann Smith", ("Mary Ann", "Smith")),
        ("Cher", ("Cher", "")),
    ],
)
def test_split_name(full: str, parts: tuple[str, str]) -> None:
    assert split_name(full) == parts


def test_the_ledger_database_url_is_a_secret_and_unset_means_the_sqlite_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings(require_credentials=False).database_url_text() is None
    monkeypatch.setenv("ORDER_AGENT_DATABASE_URL", "   ")
    assert load_settings(require_credentials=False).database_url_text() is None  # empty: unset
    url = "postgresql://agent:pw-Ledger-1@db.example/ledger"
    monkeypatch.setenv("ORDER_AGENT_DATABASE_URL", url)
    settings = load_settings(require_credentials=False)
    assert settings.database_url_text() == url
    assert "pw-Ledger-1" not in repr(settings)
    # The whole URL and its password alone are both masked wherever secrets are.
    assert {url, "pw-Ledger-1"} <= set(settings.secret_values())
