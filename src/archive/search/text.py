"""Text inside stored files (PDF), so full-text search finds what attachments say."""
import logging

from pypdf import PdfReader
from pypdf.errors import PyPdfError

logger = logging.getLogger("archive.search.text")
MAX_PAGES = 200
MAX_CHARS = 200_000


def file_text(named_file):
    """Plain text of a PDF blob, bounded; anything else (or a broken PDF) gives ''."""
    if named_file is None or getattr(named_file, "contentType", "") != "application/pdf":
        return ""
    try:
        with named_file.open() as stream:
            reader = PdfReader(stream)
            parts, size = [], 0
            for page in reader.pages[:MAX_PAGES]:
                text = page.extract_text() or ""
                parts.append(text)
                size += len(text)
                if size >= MAX_CHARS:
                    break
        return " ".join(parts)[:MAX_CHARS]
    except (PyPdfError, ValueError, OSError) as exc:  # a damaged upload must not stop indexing
        logger.warning("No text from %s: %s", getattr(named_file, "filename", "?"), exc)
        return ""
