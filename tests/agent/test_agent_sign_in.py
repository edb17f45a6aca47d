"""Signing in and the runs that need a person: a locked account, two-step codes, someone
else's order. (A wrong password, a bot check and the shop's faults: tests/faults.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.server import ShopServer
from tests.support.people import JANE, PASSWORD, PHONES, TOM, TOM_NAME, TOTP_SECRET

from .conftest import AgentRun, OrderAgent

pytestmark = pytest.mark.ui_sign_in


def assert_secrets_nowhere(run: AgentRun, data_dir: Path, *secrets: str) -> None:
    """No secret in what was printed, nor in any file of the data directory."""
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    for secret in secrets:
        assert secret not in run.stdout and secret not in run.stderr
        for path in files:
            assert secret.encode() not in path.read_bytes(), f"{secret!r} found in {path}"


def test_a_locked_account_needs_a_person_and_works_again_once_unlocked(
    order_agent: OrderAgent, shop: ShopServer
):
    with shop.shop.lock:  # five wrong guesses by someone else, before the agent came
        for _ in range(5):
            shop.shop.state("uk").sign_in(JANE, "guess", shop.shop.clock.now())

    run = order_agent("status", "70001", "--json", region="uk")

    assert run.code == 3
    assert (run.json["outcome"], run.json["error"]) == ("needs_human", "AccountLocked")
    assert "locked" in run.json["message"]
    assert run.json["phone"] == PHONES["uk"]

    shop.reset()  # the shopper called customer service: the account is unlocked
    after = order_agent("status", "70001", "--json", region="uk")

    assert after.code == 0, after.stderr
    assert after.json["status"] == "processing"


def test_the_two_step_account_signs_in_with_its_totp_secret(
    order_agent: OrderAgent, shop: ShopServer, data_dir: Path
):
    # "One-time code" + "Continue" (tests/support/storefronts.py)
    run = order_agent(
        "cancel", "71001", "--json", region="va", email=TOM, totp_secret=TOTP_SECRET, name=TOM_NAME
    )

    assert run.code == 0, run.stderr
    [request] = shop.inbox("va")
    assert run.json["reference"] == request["case"]
    assert (request["email"], request["name"]) == (TOM, TOM_NAME)
    assert TOM_NAME in str(request["message"]) and "71001" in str(request["message"])
    assert_secrets_nowhere(run, data_dir, PASSWORD, TOTP_SECRET)


def test_a_wrong_totp_secret_is_refused_and_a_corrected_one_is_tried(
    order_agent: OrderAgent, shop: ShopServer
):
    wrong_secret = "GEZDGNBVGY3TQOJQ"  # valid base32, not Tom's
    # "Security Code" + "Submit" (tests/support/storefronts.py)
    run = order_agent("status", "71002", "--json", region="vb", email=TOM, totp_secret=wrong_secret)

    assert run.code == 3
    assert (run.json["outcome"], run.json["error"]) == ("needs_human", "CredentialsRejected")
    assert "verification code" in run.json["message"]

    fixed = order_agent(
        "status", "71002", "--json", region="vb", email=TOM, totp_secret=TOTP_SECRET
    )

    assert fixed.code == 0, fixed.stderr
    assert fixed.json["status"] == "delivered"


def test_the_two_step_account_without_a_secret_needs_a_person(
    order_agent: OrderAgent, shop: ShopServer
):
    run = order_agent("return", "71002", "--json", email=TOM, region="uk")

    assert run.code == 3
    assert (run.json["outcome"], run.json["error"]) == ("needs_human", "TwoStepCodeMissing")
    assert "verification code" in run.json["message"]
    assert "ORDER_AGENT_TOTP_SECRET" in run.json["hint"]
    assert run.json["phone"] == PHONES["uk"]
    assert shop.returns("uk") == []


def test_someone_elses_order_is_not_found_and_the_visible_ones_are_listed(
    order_agent: OrderAgent, shop: ShopServer
):
    run = order_agent("cancel", "70099", "--json")

    assert run.code == 2
    assert (run.json["outcome"], run.json["error"]) == ("error", "OrderNotFound")
    message = run.json["message"]
    assert "70099" in message and "not" in message
    assert "MK-70001" in message and "MK-70012" in message
    assert "the account signed in is the one that placed the order" in run.json["hint"]
    # The user's input to check, not a person's to call about: no customer-service phone.
    assert "phone" not in run.json
    assert shop.inbox("us") == []


def test_a_session_that_ends_right_after_signing_in_is_signed_in_again(
    order_agent: OrderAgent, shop: ShopServer
):
    # The page the shop lands on after signing in finds the session already gone, and
    # sends the browser back to the sign-in form, with no word of why.
    shop.fail(r"^/us/account$", "expire_session", method="GET")

    run = order_agent("status", "70001", "--json")

    assert run.code == 0, run.stderr
    assert run.json["status"] == "processing"
    # Signed in twice: once answered by the form again, once for good.
    assert len(shop.sign_in_attempts("us")) == 2
