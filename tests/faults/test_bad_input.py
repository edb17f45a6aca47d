"""Bad input from the shopper or the site: each ends with its exit code and one clear line.

Every run is a real ``order-agent`` process: the test reads its exit code and
its ``order-agent: ...`` lines on stderr, never a traceback.
"""

from __future__ import annotations

import pytest

from fixtures.server import ShopServer
from tests.support.agent_cli import AgentCLI, AgentRun, Page, StaticSite, html
from tests.support.people import JANE

EXIT_USAGE = 2
EXIT_NEEDS_HUMAN = 3


def assert_one_clean_message(run: AgentRun) -> None:
    """People read ``order-agent: ...`` lines; tracebacks live only inside debug log records."""
    assert run.said, run.explain()
    other = [
        line
        for line in run.stderr.splitlines()
        if not line.startswith(("order-agent: ", "{")) and line.strip()
    ]
    assert other == [], run.explain()


# -- arguments and settings: refused before any browser starts -----------------------------
# (no pre-seeded data dir: nothing may be set up before the refusal)


@pytest.mark.ui_sign_in
@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (("status", "70001; rm -rf /"), "does not look like an order number"),
        (("status", "#"), "the order number is empty"),
        (("status",), "missing argument 'ORDER'"),
        (("cancel", "70001", "--bogus"), "no such option '--bogus'"),
        (("return", "70004", "--item", "   "), "an item name cannot be empty"),
    ],
)
def test_malformed_arguments_exit_2(agent: AgentCLI, args: tuple[str, ...], wanted: str) -> None:
    run = agent.run(*args)
    assert run.code == EXIT_USAGE, run.explain()
    assert_one_clean_message(run)
    assert wanted in run.said[0]
    assert not agent.data_dir.exists()  # refused before anything was set up


@pytest.mark.ui_sign_in
@pytest.mark.parametrize(
    ("missing", "variable"),
    [
        ({"password": ""}, "ORDER_AGENT_PASSWORD"),
        ({"password": None}, "ORDER_AGENT_PASSWORD"),
        ({"email": "   "}, "ORDER_AGENT_EMAIL"),
        ({"region": None}, "ORDER_AGENT_SITE_URL"),
    ],
)
def test_missing_or_empty_credentials_exit_2_naming_the_variable(
    agent: AgentCLI, missing: dict[str, str | None], variable: str
) -> None:
    run = agent.run("status", "70001", **missing)
    assert run.code == EXIT_USAGE, run.explain()
    assert_one_clean_message(run)
    assert run.said[0].startswith(f"{variable} is missing (run `order-agent init`, or set it")
    assert not agent.data_dir.exists()


@pytest.mark.parametrize(
    ("site_url", "wanted"),
    [
        ("shop.example.com", "ORDER_AGENT_SITE_URL is not a valid URL"),
        ("https://", "ORDER_AGENT_SITE_URL is not a valid URL: it has no host name"),
        ("https://shop.example.com:http/", "its port is not a number"),
        ("http://shop.example.com/", "uses plain http:// for shop.example.com"),
        ("https://jane:secret@shop.example.com/", "must not contain a user name or password"),
    ],
)
def test_malformed_site_url_exits_2(agent: AgentCLI, site_url: str, wanted: str) -> None:
    run = agent.run("status", "70001", site_url=site_url)
    assert run.code == EXIT_USAGE, run.explain()
    assert_one_clean_message(run)
    assert wanted in run.said[0]
    assert "secret" not in run.stderr  # the URL's password is not repeated back


# -- the shop says no ------------------------------------------------------------------------


def test_unknown_order_says_which_orders_the_account_shows(agent: AgentCLI) -> None:
    run = agent.run("status", "70099", "--json")  # Olga's order: not on Jane's list
    # The number given is the user's to check: exit 2, as for every command.
    assert run.code == EXIT_USAGE, run.explain()
    assert_one_clean_message(run)
    assert run.said[0].startswith("order 70099 is not in this account's order list")
    for shown in ("MK-70001", "MK-70004", "MK-70012"):
        assert shown in run.said[0]
    assert run.json["outcome"] == "error" and run.json["error"] == "OrderNotFound"


