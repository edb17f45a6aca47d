"""Screenshots (proof of an action, evidence for a person) never show a password or a code."""

from __future__ import annotations

import base64
from pathlib import Path
from types import SimpleNamespace

from playwright.sync_api import Page

from agent.receipts import ProofStore
from agent.shop_session import ShopSession
from flows.vocabulary import DEFAULT_VOCABULARY
from ordercore.models import Order, OrderStatus

MASK = [255, 0, 255]  # Playwright's default mask colour

# Draws a PNG on a canvas and answers the colour at each point.
_COLOURS_AT = """async ([png, points]) => {
  const picture = new Image();
  picture.src = "data:image/png;base64," + png;
  await picture.decode();
  const canvas = document.createElement("canvas");
  canvas.width = picture.width;
  canvas.height = picture.height;
  const drawing = canvas.getContext("2d");
  drawing.drawImage(picture, 0, 0);
  return points.map(([x, y]) => Array.from(drawing.getImageData(x, y, 1, 1).data.slice(0, 3)));
}"""


def _centre(page: Page, label: str) -> list[int]:
    box = page.get_by_label(label).bounding_box()
    assert box is not None
    return [round(box["x"] + box["width"] / 2), round(box["y"] + box["height"] / 2)]


def test_runner_screenshots_mask_password_and_code_fields(page: Page, tmp_path: Path) -> None:
    page.set_content(
        "<style>input { display: block; width: 300px; height: 40px; margin: 20px;"
        " background: white; font-size: 24px; }</style>"
        '<label>Password <input type="password"></label>'
        '<label>Verification Code <input autocomplete="one-time-code"></label>'
        "<label>Name <input></label>"
    )
    page.get_by_label("Password").fill("hunter2-shown-as-dots")
    page.get_by_label("Verification Code").fill("493817")
    page.get_by_label("Name").fill("Jane Shopper")
    points = [_centre(page, label) for label in ("Password", "Verification Code", "Name")]

    # The shop session's own method, on a real page: only what it uses is given.
    shop = SimpleNamespace(browser=SimpleNamespace(page=page), proofs=ProofStore(tmp_path))
    order = Order(number="MK-70011", status=OrderStatus.UNKNOWN, raw_status="On Hold")
    shot = ShopSession.screenshot(shop, order, "evidence")  # type: ignore[arg-type]
    assert shot is not None

    png = base64.b64encode(shot.read_bytes()).decode()
    password, code, name = page.evaluate(_COLOURS_AT, [png, points])
    assert password == MASK
    assert code == MASK
    assert name != MASK  # the rest of the page stays readable


def test_flow_screenshots_mask_password_and_code_fields(page: Page, tmp_path: Path) -> None:
    """The pictures the flows take themselves (the filled form just before it is submitted,
    a dry run's form) mask secrets too, whatever page they are taken on: a canary password
    typed into the page never reaches the picture."""
    from flows.browsing import Browsing

    page.set_content(
        "<style>input, textarea { display: block; width: 300px; height: 40px; margin: 20px;"
        " background: white; font-size: 24px; }</style>"
        "<label>Order Number <input></label>"
        '<label>Password <input type="password"></label>'
        '<label>Verification Code <input autocomplete="one-time-code"></label>'
        "<label>Message <textarea></textarea></label>"
    )
    page.get_by_label("Order Number").fill("MK-70001")
    page.get_by_label("Password").fill("canary-hunter2-password")
    page.get_by_label("Verification Code").fill("493817")
    page.get_by_label("Message").fill("Hello, please cancel my order MK-70001")
    labels = ("Password", "Verification Code", "Order Number", "Message")
    points = [_centre(page, label) for label in labels]

    shot = tmp_path / "cancellation-form.png"
    Browsing(page, "http://127.0.0.1/", DEFAULT_VOCABULARY).screenshot(page, shot)

    assert shot.stat().st_mode & 0o777 == 0o600
    png = base64.b64encode(shot.read_bytes()).decode()
    password, code, order, message = page.evaluate(_COLOURS_AT, [png, points])
    assert password == MASK
    assert code == MASK
    assert order != MASK and message != MASK  # what was sent stays readable
    assert b"canary-hunter2-password" not in shot.read_bytes()
