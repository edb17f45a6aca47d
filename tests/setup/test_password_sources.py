"""Where settings and the password come from: the per-user config file below ./.env and
the environment; then ORDER_AGENT_PASSWORD_COMMAND, the system keyring, init's 0600 file."""

from __future__ import annotations

import shlex
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail
from keyring.errors import PasswordDeleteError
from pydantic import SecretStr

from agent.password_sources import (
    KEYRING_SERVICE,
    SOURCE_COMMAND,
    SOURCE_KEYRING,
    password_file,
    password_from_command,
    store_in_file,
    usable_keyring,
)
from agent.redaction import scrub
from agent.settings import load_settings
from agent.setup_wizard import choose_store, save
from agent.user_config import config_dir, config_file, write_config
from ordercore.errors import EXIT_USAGE, ConfigError, UsageError
from tests.support.people import JANE, PASSWORD

SITE = "http://127.0.0.1:8765/us/"
CANARY = "Canary-Pw!quote'dq\"back\\slash"


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps passwords in a dict, like a desktop keyring would."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.stored.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.stored[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.stored.pop((service, username), None) is None:
            raise PasswordDeleteError("not stored")


@pytest.fixture(autouse=True)
def _isolated(clean_environment: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    keyring.set_keyring(fail.Keyring())


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(fail.Keyring())


def printing(text: str, *, code: int = 0, stderr: str = "") -> str:
    """A password command: a Python one-liner printing ``text`` and exiting ``code``."""
    script = f"import sys; sys.stderr.write({stderr!r}); print({text!r}); sys.exit({code})"
    return shlex.join([sys.executable, "-c", script])


def one_line_error(**overrides: object) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        load_settings(**overrides)
    assert "\n" not in str(raised.value)
    assert raised.value.exit_code == EXIT_USAGE
    return raised.value


def config(**values: str) -> Path:
    path = config_file()
    write_config(path, {f"ORDER_AGENT_{k.upper()}": v for k, v in values.items()}, header="test")
    return path


# -- the config file ---------------------------------------------------------------------------
def test_config_file_ranks_below_dotenv_and_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config(site_url=SITE, email="config@example.com", name="Config Name", log_level="debug")
    Path(".env").write_text("ORDER_AGENT_EMAIL=dotenv@example.com\nORDER_AGENT_NAME=Dotenv\n")
    monkeypatch.setenv("ORDER_AGENT_NAME", "Environment Name")

    settings = load_settings(require_credentials=False)

    assert settings.site_url == SITE  # only the config file has it
    assert settings.log_level == "debug"
    assert settings.email == "dotenv@example.com"  # ./.env outranks the config file
    assert settings.name == "Environment Name"  # the environment outranks both


def test_config_file_is_found_from_any_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config(site_url=SITE, email=JANE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = load_settings(require_credentials=False)
    assert (settings.site_url, settings.email) == (SITE, JANE)
    assert config_file() == tmp_path / "config" / "order-agent" / "config.env"  # XDG_CONFIG_HOME


def test_named_env_file_replaces_dotenv_but_config_file_stays_below_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config(site_url=SITE, email="config@example.com", name="Config Name")
    Path(".env").write_text("ORDER_AGENT_NAME=Dotenv\n")
    named = tmp_path / "other.env"
    named.write_text("ORDER_AGENT_EMAIL=named@example.com\n")
    monkeypatch.setenv("ORDER_AGENT_ENV_FILE", str(named))

    settings = load_settings(require_credentials=False)

    assert settings.email == "named@example.com"
    assert settings.name == "Config Name"  # ./.env is not read when another file is named
    assert settings.site_url == SITE


def test_config_file_values_keep_quotes_and_backslashes() -> None:
    config(site_url=SITE, email=JANE, name='Jane O\'Hara \\ "JJ"')
    assert load_settings(require_credentials=False).name == 'Jane O\'Hara \\ "JJ"'


def test_unknown_keys_in_config_file_are_warned_about() -> None:
    path = config(site_url=SITE, email=JANE, colour="blue")
    warnings = load_settings(require_credentials=False).config_warnings
    assert warnings == [f"ignored unknown keys in {path}: ORDER_AGENT_COLOUR"]


# -- the password command -------------------------------------------------------------------
def test_password_command_gives_the_first_line_and_registers_it_as_secret() -> None:
    config(site_url=SITE, email=JANE, password_command=printing(f"{CANARY}\nnote: shop login"))

    settings = load_settings()

    assert settings.password is not None
    assert settings.password.get_secret_value() == CANARY
    assert settings.password_source == SOURCE_COMMAND
    assert CANARY in settings.secret_values()
    assert CANARY not in scrub(f"typed {CANARY} into the form")
    assert CANARY not in repr(settings)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (printing(CANARY, code=3, stderr=f"bad {CANARY}"), "exited with status 3"),
        (printing(""), "printed no password"),
        ("/nonexistent/helper get", "/nonexistent/helper was not found"),
        ("'unclosed", "is not a valid command line"),
    ],
)
def test_failing_password_command_is_one_line_exit_2_that_quotes_no_output(
    command: str, expected: str, capfd: pytest.CaptureFixture[str]
) -> None:
    config(site_url=SITE, email=JANE, password_command=command)

    error = one_line_error()

    assert str(error).startswith("ORDER_AGENT_PASSWORD_COMMAND ")
    assert expected in str(error)
    assert CANARY not in str(error)
    out, err = capfd.readouterr()
    assert CANARY not in out + err  # the command's stderr is captured, never passed on


