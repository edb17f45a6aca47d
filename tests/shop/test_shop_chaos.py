"""The chaos switch: one seed draws overlays, latency, a failed GET, an expired session
and a hydration delay, and the shop does exactly what the plan says."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from dataclasses import fields

import pytest
from playwright.sync_api import Page, expect

from fixtures.chaos import (
    MAX_LATENCY_MS,
    MAX_OVERLAY_DELAY_MS,
    MAX_OVERLAYS,
    ChaosPlan,
    ChaosState,
    hydration_supported,
)
from fixtures.regions import US, Region
from fixtures.server import ShopServer

from .shop_helpers import Client


def _seed_where(wanted: Callable[[ChaosPlan], bool]) -> int:
    return next(seed for seed in range(100_000) if wanted(ChaosPlan.from_seed(seed)))


def test_one_seed_draws_one_plan_within_the_stated_ranges() -> None:
    plans = [ChaosPlan.from_seed(seed) for seed in range(500)]
    assert plans == [ChaosPlan.from_seed(seed) for seed in range(500)]
    assert {len(plan.overlays) for plan in plans} == set(range(MAX_OVERLAYS + 1))
    delays = [overlay.delay_ms for plan in plans for overlay in plan.overlays]
    assert min(delays) >= 0 and max(delays) <= MAX_OVERLAY_DELAY_MS
    assert {plan.failure_kind for plan in plans} == {"5xx", "drop"}
    assert all(50 <= plan.hydration_ms <= 1_500 for plan in plans)
    routed = [plan.link_delay_ms for plan in plans if plan.link_delay_ms is not None]
    assert 150 < len(routed) < 350 and min(routed) >= 100 and max(routed) <= 1_500
    # Stacking: some plans put several dialogs on one page.
    assert any(
        len(plan.overlays_on(overlay.page)) > 1 for plan in plans for overlay in plan.overlays
    )
    assert "chaos seed 42:" in ChaosPlan.from_seed(42).describe()


def test_latency_comes_from_the_seed_and_stays_within_its_bound() -> None:
    plan = ChaosPlan.from_seed(7)
    first, second = ChaosState(plan), ChaosState(plan)
    delays = [first.decide("GET", f"/us/p{n}").delay_s for n in range(200)]
    assert delays == [second.decide("GET", f"/us/p{n}").delay_s for n in range(200)]
    assert all(0 <= delay <= MAX_LATENCY_MS / 1000 for delay in delays)
    assert len(set(delays)) > 100


def test_the_chosen_get_answers_503_once(shop: ShopServer, client: Client) -> None:
    seed = _seed_where(lambda plan: plan.failure_kind == "5xx" and plan.failure_get == 3)
    shop.set_chaos(seed)
    statuses = [client.get("/us/").status for _ in range(5)]
    assert statuses == [200, 200, 503, 200, 200]
    events = shop.chaos_report()["events"]  # type: ignore[index]
    assert [event["what"] for event in events if "GET" in event["what"]] == ["5xx on GET #3"]


def test_a_dropped_get_is_dropped_again_on_the_browsers_retry(
    shop: ShopServer, client: Client
) -> None:
    seed = _seed_where(lambda plan: plan.failure_kind == "drop" and plan.failure_get == 2)
    shop.set_chaos(seed)
    assert client.get("/us/").status == 200
    for _ in range(2):  # the request, and the retry a browser makes by itself
        with pytest.raises(http.client.RemoteDisconnected):
            client.get("/us/pages/shipping")
    assert client.get("/us/pages/shipping").status == 200


def test_the_session_expires_once_mid_run(shop: ShopServer, client: Client) -> None:
    # The expiry is due from request 4; the failing GET is the 8th, which never comes.
    seed = _seed_where(lambda plan: plan.expire_from_request == 4 and plan.failure_get == 8)
    client.sign_in(US)
    shop.set_chaos(seed)
    answers = [client.get(US.url("account")) for _ in range(5)]
    statuses = [answer.status for answer in answers]
    assert statuses == [200, 200, 200, 303, 303]  # signed out at the 4th, and stays out
    assert answers[3].headers["location"] == US.url("sign_in")
    client.sign_in(US)
    assert client.get(US.url("account")).status == 200  # it expires only once per run


def test_stacked_overlays_appear_after_their_delays_and_close(shop: ShopServer, page: Page) -> None:
    seed = _seed_where(
        lambda plan: (
            len(plan.overlays_on(1)) >= 2
            and len({o.heading for o in plan.overlays_on(1)}) == len(plan.overlays_on(1))
            and plan.failure_get > 1
        )
    )
    plan = shop.set_chaos(seed)
    assert plan is not None
    page.goto(shop.region_url("us"))
    overlays = plan.overlays_on(1)
    dialogs = [page.get_by_role("dialog", name=overlay.heading) for overlay in overlays]
    for dialog in dialogs:
        expect(dialog).to_be_visible(timeout=MAX_OVERLAY_DELAY_MS + 5_000)
    # The later a dialog was added, the higher it sits: close from the top down.
    for overlay, dialog in reversed(list(zip(overlays, dialogs, strict=True))):
        dialog.get_by_role("button", name=overlay.button, exact=True).click()
        expect(dialog).to_have_count(0)


def test_the_control_api_turns_chaos_on_reports_it_and_reset_turns_it_off(
    shop: ShopServer, client: Client
) -> None:
    answer = client.request(
        "POST", "/__control/chaos", body=b'{"seed": 5}', content_type="application/json"
    )
    assert answer.status == 200
    assert json.loads(answer.body)["chaos"]["description"] == ChaosPlan.from_seed(5).describe()
    report = json.loads(client.get("/__control/chaos").body)
    assert report["seed"] == 5 and report["events"] == []
    bad = client.request(
        "POST", "/__control/chaos", body=b'{"seed": "five"}', content_type="application/json"
    )
    assert bad.status == 400
    shop.reset()
    assert json.loads(client.get("/__control/chaos").body) is None


def test_hydration_is_applied_exactly_when_the_shop_has_the_variant() -> None:
    plan = ChaosPlan.from_seed(11)
    served = ChaosState(plan).region(US)
    has_field = any(item.name == "hydration_ms" for item in fields(Region))
    assert hydration_supported() is has_field
    if has_field:
        assert served.hydration_ms == plan.hydration_ms  # type: ignore[attr-defined]
        assert served.link_delay_ms == plan.link_delay_ms
    else:
        assert served is US
        assert "(unused)" in plan.describe()
