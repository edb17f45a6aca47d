"""The README's usage examples work as written on the demo shop.

Every ```sh block of the README's usage sections that the text before it claims works
"as written" is run, line by line and in order, against the fixture shop (the
environment pointing at it, a fresh data dir): each ``order-agent …`` line must exit
with the code the README gives it, 0 unless the line's comment says ``exit N``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from fixtures.server import ShopServer
from tests.support.people import JANE, PASSWORD

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[2] / "README.md"
USAGE_SECTIONS = ("Using it", "Scheduled mode: keep at an order until it is done")
CLAIM = re.compile(r"\bworks? as written\b")
EXIT_IN_COMMENT = re.compile(r"#.*?\bexit (\d+)\b")
PROCESS_TIMEOUT_S = 110


@dataclass(frozen=True)
class Example:
    line: str  # as the README shows it
    argv: list[str]  # after `order-agent`
    exit_code: int  # what the README says it exits with


def section(text: str, title: str) -> str:
    """The text of the ``## title`` section, up to the next ``## `` heading."""
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def claimed_blocks(text: str) -> list[list[Example]]:
    """The ```sh blocks whose preceding paragraph claims they work as written."""
    blocks: list[list[Example]] = []
    for match in re.finditer(r"```sh\n(.*?)```", text, re.DOTALL):
        before = text[: match.start()].rstrip().rsplit("\n\n", 1)[-1]
        if not CLAIM.search(" ".join(before.split())):
            continue
        examples = []
        for line in match.group(1).splitlines():
            words = shlex.split(line, comments=True)
            if not words or words[0] != "order-agent":
                continue
            code = EXIT_IN_COMMENT.search(line)
            examples.append(Example(line, words[1:], int(code.group(1)) if code else 0))
        blocks.append(examples)
    return blocks


def usage_blocks() -> list[tuple[str, list[Example]]]:
    text = README.read_text(encoding="utf-8")
    found = []
    for title in USAGE_SECTIONS:
        for number, block in enumerate(claimed_blocks(section(text, title)), 1):
            found.append((f"{title.split(':')[0]} #{number}", block))
    return found


BLOCKS = usage_blocks()


def test_the_usage_sections_have_examples_to_run() -> None:
    # Parsing alone: a README rewrite that loses the claim must not silently test nothing.
    assert [name for name, _ in BLOCKS] == ["Using it #1", "Scheduled mode #1"]
    for _, block in BLOCKS:
        assert len(block) >= 4
    assert any(example.exit_code == 0 for _, block in BLOCKS for example in block)


@pytest.mark.long(125)  # six or seven agent processes: 47-202 s at load 8-19
@pytest.mark.parametrize("block", [block for _, block in BLOCKS], ids=[n for n, _ in BLOCKS])
def test_readme_examples_exit_as_documented(
    block: list[Example], shop: ShopServer, tmp_path: Path
) -> None:
    work = tmp_path / "cwd"
    work.mkdir(exist_ok=True)
    (tmp_path / "no-secrets").mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORDER_AGENT_")}
    env.update(
        {
            # What the README tells the reader to set for the demo shop.
            "ORDER_AGENT_SITE_URL": shop.region_url("us"),
            "ORDER_AGENT_EMAIL": JANE,
            "ORDER_AGENT_PASSWORD": PASSWORD,
            "ORDER_AGENT_DATA_DIR": str(tmp_path / "data"),
            "ORDER_AGENT_SECRETS_DIR": str(tmp_path / "no-secrets"),
        }
    )
    for example in block:
        done = subprocess.run(
            [sys.executable, "-m", "agent", *example.argv],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=PROCESS_TIMEOUT_S,
            check=False,
        )
        assert done.returncode == example.exit_code, (
            f"README line {example.line!r} exited {done.returncode}, "
            f"README says {example.exit_code}\n{done.stdout}\n{done.stderr}"
        )
