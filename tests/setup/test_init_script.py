"""`order-agent init` run by a script (no terminal): every answer a flag, every failure
one line and an exit code, nothing written unless the shop accepted the password."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from agent.password_sources import password_file, store_in_file
from agent.user_config import write_config
from fixtures.server import ShopServer
from tests.support.people import JANE, PASSWORD

from .conftest import FreshHome
from .process import init_argv, run


def said(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def test_missing_answers_without_a_terminal_are_exit_2(fresh_home: FreshHome) -> None:
    done = run(init_argv(), fresh_home.env(), fresh_home.work, stdin="")
    assert done.returncode == 2
    assert said(done.stderr) == [
        "order-agent: --site-url is missing (init asks for it on a terminal; a script must give it)"
    ]
    assert not fresh_home.config_dir.exists()


def test_password_stdin_and_command_together_are_exit_2(fresh_home: FreshHome) -> None:
    argv = init_argv("--password-stdin", "--password-command", "pass show shop")
    done = run(argv, fresh_home.env(), fresh_home.work, stdin="x\n")
    assert done.returncode == 2
    assert said(done.stderr) == [
        "order-agent: give --password-stdin or --password-command, not both"
    ]


def test_schedule_alone_keeps_an_earlier_set_up(
    fresh_home: FreshHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(fresh_home.path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(fresh_home.path / ".config"))
    write_config(
        fresh_home.config_file,
        {"ORDER_AGENT_SITE_URL": "https://shop.example.com/", "ORDER_AGENT_EMAIL": JANE},
        header="an earlier init",
    )
    store_in_file(password_file(fresh_home.config_dir), SecretStr(PASSWORD))
    before = fresh_home.config_file.read_text(encoding="utf-8")

    done = run(init_argv("--schedule", "cron"), fresh_home.env(), fresh_home.work, stdin="")

    assert done.returncode == 0, done.stderr
    [line] = [line for line in done.stdout.splitlines() if line.startswith("*/15 ")]
    assert "run >>" in line
    assert fresh_home.config_file.read_text(encoding="utf-8") == before


@pytest.mark.slow
def test_refused_password_from_a_script_is_final_and_writes_nothing(
    shop: ShopServer, fresh_home: FreshHome
) -> None:
    argv = init_argv("--site-url", shop.region_url("us"), "--email", JANE, "--password-stdin")
    done = run(argv, fresh_home.env(), fresh_home.work, stdin="not-the-password\n")

    assert done.returncode == 3, done.stderr
    line, *_details = said(done.stderr)
    assert line.startswith("order-agent: the site rejected the e-mail or password"), line
    assert "not-the-password" not in done.stdout + done.stderr
    assert not fresh_home.config_dir.exists()


def test_a_misspelt_shop_address_from_a_script_is_exit_2_before_anything_else(
    fresh_home: FreshHome,
) -> None:
    # The name service says no such host: a typo to fix, not an outage to wait out (exit
    # 75 after three tries, as a browser's "could not be loaded" would end).
    argv = init_argv(
        "--site-url", "https://shop.exmaple.invalid/", "--email", JANE, "--password-stdin"
    )
    done = run(argv, fresh_home.env(), fresh_home.work, stdin=f"{PASSWORD}\n")
    assert done.returncode == 2, done.stderr
    assert said(done.stderr) == [
        "order-agent: there is no host named shop.exmaple.invalid: check --site-url (a typo?)"
    ]
    assert not fresh_home.config_dir.exists()
