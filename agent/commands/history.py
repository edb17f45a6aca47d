"""``order-agent history [ORDER]``: what was done, when, with which case or return
number and which proof files; ``--json`` for programs, ``--html PATH`` for a page."""

from __future__ import annotations

import json
from pathlib import Path

import click

from agent.commands.base import epilog
from agent.commands.exit_codes import EXIT_INTERRUPTED
from ordercore.errors import EXIT_ERROR, EXIT_OK, EXIT_USAGE

PROG = "order-agent"


@click.command(
    "history",
    help="Show what order-agent did for each order (or ORDER): when, the case or return "
    "number the shop gave, and the proof kept (receipts, screenshots, return labels), "
    "newest first. Reads the ledger and the proof folders in ORDER_AGENT_DATA_DIR; "
    "changes nothing. Exit 0, or 2 when ORDER has no history.",
    epilog=epilog(
        [f"{PROG} history", f"{PROG} history 70001 --json", f"{PROG} history --html history.html"],
        (EXIT_OK, EXIT_USAGE, EXIT_ERROR, EXIT_INTERRUPTED),
        {EXIT_OK: "shown", EXIT_USAGE: "no history for ORDER, or bad arguments"},
    ),
)
@click.argument("order", metavar="[ORDER]", required=False)
@click.option(
    "--json", "json_output", is_flag=True, help="Print one JSON object on stdout (for programs)."
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    metavar="PATH",
    help="Write one self-contained page to PATH: a timeline per order, screenshots inline, "
    "links to receipts and labels.",
)
def command(order: str | None, json_output: bool, html_path: Path | None) -> int:
    from agent.history import history_json, load_history, render_text
    from agent.redaction import register_secrets
    from agent.settings import load_settings

    settings = load_settings(require_credentials=False)
    # Anything secret that ever reached a proof file is masked on the way out.
    register_secrets(settings.secret_values())
    data_dir = settings.data_dir
    histories = load_history(data_dir, order, database_url=settings.database_url_text())
    written: Path | None = None
    if html_path is not None:
        from agent.history_html import render_html, write_page

        written = write_page(html_path, render_html(histories, data_dir, html_path))
    if json_output:
        obj = history_json(histories, data_dir)
        if written is not None:
            obj["html"] = str(written)
        print(json.dumps(obj, ensure_ascii=False, default=str), flush=True)
    elif written is not None:
        print(f"History page written: {written} (open it in a browser)", flush=True)
    else:
        print(render_text(histories, data_dir), flush=True)
    return EXIT_OK