@pytest.mark.ui_sign_in  # the sign-in attempts are the subject
def test_wrong_password_is_tried_once_until_the_credentials_change(
    agent: AgentCLI, shop: ShopServer
) -> None:
    wrong = agent.run("status", "70001", password="not-her-password")
    assert wrong.code == EXIT_NEEDS_HUMAN, wrong.explain()
    assert_one_clean_message(wrong)
    assert "rejected the e-mail or password" in wrong.said[0]
    assert [a["ok"] for a in shop.sign_in_attempts("us")] == [False]

    again = agent.run("status", "70001", password="not-her-password")
    assert again.code == EXIT_NEEDS_HUMAN, again.explain()
    assert "already refused these credentials" in again.said[0]
    assert "`order-agent init` again" in again.said[1]
    assert [a["ok"] for a in shop.sign_in_attempts("us")] == [False]  # not tried again

    fixed = agent.run("status", "70001")  # the right password: a new try
    assert fixed.code == 0, fixed.explain()
    assert [a["ok"] for a in shop.sign_in_attempts("us")] == [False, True]


@pytest.mark.ui_sign_in  # the sign-in attempts are counted
def test_locked_account_needs_a_person(agent: AgentCLI, shop: ShopServer) -> None:
    with shop.shop.lock:
        state = shop.shop.state("us")
        for _ in range(5):  # five wrong passwords in a row lock the account
            state.sign_in(JANE, "guess", shop.shop.clock.now())
    run = agent.run("status", "70001")
    assert run.code == EXIT_NEEDS_HUMAN, run.explain()
    assert_one_clean_message(run)
    assert "locked the account" in run.said[0]
    assert "customer service: 1-800-555-0199" in run.said
    assert len(shop.sign_in_attempts("us")) == 6  # ours was the only one after the lock


def test_a_site_that_is_not_a_shop(agent: AgentCLI) -> None:
    blank = {"/": Page(html("Welcome", "<p>Nothing to see here.</p>"))}
    with StaticSite(blank) as site:
        run = agent.run("status", "70001", site_url=site.url("/"))
    assert run.code == EXIT_NEEDS_HUMAN, run.explain()
    assert_one_clean_message(run)
    assert run.said[0].startswith(f"could not find a sign-in link on {site.url('/')}")


def test_returning_an_order_of_final_sale_items_only(agent: AgentCLI, shop: ShopServer) -> None:
    run = agent.run("return", "70008")
    assert run.code == EXIT_NEEDS_HUMAN, run.explain()
    assert_one_clean_message(run)
    assert "none of its items can be returned online (final sale)" in run.said[0]
    assert shop.returns("us") == []


def test_unknown_keys_in_env_file_are_a_warning(agent: AgentCLI, shop: ShopServer) -> None:
    (agent.cwd / ".env").write_text(
        f"ORDER_AGENT_SITE_URL={shop.region_url('us')}\n"
        f"ORDER_AGENT_EMAIL={JANE}\n"
        "ORDER_AGENT_PASSWORD=correct-horse-battery-staple\n"
        "ORDER_AGENT_FAVOURITE_COLOUR=teal\n"
        "EDITOR=vim\n"
    )
    (agent.cwd / ".env").chmod(0o600)
    run = agent.run("status", "70003", "--json", region=None, email=None, password=None)
    assert run.code == 0, run.explain()
    assert run.json["status"] == "shipped"
    warnings = [line for line in run.logs if line.get("event") == "configuration"]
    assert [w["level"] for w in warnings] == ["warning"]
    assert warnings[0]["problem"] == (
        "ignored unknown keys in .env: EDITOR, ORDER_AGENT_FAVOURITE_COLOUR"
    )
