"""Shops laid out differently (docs/shops.md, "Layouts"): each class of layout met on real
platforms, as a fixture variant, through a whole command."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

import flows.locating
from fixtures.regions import US
from fixtures.server import ShopServer
from tests.support.people import JANE_NAME

from .conftest import OrderAgent


@pytest.fixture
def expired_looks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every look (``flows.locating.wait_visible``) that waited its whole time for nothing."""
    expired: list[str] = []
    real = flows.locating.expect

    def counting(actual: Any, *args: Any, **kwargs: Any) -> Any:
        assertions = real(actual, *args, **kwargs)

        class Counted:
            def __getattr__(self, name: str) -> Any:
                check = getattr(assertions, name)

                def run(*a: Any, **k: Any) -> Any:
                    try:
                        return check(*a, **k)
                    except AssertionError:
                        expired.append(f"{name} {actual}")
                        raise

                return run

        return Counted()

    monkeypatch.setattr(flows.locating, "expect", counting)
    yield expired


@pytest.mark.ui_sign_in
def test_a_root_with_no_height_costs_no_look_in_a_whole_cancellation(
    order_agent: OrderAgent, shop: ShopServer, expired_looks: list[str]
):
    # The same shop twice, its pages' <html>/<body> with no height the second time: the
    # agent waits for nothing more there (no look ends on the root's visibility).
    shop.add_region(replace(US, prefix="rooted", promo_dialog=False))
    shop.add_region(replace(US, prefix="rootless", promo_dialog=False, zero_height_root=True))

    looks = {}
    for prefix in ("rooted", "rootless"):
        expired_looks.clear()
        run = order_agent("cancel", "70001", "--json", region=prefix, name=JANE_NAME)
        assert run.code == 0, run.stderr
        assert run.json["action"] == "cancellation_requested"
        looks[prefix] = list(expired_looks)
    assert len(shop.inbox("rootless")) == 1
    assert len(looks["rootless"]) == len(looks["rooted"]), looks
