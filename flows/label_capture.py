"""Getting the bytes behind a label link, however the site delivers them.

A label arrives one of three ways: an attachment download, a download made by
script from a blob, or a PDF opened in a new tab (fetched again with the
context's request API, which shares the session cookies). Which one is not
known before the click, so the click is watched for both a download and a
new tab, in short turns. While it is clicked, the bytes themselves are fetched
with the label limits (``flows.label_transfer``): a label of gigabytes, or one
that never ends, is refused with a clear message instead of being read whole.
"""

from __future__ import annotations

import base64
import contextlib
import os
import time
from pathlib import Path

from playwright.sync_api import Download, Locator, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from flows.browsing import Browsing
from flows.label_transfer import LabelRefused, LabelTransfer, fetch_capped
from flows.limits import Limits, shown_size
from flows.limits import current as current_limits
from flows.locating import Deadline, submit_ms
from ordercore.errors import LabelInvalid, TransientError

# Each turn of watching for a download while a new tab may be opening.
_TURN_MS = 250

_FETCH_AS_BASE64 = """async (url) => {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 1) text += String.fromCharCode(bytes[i]);
  return btoa(text);
}"""


def capture_label(browsing: Browsing, page: Page, link: Locator) -> bytes:
    """Click ``link`` on ``page`` and return what it delivers (not yet validated)."""
    downloads: list[Download] = []
    opened: list[Page] = []

    def on_download(download: Download) -> None:
        downloads.append(download)

    limits = current_limits()
    transfer = LabelTransfer(page, limits)

    def on_popup(new_page: Page) -> None:
        opened.append(new_page)
        transfer.include(new_page)
        new_page.on("download", on_download)

    page.on("download", on_download)
    # This page's popups only: a tab the batch's other orders open is theirs (and would
    # be closed below as a spent label tab).
    page.on("popup", on_popup)
    try:
        with transfer:
            for attempt in range(2):
                where = page.url
                try:
                    browsing.click(link, page=page)
                except TransientError:
                    # The transfer stopped the label on purpose: say why, not "failed".
                    if transfer.refusal:
                        raise LabelInvalid(transfer.refusal) from None
                    raise
                _wait_for_label(page, downloads, opened, Deadline(submit_ms() / 2), transfer)
                # A click that changed nothing at all (no file, no tab, same page) was lost,
                # e.g. to a page still settling: clicking a label link again is harmless.
                if downloads or opened or page.url != where or attempt or transfer.refusal:
                    break
    finally:
        page.remove_listener("download", on_download)
        page.remove_listener("popup", on_popup)
    try:
        if transfer.refusal:
            for download in downloads:
                with contextlib.suppress(PlaywrightError):
                    download.cancel()
            raise LabelInvalid(transfer.refusal)
        if downloads:
            return _downloaded(downloads[0], limits)
        if opened:
            return _fetched(opened[0], limits)
    finally:
        for new_page in opened:
            if not new_page.is_closed():
                new_page.close()
    browsing.check_page(page)
    raise LabelInvalid("the label link gave no file")


def _wait_for_label(
    page: Page,
    downloads: list[Download],
    opened: list[Page],
    deadline: Deadline,
    transfer: LabelTransfer,
) -> None:
    """Whichever comes first: a download here, or a new tab (which may itself turn into a
    download, or show the PDF at its own address), or the label refused for its size."""
    while not downloads and not deadline.passed and not transfer.refusal:
        if opened and opened[0].url not in ("", "about:blank"):
            return
        waiting_on = opened[0] if opened else page
        with contextlib.suppress(PlaywrightTimeoutError):
            waiting_on.wait_for_event("download", timeout=min(_TURN_MS, deadline.left_ms()))


def _downloaded(download: Download, limits: Limits) -> bytes:
    failure = download.failure()
    if failure:
        raise LabelInvalid(f"the label download failed ({failure})")
    path = Path(download.path())
    try:
        # A script-made (blob) label never passed the transfer's cap: look before reading.
        size = os.path.getsize(path)
        if size > limits.label_max_bytes:
            raise LabelInvalid(
                f"the return label is {shown_size(size)}, more than the "
                f"{shown_size(limits.label_max_bytes)} the agent takes "
                "(ORDER_AGENT_LABEL_MAX_BYTES)"
            )
        return path.read_bytes()
    finally:
        download.delete()


def _fetched(tab: Page, limits: Limits) -> bytes:
    url = tab.url
    if url.startswith(("blob:", "data:")):
        try:
            return base64.b64decode(tab.evaluate(_FETCH_AS_BASE64, url))
        except PlaywrightError:
            raise LabelInvalid("the label opened in a new tab could not be read") from None
    cookies = tab.context.cookies(url)
    headers = {"Cookie": "; ".join(f"{c['name']}={c['value']}" for c in cookies)}
    try:
        response = fetch_capped(
            url,
            limits,
            headers=headers,
            deadline=time.monotonic() + limits.label_timeout_ms / 1000,
        )
    except LabelRefused as refused:
        raise LabelInvalid(str(refused)) from None
    except OSError:
        raise TransientError("the label could not be fetched") from None
    if response.status >= 500:
        raise TransientError(f"the label address answered a server error ({response.status})")
    if not 200 <= response.status < 300:
        raise LabelInvalid(f"the label address answered {response.status}")
    return response.body
