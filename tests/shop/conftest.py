"""Fixtures for the fixture shop's tests: a visitor per region."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from fixtures.server import ShopServer

from .shop_helpers import Client, Visitor


@pytest.fixture
def us(page: Page, shop: ShopServer) -> Visitor:
    return Visitor(page, shop, "us")


@pytest.fixture
def uk(page: Page, shop: ShopServer) -> Visitor:
    return Visitor(page, shop, "uk")


@pytest.fixture(params=["us", "uk"])
def visitor(request: pytest.FixtureRequest, page: Page, shop: ShopServer) -> Visitor:
    """The same steps in each built-in region."""
    return Visitor(page, shop, request.param)


@pytest.fixture
def client(shop: ShopServer) -> Client:
    return Client(shop.url)
