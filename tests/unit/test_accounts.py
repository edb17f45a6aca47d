"""Many accounts without a browser: the Fernet box, the key's sources, the CLI, the ledger."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from agent.cli import main
from agent.ledger import Ledger, OrderKey
from agent.ledger.accounts import StoredAccount
from agent.secret_box import SecretBox, WrongSecretKey, configured_key, secret_box
from agent.settings import Settings
from agent.shopper_accounts import AccountSecrets, add_account, settings_for
from ordercore.errors import ConfigError, UsageError
from ordercore.models import Goal

PASSWORD = 'Acc0unt "pa55" \\ &=+'
TOTP = "JBSWY3DPEHPK3PXP"
SITE = "http://127.0.0.1:8765/us/"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("ORDER_AGENT_DATA_DIR", str(folder))
    (tmp_path / "no-secrets").mkdir()
    monkeypatch.setenv("ORDER_AGENT_SECRETS_DIR", str(tmp_path / "no-secrets"))
    return folder


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> str:
    made = Fernet.generate_key().decode()
    monkeypatch.setenv("ORDER_AGENT_SECRET_KEY", made)
    return made


def _add(monkeypatch: pytest.MonkeyPatch, name: str, stdin: str, *extra: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["accounts", "add", name, "--site", SITE, "--email", f"{name}@example.com", *extra])


def test_the_box_round_trips_and_a_wrong_key_is_one_clear_error() -> None:
    box = SecretBox(Fernet.generate_key().decode())
    sealed = box.seal({"password": PASSWORD, "totp_secret": None})
    assert PASSWORD not in sealed
    assert box.open(sealed, "it") == {"password": PASSWORD, "totp_secret": None}
    other = SecretBox(Fernet.generate_key().decode())
    with pytest.raises(WrongSecretKey) as caught:
        other.open(sealed, "the account 'ann'")
    assert caught.value.exit_code == 2
    assert sealed not in str(caught.value) and "does not open the account 'ann'" in str(
        caught.value
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_not_a_fernet_key_is_refused_without_quoting_it() -> None:
    with pytest.raises(ConfigError) as caught:
        SecretBox("not-a-key-" + "x" * 20)
    assert "not-a-key" not in str(caught.value)


def test_no_key_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        secret_box(Settings(data_dir=tmp_path))
    assert "accounts new-key" in str(caught.value)
    assert "Fernet.generate_key()" in str(caught.value)


def test_a_key_file_must_be_private(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    made = Fernet.generate_key().decode()
    path.write_text(made + "\n")
    path.chmod(0o640)
    with pytest.raises(ConfigError, match="may be read by others"):
        configured_key(Settings(data_dir=tmp_path, secret_key_file=path))
    path.chmod(0o600)
    assert configured_key(Settings(data_dir=tmp_path, secret_key_file=path)) == made


def test_add_without_a_key_stores_nothing_and_exits_2(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _add(monkeypatch, "ann", PASSWORD + "\n") == 2
    err = capsys.readouterr().err
    assert "no secret key" in err and "accounts new-key" in err and PASSWORD not in err
    assert not (data_dir / "ledger.sqlite3").exists()


def test_add_list_remove_and_no_secret_anywhere(
    key: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _add(monkeypatch, "ann", f"{PASSWORD}\n{TOTP.lower()}\n", "--name", "Ann Lee") == 0
    assert _add(monkeypatch, "bob", f"{PASSWORD}-bob\n", "--password-stdin") == 0
    assert main(["accounts", "list", "--json"]) == 0
    out = capsys.readouterr().out
    listed = json.loads(out.splitlines()[-1])["accounts"]
    assert [(a["name"], a["email"], a["full_name"]) for a in listed] == [
        ("ann", "ann@example.com", "Ann Lee"),
        ("bob", "bob@example.com", None),
    ]
    assert PASSWORD not in out and TOTP not in out and "gAAAA" not in out
    for path in data_dir.glob("ledger.sqlite3*"):
        data = path.read_bytes()
        assert PASSWORD.encode() not in data and TOTP.encode() not in data, path
    with Ledger.open(data_dir) as ledger:
        stored = ledger.account("ann")
    assert stored is not None
    as_ann = settings_for(Settings(), stored)
    assert as_ann.password is not None and as_ann.password.get_secret_value() == PASSWORD
    assert as_ann.totp_secret is not None and as_ann.totp_secret.get_secret_value() == TOTP
    assert (as_ann.site_url, as_ann.email, as_ann.name) == (
        stored.site,
        "ann@example.com",
        "Ann Lee",
    )
    assert main(["accounts", "remove", "bob"]) == 0
    assert main(["accounts", "remove", "bob"]) == 2
    assert main(["accounts", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("ann: ann@example.com (Ann Lee)")


def test_bad_values_are_refused_before_anything_is_stored(
    key: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings()
    for name, site, email, totp in [
        ("no spaces", SITE, "a@example.com", None),
        ("ann", "ftp://shop.example/", "a@example.com", None),
        ("ann", SITE, "not-an-address", None),
        ("ann", SITE, "a@example.com", "not base32 !!"),
    ]:
        with pytest.raises(UsageError) as caught:
            add_account(settings, name, site, email, None, AccountSecrets(PASSWORD, totp))
        assert PASSWORD not in str(caught.value)
    with Ledger.open(data_dir) as ledger:
        assert ledger.list_accounts() == []


def test_add_account_ties_the_order_and_a_wrong_key_stops_with_2(
    key: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _add(monkeypatch, "ann", PASSWORD + "\n") == 0
    assert main(["add", "70001", "--account", "ann", "--no-check"]) == 0
    assert main(["add", "70002", "--account", "nobody", "--no-check"]) == 2
    with Ledger.open(data_dir) as ledger:
        assert ledger.account_of(OrderKey(SITE, "ann@example.com", "70001")) == "ann"
        assert [t.key.number for t in ledger.list_tracked()] == ["70001"]
    monkeypatch.setenv("ORDER_AGENT_SECRET_KEY", Fernet.generate_key().decode())
    capsys.readouterr()
    assert main(["add", "70003", "--account", "ann", "--no-check"]) == 2
    err = capsys.readouterr().err
    assert "does not open the account 'ann'" in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_the_ledger_holds_the_new_tables_at_revision_0003(key: str, data_dir: Path) -> None:
    with Ledger.open(data_dir):
        pass
    raw = sqlite3.connect(data_dir / "ledger.sqlite3")
    try:
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
        assert {"accounts", "order_accounts", "browser_sessions"} <= tables
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0003"
    finally:
        raw.close()


def test_an_order_whose_account_was_removed_goes_to_a_person_without_a_browser(
    key: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _add(monkeypatch, "ann", PASSWORD + "\n") == 0
    assert main(["add", "70001", "--account", "ann", "--no-check"]) == 0
    assert main(["accounts", "remove", "ann"]) == 0
    capsys.readouterr()
    assert main(["run", "--json"]) == 3
    [order] = json.loads(capsys.readouterr().out.splitlines()[-1])["orders"]
    assert order["outcome"] == "needs_human"
    assert "account 'ann' is no longer stored" in order["message"]


def test_the_ledger_keeps_accounts_ties_and_sessions_on_each_backend(
    tmp_path: Path, ledger_url: str | None
) -> None:
    box = SecretBox(Fernet.generate_key().decode())
    sealed = box.seal({"password": PASSWORD, "totp_secret": TOTP})
    order = OrderKey(SITE, "ann@example.com", "70001")
    with Ledger.open(tmp_path / "data", database_url=ledger_url) as ledger:
        ledger.put_account(StoredAccount("ann", SITE, "Ann@Example.com", "Ann Lee", sealed))
        ledger.put_account(StoredAccount("ann", SITE, "ann@example.com", None, sealed))  # again
        [stored] = ledger.list_accounts()
        assert (stored.name, stored.email, stored.full_name) == ("ann", "ann@example.com", None)
        assert box.open(stored.sealed, "it")["password"] == PASSWORD
        ledger.track(order, Goal.CANCEL)
        assert ledger.account_of(order) is None
        ledger.tie_order(order, "ann")
        ledger.tie_order(order, "ann")  # tying again changes nothing
        assert ledger.account_of(order) == "ann"
        ledger.save_browser_session(SITE, "ann@example.com", box.seal({"state": "{}"}))
        state = ledger.browser_session(SITE, "ANN@example.com")
        assert state is not None and box.open(state, "it") == {"state": "{}"}
        ledger.forget_browser_session(SITE, "ann@example.com")
        assert ledger.browser_session(SITE, "ann@example.com") is None
        assert ledger.remove_account("ann") and not ledger.remove_account("ann")
        assert ledger.list_accounts() == []