def test_password_command_that_hangs_is_stopped() -> None:
    command = shlex.join([sys.executable, "-c", "import time; time.sleep(600)"])
    with pytest.raises(ConfigError, match=r"did not finish within 0\.5 s"):
        password_from_command(command, timeout=0.5)


def test_password_command_runs_once_even_when_it_fails(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    script = f"open({str(runs)!r}, 'a').write('x'); raise SystemExit(1)"
    config(site_url=SITE, email=JANE, password_command=shlex.join([sys.executable, "-c", script]))
    from agent.settings import resolve_password

    settings = load_settings(require_credentials=False)  # an idle run: nothing is run yet
    assert not runs.exists()
    for _ in range(2):
        with pytest.raises(ConfigError):
            resolve_password(settings)
    assert runs.read_text() == "x"


def test_password_setting_outranks_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    config(site_url=SITE, email=JANE, password_command="/nonexistent/helper")
    monkeypatch.setenv("ORDER_AGENT_PASSWORD", PASSWORD)
    settings = load_settings()
    assert settings.password == SecretStr(PASSWORD)
    assert settings.password_source == "ORDER_AGENT_PASSWORD"


# -- the keyring -----------------------------------------------------------------------------
class EmptyChainer(chainer.ChainerBackend):
    """What keyring builds on a server: a chainer with no backend to chain."""

    backends: tuple[KeyringBackend, ...] = ()  # type: ignore[assignment]


@pytest.mark.parametrize("backend", [fail.Keyring(), EmptyChainer()], ids=["fail", "empty"])
def test_no_keyring_backend_is_skipped(backend: KeyringBackend) -> None:
    keyring.set_keyring(backend)
    assert usable_keyring() is None
    config(site_url=SITE, email=JANE)
    assert "ORDER_AGENT_PASSWORD is missing (run `order-agent init`" in str(one_line_error())


def test_keyring_password_is_found_under_the_email(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password(KEYRING_SERVICE, JANE, CANARY)
    config(site_url=SITE, email=JANE)

    settings = load_settings()

    assert settings.password == SecretStr(CANARY)
    assert settings.password_source == SOURCE_KEYRING
    assert CANARY not in scrub(CANARY)


def test_command_outranks_keyring_and_keyring_outranks_file(memory_keyring: MemoryKeyring):
    memory_keyring.set_password(KEYRING_SERVICE, JANE, "from-keyring")
    store_in_file(password_file(config_dir()), SecretStr("from-file"))
    config(site_url=SITE, email=JANE, password_command=printing("from-command"))
    assert load_settings().password == SecretStr("from-command")
    config(site_url=SITE, email=JANE)
    assert load_settings().password == SecretStr("from-keyring")
    del memory_keyring.stored[(KEYRING_SERVICE, JANE)]
    settings = load_settings()
    assert settings.password == SecretStr("from-file")
    assert settings.password_source == str(password_file(config_dir()))


def test_init_keeps_the_password_in_the_keyring_when_there_is_one(
    memory_keyring: MemoryKeyring,
) -> None:
    settings = load_settings(require_credentials=False, site_url=SITE, email=JANE, password=CANARY)
    store_in_file(password_file(config_dir()), SecretStr("stale"))

    saved = save(
        settings,
        name="Jane Shopper",
        password_command=None,
        store=choose_store("auto", unattended=False),
    )

    assert memory_keyring.stored == {(KEYRING_SERVICE, JANE): CANARY}
    assert not password_file(config_dir()).exists()  # an earlier init's file is gone
    assert "system keyring" in saved.password_where
    assert CANARY not in config_file().read_text()
    again = load_settings()
    assert again.password == SecretStr(CANARY)
    assert again.password_source == SOURCE_KEYRING


def test_init_for_scheduled_runs_keeps_the_password_in_the_file_even_with_a_keyring(
    memory_keyring: MemoryKeyring,
) -> None:
    assert choose_store("auto", unattended=True) == "file"
    assert choose_store("keyring", unattended=True) == "keyring"  # asked for: the person knows


def test_asking_for_the_keyring_without_one_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no system keyring is available"):
        choose_store("keyring", unattended=False)


# -- init's 0600 file ---------------------------------------------------------------------------
def test_password_file_is_written_0600_and_read_back() -> None:
    path = password_file(config_dir())
    store_in_file(path, SecretStr(CANARY))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    config(site_url=SITE, email=JANE)
    assert load_settings().password == SecretStr(CANARY)


def test_password_file_others_can_read_is_refused_with_the_fix() -> None:
    path = password_file(config_dir())
    store_in_file(path, SecretStr(CANARY))
    path.chmod(0o644)
    config(site_url=SITE, email=JANE)

    error = one_line_error()

    assert str(error) == (
        f"{path} holds the password and other users can read it: not using it (chmod 600 {path})"
    )
