"""Text inside stored files (PDF), so full-text search finds what attachments say."""
import logging
from collections import OrderedDict

from pypdf import PdfReader
from pypdf.errors import PyPdfError

logger = logging.getLogger("archive.search.text")
MAX_PAGES = 200
MAX_CHARS = 200_000
CACHE_SIZE = 4096
# Reindexing (a workflow change, new permissions) must not parse the same PDFs again:
# text is remembered per process by the file's SHA-256, which the archive keeps anyway.
_cache = OrderedDict()


def cached_file_text(named_file, sha256):
    if not sha256:
        return file_text(named_file)
    text = _cache.get(sha256)
    if text is None:
        text = _cache[sha256] = file_text(named_file)
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(sha256)
    return text


def has_file_text(named_file):
    """Whether ``file_text`` would read this file (a PDF), i.e. open its blob."""
    return named_file is not None and getattr(named_file, "contentType", "") == "application/pdf"


def file_text(named_file):
    """Plain text of a PDF blob, bounded; anything else (or a broken PDF) gives ''."""
    if not has_file_text(named_file):
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
