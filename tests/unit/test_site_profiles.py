"""Site profiles: found by host or ORDER_AGENT_PROFILE, validated, turned into words."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.cli import main
from agent.site_profiles import (
    NO_PROFILE,
    PHRASE_KEYS,
    built_in_names,
    candidate_paths,
    find_profile,
    parse_profile,
    profiles_dir,
)
from flows.vocabulary import DEFAULT_VOCABULARY
from ordercore.errors import ConfigError
from ordercore.models import OrderStatus

FULL = """\
name = "Example Shop"
region = "US"

[phrases]
sign_in_entry = ["Hello, sign in", "Account & Lists"]
order_list_links = ["Your Orders"]

[status]
"With the warehouse" = "processing"
"Awaiting fulfillment" = "processing"
"On its way" = "shipped"

[paths]
sign_in = "/ap/signin"
orders = "your-orders"

[phones]
US = "1-888-280-4331"
UK = "0800 279 7234"
"""


def test_a_profile_adds_words_and_never_removes_the_contracts() -> None:
    profile = parse_profile(FULL, "example.toml")
    words = profile.vocabulary()
    assert words.sign_in_entry[: len(DEFAULT_VOCABULARY.sign_in_entry)] == (
        DEFAULT_VOCABULARY.sign_in_entry
    )
    assert "Hello, sign in" in words.sign_in_entry
    assert "Your Orders" in words.order_list_links
    assert words.contact_links == DEFAULT_VOCABULARY.contact_links
    assert words.status_of("With the warehouse") is OrderStatus.PROCESSING
    assert words.status_of("On its way") is OrderStatus.SHIPPED
    assert words.status_of("Delivered") is OrderStatus.DELIVERED
    assert DEFAULT_VOCABULARY.status_of("With the warehouse") is OrderStatus.UNKNOWN


def test_paths_start_from_the_origin_or_from_the_site_url() -> None:
    profile = parse_profile(FULL, "example.toml")
    assert profile.start_urls("https://shop.example/us/") == {
        "sign_in": "https://shop.example/ap/signin",
        "order_list": "https://shop.example/us/your-orders",
    }


def test_the_phone_is_the_profiles_regions() -> None:
    assert parse_profile(FULL, "x").phone == "1-888-280-4331"
    assert parse_profile(FULL.replace('region = "US"', 'region = "uk"'), "x").phone == (
        "0800 279 7234"
    )
    assert parse_profile("", "x").phone is None


@pytest.mark.parametrize("name", ["maison-kora-us", "maison-kora-uk"])
def test_built_in_profiles_are_valid_and_say_something(name: str) -> None:
    profile = find_profile("http://127.0.0.1:8000/us/", name)
    assert profile.source == f"built-in profile {name}"
    assert profile.phone
    assert set(profile.start_urls("http://127.0.0.1:8000/x/")) == {
        "sign_in",
        "order_list",
        "contact",
        "support_requests",
    }
    assert all(word.status_of(raw) is status for word in [profile.vocabulary()]
               for raw, status in profile.status.items())  # fmt: skip


def test_built_in_profiles_have_the_stores_phones() -> None:
    assert built_in_names() == ["maison-kora-st", "maison-kora-uk", "maison-kora-us"]
    assert find_profile(None, "maison-kora-st").phone == "1-800-555-0177"
    assert find_profile(None, "maison-kora-us").phone == "1-800-555-0199"
    assert find_profile(None, "maison-kora-uk").phone == "0800 555 0144"


def test_a_profile_is_found_by_the_shops_host(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "shop.example.toml").write_text(FULL, encoding="utf-8")
    found = find_profile("https://www.shop.example/account", None, folder)
    assert found.name == "Example Shop"
    assert candidate_paths("https://www.shop.example/", folder) == [
        folder / "www.shop.example.toml",
        folder / "shop.example.toml",
    ]
    assert find_profile("https://other.example/", None, folder) is NO_PROFILE


def test_the_user_config_dir_holds_profiles(tmp_path: Path) -> None:
    # tests/conftest.py points XDG_CONFIG_HOME at tmp_path / "config".
    assert profiles_dir() == tmp_path / "config" / "order-agent" / "profiles"
    profiles_dir().mkdir(parents=True)
    (profiles_dir() / "127.0.0.1.toml").write_text(FULL, encoding="utf-8")
    assert find_profile("http://127.0.0.1:8000/us/", None).source.endswith("127.0.0.1.toml")


def test_order_agent_profile_wins_over_the_host(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('name = "Mine"\n', encoding="utf-8")
    assert find_profile("https://shop.example/", str(path)).name == "Mine"
    with pytest.raises(ConfigError, match="neither a file nor a built-in profile"):
        find_profile("https://shop.example/", str(tmp_path / "missing.toml"))


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ('[phrases]\nsign_in_entyr = ["x"]\n', 2,
         "[phrases] sign_in_entyr: unknown step; did you mean sign_in_entry?"),
        ('name = "x"\n\n[status]\n"Being processed" = "procesing"\n', 4,
         "[status] \"Being processed\": 'procesing' is not a status; did you mean processing?"),
        ('[paths]\norders = "https://elsewhere.example/orders"\n', 2,
         "[paths] orders: 'https://elsewhere.example/orders' is not a path on the shop's own site"),
        ('[paths]\nlogin = "/login"\n', 2, "[paths] login: unknown step (one of sign_in, orders"),
        ('[phrases]\ncontact_links = "Help"\n', 2,
         '[phrases] contact_links: must be a list of phrases, e.g. ["Hello, sign in"]'),
        ('[phrases]\ncontact_links = []\n', 2,
         "[phrases] contact_links: must hold at least one phrase"),
        ('[phrases]\ncontact_links = ["Help", 3]\n', 2,
         "[phrases] contact_links: must be text in quotes"),
        ('[phones]\nUS = "call us"\n', 2, "[phones] US: 'call us' is not a phone number"),
        ('title = "x"\n', 1, "title: unknown setting (known: name, region, phrases"),
        ('[phrases\nsign_in_entry = ["x"]\n', 1, "not valid TOML"),
        ('phrases = "x"\n', 1, "[phrases]: must be a table"),
        ('[phrases]\norder_link_formats = ["  "]\n', 2, "a phrase cannot be empty"),
    ],
)  # fmt: skip
def test_a_bad_profile_says_file_line_and_what(text: str, line: int, says: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_profile(text, "/home/jane/.config/order-agent/profiles/shop.toml")
    message = str(raised.value)
    assert message.startswith(
        f"profile /home/jane/.config/order-agent/profiles/shop.toml, line {line}: "
    )
    assert says in message
    assert "\n" not in message
    assert raised.value.exit_code == 2


def test_every_phrase_key_is_a_word_list() -> None:
    assert "sign_in_entry" in PHRASE_KEYS
    assert "status_words" not in PHRASE_KEYS
    assert "confirmation_pattern" not in PHRASE_KEYS
    for key in PHRASE_KEYS:
        parse_profile(f'[phrases]\n{key} = ["Extra words"]\n', "x")


def test_a_bad_profile_stops_the_command_with_exit_2_before_any_browser(
    shop_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    path = tmp_path / "bad.toml"
    path.write_text('[status]\n"Being processed" = "maybe"\n', encoding="utf-8")
    monkeypatch.setenv("ORDER_AGENT_PROFILE", str(path))

    def no_browser(*args: object) -> None:
        raise AssertionError("the browser must not start")

    monkeypatch.setattr("agent.runner.run", no_browser)
    assert main(["status", "70001"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"order-agent: profile {path}, line 2: [status] \"Being processed\": 'maybe' is not a "
        "status (one of processing, shipped, delivered, cancelled, return_started, returned, "
        "refunded)"
    ]
