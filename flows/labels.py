"""Return labels: check that the bytes are the PDF we asked for, then keep them safely."""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from flows.limits import current as current_limits
from flows.limits import shown_size
from ordercore.errors import LabelInvalid, StorageError
from ordercore.private_files import write_private

PDF_MAGIC = b"%PDF-"
MAX_LABEL_PAGES = 20  # a label is a page or two; hundreds of pages is not one


def _squeezed(text: str) -> str:
    # PDF text extraction splits words unpredictably ("RA- 123 456"): compare without spaces.
    return re.sub(r"\s+", "", text).casefold()


def pdf_text(data: bytes) -> str:
    """All text of a PDF; ``LabelInvalid`` when the bytes are not a readable PDF."""
    if not data.startswith(PDF_MAGIC):
        raise LabelInvalid("the return label is not a PDF")
    # Imported only when a label is read: a cancellation never pays for pypdf's import.
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PyPdfError

    # pypdf logs warnings about harmless oddities of hand-made PDFs; they are not ours to show.
    previous = logging.getLogger("pypdf").level
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    limits = current_limits()
    try:
        with _pdf_limits(limits.pdf_max_decompressed_bytes):
            reader = PdfReader(io.BytesIO(data))
            if len(reader.pages) > MAX_LABEL_PAGES:
                raise LabelInvalid(
                    f"the return label has {len(reader.pages)} pages: not a label "
                    f"(at most {MAX_LABEL_PAGES})"
                )
            return "\n".join(page.extract_text() or "" for page in reader.pages)
    except LimitReachedError:
        raise LabelInvalid(
            "the return label PDF expands to more than "
            f"{shown_size(limits.pdf_max_decompressed_bytes)} "
            "(ORDER_AGENT_PDF_MAX_DECOMPRESSED_BYTES): not a label"
        ) from None
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise LabelInvalid(f"the return label PDF cannot be read ({type(exc).__name__})") from None
    finally:
        logging.getLogger("pypdf").setLevel(previous)


@contextlib.contextmanager
def _pdf_limits(max_bytes: int) -> Iterator[None]:
    """pypdf's decompression caps set to ``max_bytes`` while a label is read."""
    names = (
        "zlib_maximum_output_length",
        "lzw_maximum_output_length",
        "run_length_maximum_output_length",
        "brotli_maximum_output_length",
        "jbig2_maximum_output_length",
        "array_based_stream_maximum_output_length",
        "maximum_declared_stream_length",
        "image_maximum_buffer_size",
    )
    import pypdf

    current = pypdf.get_configuration()
    caps = {name: max_bytes for name in names if hasattr(current, name)}
    with pypdf.apply_configuration(**caps):
        yield


def validate_label(data: bytes, expect: Sequence[str]) -> None:
    """Raise ``LabelInvalid`` unless ``data`` is a PDF whose text mentions one of ``expect``.

    ``expect`` holds the return number and/or the order number; each is also tried
    without a leading ``#``. An empty ``expect`` only checks that the PDF is readable.
    """
    text = _squeezed(pdf_text(data))
    wanted = [_squeezed(word.strip().lstrip("#")) for word in expect if word.strip().lstrip("#")]
    if wanted and not any(word in text for word in wanted):
        raise LabelInvalid(
            "the return label does not mention " + " or ".join(w.strip() for w in expect)
        )


def save_atomically(data: bytes, dest: Path) -> Path:
    """Write ``data`` to ``dest`` (mode 0600) so that ``dest`` is either whole or absent."""
    try:
        return write_private(Path(dest), data)
    except OSError as exc:
        raise StorageError(f"cannot write the label to {dest}: {exc.strerror}") from None


def keep_label(data: bytes, dest: Path, expect: Sequence[str]) -> Path:
    """Validate, then save: an invalid label leaves nothing at ``dest``."""
    validate_label(data, expect)
    return save_atomically(data, dest)
