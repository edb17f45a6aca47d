"""Credentials are typed only into the configured shop's own origin.

Each case is a small site of our own: the "shop" on one loopback origin whose
sign-in form is really served by another origin (``localhost`` on another
port), reached by a link, by a redirect, or shown in an iframe. The agent must
stop with "a person has to step in" before typing anything, and the other
origin must never receive the e-mail or the password.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.agent_cli import AgentCLI, Page, StaticSite, html

EXIT_NEEDS_HUMAN = 3
PASSWORD = "origin-canary-Pa55word"
EMAIL = "jane@example.com"

SIGN_IN_FORM = html(
    "Sign in",
    '<main><h1>Sign in</h1><form method="post" action="/login">'
    '<p><label for="email">Email Address</label><input id="email" name="email" type="email"></p>'
    '<p><label for="password">Password</label>'
    '<input id="password" name="password" type="password"></p>'
    '<button type="submit">Sign In</button></form></main>',
)


def _home(sign_in_href: str) -> Page:
    return Page(html("Maison Evil", f'<header><a href="{sign_in_href}">Sign In</a></header>'))


ShopPages = Callable[[StaticSite], dict[str, Page]]

CASES: dict[str, ShopPages] = {
    "link to another origin": lambda other: {"/": _home(other.url("/login"))},
    "redirect to another origin": lambda other: {
        "/": _home("/account/login"),
        "/account/login": Page("", status=302, headers={"Location": other.url("/login")}),
    },
    "form in a cross-origin iframe": lambda other: {
        "/": _home("/account/login"),
        "/account/login": Page(
            html(
                "Sign in",
                f'<main><h1>Welcome back</h1><iframe title="Sign in" src="{other.url("/login")}"'
                ' width="600" height="400"></iframe></main>',
            )
        ),
    },
}


@pytest.fixture
def other_origin() -> Iterator[StaticSite]:
    """The origin that serves the sign-in form: ``localhost``, not ``127.0.0.1``, another port."""
    with StaticSite({"/login": Page(SIGN_IN_FORM)}, host="localhost") as site:
        yield site


@pytest.mark.parametrize("case", CASES)
def test_sign_in_form_on_another_origin_gets_nothing(
    agent: AgentCLI, other_origin: StaticSite, case: str
) -> None:
    with StaticSite(CASES[case](other_origin)) as shop_site:
        run = agent.run("status", "70001", "--json", site_url=shop_site.url("/"), password=PASSWORD)
    assert run.code == EXIT_NEEDS_HUMAN, run.explain()
    assert run.said[0] == (
        f"the sign-in form is served by {other_origin.origin}, not by the shop's own site: "
        "nothing was typed"
    )
    assert run.json["error"] == "UnsafeSignIn"
    assert ("GET", "/login") in [(r.method, r.path) for r in other_origin.received]  # it was shown
    assert [r for r in other_origin.received if r.method != "GET"] == []
    everything_sent = [r.path.encode() + r.body for r in other_origin.received + shop_site.received]
    for sent in everything_sent:
        assert PASSWORD.encode() not in sent and b"jane" not in sent, sent
