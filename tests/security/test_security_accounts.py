"""Many accounts end to end: two stored accounts, an order each, one ``run``.

Each order's cancellation request reaches the shop as its own account (the shop's inbox
shows each request's e-mail and name), and the accounts' canary passwords and TOTP
secrets appear nowhere: not in any output or log line, not in the ledger file's bytes
(the SQLite file and its WAL), not in receipts, screenshots or traces.
"""

from __future__ import annotations

import base64
import secrets
import sqlite3
import subprocess
from pathlib import Path

from fixtures.server import ShopServer
from tests.support.agent_cli import AgentCLI, AgentRun, files_under, find_leaks, readable_parts

ANN = ("ann", "ann.many@example.com", "Ann Many", f"Ann {secrets.token_hex(6)} &=+%/\"' pa55")
BOB = ("bob", "bob.many@example.com", "Bob Many", f"Bob {secrets.token_hex(6)} <>\\ pa55")
BOB_TOTP = base64.b32encode(secrets.token_bytes(20)).decode()
ENVIRONMENT_PASSWORD = f"Env {secrets.token_hex(6)} pa55"


def _run(agent: AgentCLI, *args: str, stdin: str = "", **env: str | None) -> AgentRun:
    """``order-agent ARGS`` with ``stdin`` (``agent.run`` gives none): no shopper in the
    environment but the one ``env`` names."""
    environment = agent.env(**{"email": None, "password": None, "region": None, **env})
    done = subprocess.run(
        agent.command(*args),
        input=stdin,
        env=environment,
        cwd=agent.cwd,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    run = AgentRun(done.returncode, done.stdout, done.stderr, tuple(args))
    agent.runs.append(run)
    return run


def test_each_order_is_sent_as_its_own_account_and_no_secret_leaks(
    shop: ShopServer, agent: AgentCLI, tmp_path: Path
) -> None:
    key = _run(agent, "accounts", "new-key").stdout.strip()
    agent.secrets |= {ANN[3], BOB[3], BOB_TOTP, key}  # checked on every file at teardown
    site = shop.region_url("us")
    shop.add_account("us", ANN[1], ANN[3], ANN[2])
    shop.add_account("us", BOB[1], BOB[3], BOB[2], totp_secret=BOB_TOTP)
    shop.add_order("us", ANN[1], "82001", "Processing", ["Many Accounts Mug"])
    shop.add_order("us", BOB[1], "82002", "Processing", ["Many Accounts Cap"])
    with_key = {"secret_key": key}

    # No key: nothing stored, exit 2, one line saying how to make one.
    refused = _run(
        agent,
        "accounts",
        "add",
        "ann",
        "--site",
        site,
        "--email",
        ANN[1],
        "--password-stdin",
        stdin=ANN[3] + "\n",
    )
    assert refused.code == 2, refused.explain()
    # (The debug log line of a failed command carries its traceback, by design: said lines.)
    assert len(refused.said) == 1 and "accounts new-key" in refused.said[0], refused.explain()

    added = [
        _run(
            agent,
            "accounts",
            "add",
            "ann",
            "--site",
            site,
            "--email",
            ANN[1],
            "--name",
            ANN[2],
            "--password-stdin",
            stdin=ANN[3] + "\n",
            **with_key,
        ),
        _run(
            agent,
            "accounts",
            "add",
            "bob",
            "--site",
            site,
            "--email",
            BOB[1],
            "--name",
            BOB[2],
            stdin=f"{BOB[3]}\n{BOB_TOTP}\n",
            **with_key,
        ),
    ]
    assert [run.code for run in added] == [0, 0], [run.explain() for run in added]
    listed = _run(agent, "accounts", "list", "--json")
    assert listed.code == 0, listed.explain()
    assert [(a["name"], a["email"]) for a in listed.json["accounts"]] == [
        ("ann", ANN[1]),
        ("bob", BOB[1]),
    ]

    tracked = [
        _run(agent, "add", "82001", "--account", "ann", "--no-check", **with_key),
        # Looked up first, signed in as bob (his TOTP code typed): the shop lists it.
        _run(agent, "add", "82002", "--account", "bob", "--json", **with_key),
    ]
    assert [run.code for run in tracked] == [0, 0], [run.explain() for run in tracked]
    assert "The shop lists" in tracked[1].stdout or "82002" in tracked[1].stdout, tracked[
        1
    ].explain()

    # A wrong key: one line, exit 2, no traceback, no ciphertext.
    wrong = _run(agent, "run", secret_key=_run(agent, "accounts", "new-key").stdout.strip())
    assert wrong.code == 2, wrong.explain()
    assert len(wrong.said) == 1 and "does not open" in wrong.said[0], wrong.explain()
    assert "gAAAA" not in wrong.stdout + wrong.stderr  # a Fernet token's first bytes

    # The run: the environment names another shopper, whose password is never used here.
    ran = _run(
        agent,
        "run",
        "--json",
        email="env.only@example.com",
        password=ENVIRONMENT_PASSWORD,
        region="us",
        **with_key,
    )
    assert ran.code == 75, ran.explain()  # requested: waiting for the shop to cancel
    checked = {order["order"]: (order["action"], order["email"]) for order in ran.json["orders"]}
    assert checked == {
        "MK-82001": ("cancellation_requested", ANN[1]),
        "MK-82002": ("cancellation_requested", BOB[1]),
    }
    sent = {case["order"]: (case["email"], case["name"]) for case in shop.inbox("us")}
    assert sent == {"82001": (ANN[1], ANN[2]), "82002": (BOB[1], BOB[2])}
    logins = {attempt["email"] for attempt in shop.sign_in_attempts("us")}
    assert logins == {ANN[1], BOB[1]}

    # Saved sessions are also in the ledger (encrypted): one per account.
    ledger = agent.data_dir / "ledger.sqlite3"
    with sqlite3.connect(ledger) as raw:
        saved = raw.execute("SELECT email, state FROM browser_sessions ORDER BY email").fetchall()
    assert [email for email, _ in saved] == [ANN[1], BOB[1]]
    assert all(state.startswith("gAAAA") for _, state in saved)

    # The canary: in no output, no log line, no byte of any file (ledger and WAL included).
    blobs = {}
    for index, run in enumerate(agent.runs):
        if run.args == ("accounts", "new-key"):
            continue  # the one place a key is printed, on purpose
        blobs[f"run {index} {run.args} stdout"] = run.stdout.encode()
        blobs[f"run {index} {run.args} stderr"] = run.stderr.encode()
    for path in files_under(agent.data_dir):
        blobs.update(readable_parts(path))
    assert any(where.endswith("ledger.sqlite3") for where in blobs)
    assert find_leaks(blobs, [ANN[3], BOB[3], BOB_TOTP, key]) == []
