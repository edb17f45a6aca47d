"""The canary through the live chat (issue #13): a unique password, nowhere it could leak.

A shopper with a password of her own cancels through a chat that cancels and through one
that cannot help (then the form), with ``--trace`` at debug level. The password must be in
no transcript, nothing the chat vendor received (bodies, addresses, cookies), no output,
no file of the data dir (receipts, screenshots, ledger, traces and their members) and no
file name.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from fixtures.regions import US
from fixtures.server import ShopServer
from tests.support.agent_cli import AgentCLI, files_under, find_leaks, readable_parts

EMAIL = "canary@example.com"
CANARY_PASSWORD = f"Canary {secrets.token_hex(6)} &=+%/\"'<>\\ pa55"


def test_the_password_is_nowhere_the_chat_could_take_it(agent: AgentCLI, shop: ShopServer):
    for prefix, outcome in (("chatc", "cancel"), ("chatn", "nothing")):
        shop.add_region(replace(US, prefix=prefix, chat="online", chat_outcome=outcome))
        shop.add_account(prefix, EMAIL, CANARY_PASSWORD, "Cara Canary")
        shop.add_order(prefix, EMAIL, "81001", "Processing", ["Canary Yellow Tote"])
    as_canary = {"email": EMAIL, "password": CANARY_PASSWORD}
    cancelled = agent.run("cancel", "81001", "--trace", "--json", region="chatc", **as_canary)
    fallback = agent.run("cancel", "81001", "--trace", "--json", region="chatn", **as_canary)
    assert cancelled.code == 0, cancelled.explain()
    assert cancelled.json["chat_outcome"] == "cancelled"
    assert fallback.code == 0, fallback.explain()
    assert len(shop.inbox("chatn")) == 1 and "could not help" in fallback.json["chat"]

    transcripts = [chat["transcript"] for p in ("chatc", "chatn") for chat in shop.chats(p)]
    assert len(transcripts) == 2 and all("Cara Canary" in t for t in transcripts)
    vendor = {
        "transcripts": "\n".join(transcripts).encode(),
        "posted": b"\n".join(shop.chat_bodies()),
        "addresses": "\n".join(shop.chat_requests()).encode(),
        "cookies": "\n".join(shop.chat_cookies()).encode(),
    }
    assert b"81001" in vendor["posted"]  # the search below is not over nothing
    stored: dict[str, bytes] = {}
    for path in files_under(agent.data_dir):
        stored.update(readable_parts(path))
    names = {f"name of {path}": str(path).encode() for path in files_under(agent.data_dir)}
    assert any(path.endswith(".png") for path in stored)  # the chat's picture is there
    assert any(".zip!" in where for where in stored)  # and the traces' members
    output = {
        f"{run.args} {stream}": text.encode()
        for run in (cancelled, fallback)
        for stream, text in (("stdout", run.stdout), ("stderr", run.stderr))
    }
    leaks = find_leaks({**vendor, **stored, **names, **output}, [CANARY_PASSWORD])
    assert leaks == []
    assert not any("kora_session" in cookie for cookie in shop.chat_cookies())
