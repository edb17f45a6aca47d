"""Label bytes, fetched by the agent itself with a size cap and a time limit.

A browser (and Playwright's request API) reads a response whole, however big or
endless it is. While a label link is being clicked, every web request of the
label's tab and of the tabs it opens goes through :class:`LabelTransfer` instead
(the context's other tabs, a batch's other orders, are left alone): the agent fetches
it (with the context's cookies), stops at ``ORDER_AGENT_LABEL_MAX_BYTES`` or
``ORDER_AGENT_LABEL_TIMEOUT_MS``, and hands the browser the answer, which then
downloads, opens or turns into a blob exactly as it would have. Redirects are
handed back to the browser, which follows them (and gives up on a loop).
"""

from __future__ import annotations

import contextlib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Request, Route

from flows.limits import Limits, shown_size

_CHUNK = 64 * 1024
# Headers that belong to one connection, or that the fetch sets itself.
_NOT_FORWARDED = {"host", "connection", "content-length", "accept-encoding", "cookie"}
_NOT_RETURNED = {"connection", "content-length", "transfer-encoding", "content-encoding"}
_FETCHED_TYPES = ("document", "fetch", "xhr", "other")


class LabelRefused(Exception):
    """The label answer went over a limit; the message says which."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the browser follows redirects itself, each through the transfer


_OPENER = urllib.request.build_opener(_NoRedirects())


def fetch_capped(
    url: str,
    limits: Limits,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    deadline: float | None = None,
) -> Answer:
    """``url``'s answer, read up to ``limits.label_max_bytes`` before ``deadline``.

    ``LabelRefused`` past either limit; ``OSError`` when the shop cannot be reached.
    """
    if deadline is None:
        deadline = time.monotonic() + limits.label_timeout_ms / 1000
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    left = max(deadline - time.monotonic(), 0.001)
    try:
        response = _OPENER.open(request, timeout=left)
    except urllib.error.HTTPError as answer:  # 3xx (not followed), 4xx, 5xx: still an answer
        response = answer
    except (urllib.error.URLError, HTTPException, TimeoutError) as exc:
        raise OSError(f"the label could not be fetched ({exc})") from None
    with contextlib.closing(response):
        status = response.status if hasattr(response, "status") else response.code
        returned = {
            name: value
            for name, value in response.headers.items()
            if name.lower() not in _NOT_RETURNED
        }
        announced = response.headers.get("Content-Length")
        if announced and announced.isdigit() and int(announced) > limits.label_max_bytes:
            raise _too_large(int(announced), limits)
        data = bytearray()
        while True:
            if time.monotonic() > deadline:
                seconds = limits.label_timeout_ms / 1000
                raise LabelRefused(
                    f"the return label was still arriving after {seconds:.0f} s "
                    f"({shown_size(len(data))} so far; ORDER_AGENT_LABEL_TIMEOUT_MS)"
                )
            try:
                chunk = response.read(_CHUNK)
            except (TimeoutError, OSError, HTTPException) as exc:
                raise OSError(f"the label transfer broke off ({exc})") from None
            if not chunk:
                break
            data += chunk
            if len(data) > limits.label_max_bytes:
                raise _too_large(None, limits)
    return Answer(status, returned, bytes(data))


def _too_large(size: int | None, limits: Limits) -> LabelRefused:
    said = (
        f"is {shown_size(size)}" if size else f"goes on past {shown_size(limits.label_max_bytes)}"
    )
    return LabelRefused(
        f"the return label {said}, more than the {shown_size(limits.label_max_bytes)} "
        "the agent takes (ORDER_AGENT_LABEL_MAX_BYTES)"
    )


class LabelTransfer:
    """Route handler: fetch the browser's requests with the label limits (see module doc)."""

    def __init__(self, page: Page, limits: Limits) -> None:
        self.context = page.context
        self.pages = [page]  # the label's tab, and the tabs it opens (:meth:`include`)
        self.limits = limits
        self.deadline = time.monotonic() + limits.label_timeout_ms / 1000
        self.refusal: str | None = None

    def include(self, popup: Page) -> None:
        """A tab the label's tab opened: the label may come through it."""
        self.pages.append(popup)

    def _ours(self, request: Request) -> bool:
        try:
            page = request.frame.page
        except PlaywrightError:  # a service worker's request: no page of ours
            return False
        return any(page is mine for mine in self.pages)

    def __enter__(self) -> LabelTransfer:
        self.context.route("**/*", self.handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        with contextlib.suppress(PlaywrightError):
            self.context.unroute("**/*", self.handle)

    def handle(self, route: Route) -> None:
        request = route.request
        try:
            if (
                not request.url.startswith(("http://", "https://"))
                or request.resource_type not in _FETCHED_TYPES
                or not self._ours(request)
            ):
                route.fallback()
                return
            headers = {
                name: value
                for name, value in request.headers.items()
                if name.lower() not in _NOT_FORWARDED
            }
            cookies = self.context.cookies(request.url)
            if cookies:
                headers["Cookie"] = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
            try:
                answer = fetch_capped(
                    request.url,
                    self.limits,
                    method=request.method,
                    headers=headers,
                    body=request.post_data_buffer,
                    deadline=self.deadline,
                )
            except LabelRefused as refused:
                self.refusal = str(refused)
                route.abort("failed")
                return
            except OSError:
                route.abort("connectionfailed")
                return
            route.fulfill(status=answer.status, headers=answer.headers, body=answer.body)
        except PlaywrightError:
            pass  # the page went away meanwhile: nothing is waiting for this answer
