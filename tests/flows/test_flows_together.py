"""Jobs interleaved on Playwright's sync API (``flows.together``), in a real Chromium."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from flows.together import Done, Failed, run_together


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    yield context
    context.close()


def blank_pages(context: BrowserContext, count: int) -> list[Page]:
    pages = [context.new_page() for _ in range(count)]
    for page in pages:
        page.set_content("<p>tab</p>")
    return pages


def test_a_job_waiting_in_one_tab_lets_another_tab_go_on(context: BrowserContext) -> None:
    # Run one after the other, the first job would wait out its whole timeout: only
    # the second job sets what the first is waiting for.
    first, second = blank_pages(context, 2)

    def wait_for_go() -> str:
        first.wait_for_function("() => window.go === true", timeout=30_000)
        return "went"

    def say_go() -> str:
        second.evaluate("() => 1")  # a call of its own before it acts
        first.evaluate("() => { window.go = true }")
        return "said"

    assert run_together(context, [wait_for_go, say_go], limit=2) == [Done("went"), Done("said")]


def test_at_most_limit_jobs_are_under_way(context: BrowserContext) -> None:
    pages = blank_pages(context, 6)
    under_way = 0
    peak = 0

    def job(page: Page) -> int:
        nonlocal under_way, peak
        under_way += 1
        peak = max(peak, under_way)
        page.evaluate("() => 1")  # every job parks here while the others start
        page.evaluate("() => 2")
        under_way -= 1
        return pages.index(page)

    outcomes = run_together(context, [lambda p=p: job(p) for p in pages], limit=3)
    assert outcomes == [Done(index) for index in range(6)]
    assert peak == 3


def test_a_failing_job_is_its_own_outcome_and_the_others_finish(context: BrowserContext) -> None:
    good, bad, other = blank_pages(context, 3)

    def broken() -> str:
        bad.evaluate("() => 1")
        raise ValueError("this tab went wrong")

    outcomes = run_together(
        context,
        [
            lambda: good.evaluate("() => 'good'"),
            broken,
            lambda: other.evaluate("() => 'other'"),
        ],
        limit=3,
    )
    assert outcomes[0] == Done("good")
    assert isinstance(outcomes[1], Failed)
    assert str(outcomes[1].error) == "this tab went wrong"
    assert outcomes[2] == Done("other")


def test_each_job_keeps_its_own_context_variables(context: BrowserContext) -> None:
    order = contextvars.ContextVar("order", default="none")
    pages = blank_pages(context, 3)

    def job(page: Page, number: str) -> tuple[str, str]:
        order.set(number)
        page.evaluate("() => 1")  # the other jobs set theirs meanwhile
        return number, order.get()

    numbers = ["70001", "70002", "70003"]
    jobs = [lambda p=p, n=n: job(p, n) for p, n in zip(pages, numbers, strict=True)]
    outcomes = run_together(context, jobs, limit=3)
    assert outcomes == [Done((number, number)) for number in numbers]
    assert order.get() == "none"  # nothing leaked into the caller
