"""Size limits of what plone.restapi stores in a field: files, text, and the encodings of files.

plone.restapi's field deserializers, extended for the archive's browser layer:

- a file (`{"data": ..., "encoding": ...}`) larger than `archive.max_file_bytes` is refused
  with 413 naming the field, measured before its data is decoded; only the encodings
  base64, utf-8, latin-1 and ascii are accepted (any other, e.g. a compression codec or an
  unknown name, is a 400 naming the field instead of a 500 or a decompression bomb);
- a text longer than `archive.max_text_chars` (multi-line) or `archive.max_textline_chars`
  (one line, names), or than its entry in `archive.field_char_limits`, is a 400 naming it.
"""
import binascii
import codecs

from plone.dexterity.interfaces import IDexterityContent
from plone.namedfile.interfaces import INamedField
from plone.restapi.deserializer.dxfields import DefaultFieldDeserializer
from plone.restapi.deserializer.dxfields import NamedFieldDeserializer
from plone.restapi.deserializer.dxfields import TextLineFieldDeserializer
from plone.restapi.interfaces import IFieldDeserializer
from zope.component import adapter
from zope.i18n import translate
from zope.interface import implementer
from zope.schema.interfaces import IText
from zope.schema.interfaces import ITextLine

from archive.config import registry_value
from archive.http_security import DEFAULT_MAX_FILE_BYTES
from archive.http_security import RequestEntityTooLarge
from archive.i18n import _
from archive.interfaces import IArchiveLayer

DEFAULT_MAX_TEXT_CHARS = 64 * 1024
DEFAULT_MAX_TEXTLINE_CHARS = 1000
FILE_ENCODINGS = frozenset(("base64", "utf-8", "iso8859-1", "ascii"))  # codecs.lookup() names


def _text(request, msgid, default, **mapping):
    return translate(_(msgid, default=default, mapping=mapping), context=request)


def char_limit(field_name, default_name, default):
    overrides = registry_value("archive.field_char_limits", {}) or {}
    if field_name in overrides:
        return overrides[field_name]
    return registry_value(default_name, default)


class LimitedLength:
    """Mixin: refuse a string longer than the field's limit, naming the field."""

    limit_record = "archive.max_text_chars"
    limit_default = DEFAULT_MAX_TEXT_CHARS

    def check_length(self, value):
        if not isinstance(value, str):
            return
        name = self.field.__name__
        limit = char_limit(name, self.limit_record, self.limit_default)
        if limit and len(value) > limit:
            raise ValueError(_text(
                self.request, "field_too_long",
                "${field}: ${length} characters; at most ${limit} are accepted.",
                field=name, length=len(value), limit=limit))


@implementer(IFieldDeserializer)
@adapter(IText, IDexterityContent, IArchiveLayer)
class LimitedTextFieldDeserializer(LimitedLength, DefaultFieldDeserializer):
    def __call__(self, value):
        self.check_length(value)
        return super().__call__(value)


@implementer(IFieldDeserializer)
@adapter(ITextLine, IDexterityContent, IArchiveLayer)
class LimitedTextLineFieldDeserializer(LimitedLength, TextLineFieldDeserializer):
    limit_record = "archive.max_textline_chars"
    limit_default = DEFAULT_MAX_TEXTLINE_CHARS

    def __call__(self, value):
        self.check_length(value)
        return super().__call__(value)


@implementer(IFieldDeserializer)
@adapter(INamedField, IDexterityContent, IArchiveLayer)
class LimitedNamedFieldDeserializer(NamedFieldDeserializer):
    def __call__(self, value):
        if isinstance(value, dict) and "data" in value:
            if self.check(value) == "base64":
                # Decoded straight from the text (plone.restapi first copies it to bytes):
                # one copy of the upload less in memory. Bad base64 is a ValueError (400).
                value = {key: item for key, item in value.items() if key != "encoding"}
                value["data"] = binascii.a2b_base64(value["data"])
        return super().__call__(value)

    def check(self, value):
        """The codec of a file's data, after checking it and the decoded size."""
        name = self.field.__name__
        data = value.get("data")
        if not isinstance(data, str):
            raise ValueError(_text(self.request, "file_data_not_text",
                                   "${field}: the file's data must be a string.", field=name))
        encoding = value.get("encoding", "utf-8")
        try:
            codec = codecs.lookup(encoding).name if isinstance(encoding, str) else None
        except LookupError:
            codec = None
        if codec not in FILE_ENCODINGS:
            raise ValueError(_text(
                self.request, "file_encoding_unknown",
                "${field}: unknown file encoding ${encoding}; use base64 (or utf-8 for text).",
                field=name, encoding=repr(encoding)))
        # The decoded size, known before decoding: base64 packs 3 bytes in 4 characters.
        size = len(data) * 3 // 4 if codec == "base64" else len(data.encode("utf-8"))
        limit = registry_value("archive.max_file_bytes", DEFAULT_MAX_FILE_BYTES)
        if limit and size > limit:
            raise RequestEntityTooLarge(_text(
                self.request, "file_too_large",
                "${field}: the file has ${size} bytes; at most ${limit} bytes are accepted per file.",
                field=name, size=size, limit=limit))
        return codec
