"""`order-agent config`: every setting in force and where it comes from, secrets masked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import main
from agent.user_config import config_file, write_config

from .conftest import CANARY


def test_each_setting_says_where_it_comes_from_and_no_secret_shows(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The environment outranks ./.env, which outranks init's config file.
    monkeypatch.setenv("ORDER_AGENT_PASSWORD", CANARY)
    monkeypatch.setenv("ORDER_AGENT_DATABASE_URL", f"postgresql+psycopg://ann:{CANARY}@db/x")
    Path(".env").write_text("ORDER_AGENT_NAME='Jane Shopper'\nORDER_AGENT_EMAIL=a@b.example\n")
    write_config(
        config_file(),
        {"ORDER_AGENT_SITE_URL": "https://shop.example.com/", "ORDER_AGENT_EMAIL": "x@y.example"},
        header="init",
    )

    code = main(["config", "--json"])
    out, err = capsys.readouterr()

    assert code == 0, err
    found = {row["name"]: row for row in json.loads(out)["settings"]}
    assert found["ORDER_AGENT_PASSWORD"] == {
        "name": "ORDER_AGENT_PASSWORD", "value": "********", "origin": "environment",
    }  # fmt: skip
    assert found["ORDER_AGENT_DATABASE_URL"]["value"] == "postgresql+psycopg://ann:********@db/x"
    assert found["ORDER_AGENT_NAME"]["origin"].endswith(".env")
    assert found["ORDER_AGENT_EMAIL"] == {
        "name": "ORDER_AGENT_EMAIL", "value": "a@b.example", "origin": str(Path(".env")),
    }  # fmt: skip
    assert found["ORDER_AGENT_SITE_URL"]["origin"] == str(config_file())
    assert found["ORDER_AGENT_CONCURRENCY"]["origin"] == "default"
    assert CANARY not in out + err

    assert main(["config"]) == 0
    text, err = capsys.readouterr()
    [line] = [line for line in text.splitlines() if "ORDER_AGENT_PASSWORD=" in line]
    assert line.split() == ["environment", "ORDER_AGENT_PASSWORD=********"]
    assert CANARY not in text + err
