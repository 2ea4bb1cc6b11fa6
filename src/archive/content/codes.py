"""Pure checks of the identifiers and text the archive accepts: agency, citizen and business
codes, and names free of invisible or control characters."""
import re
import unicodedata

# QĐ 20/2020/QĐ-TTg: dot-separated groups of digits and capital letters, at most 35 characters.
AGENCY_CODE = re.compile(r"^[0-9A-Z]+(\.[0-9A-Z]+)*$")
AGENCY_CODE_MAX = 35
# A citizen identity number has 12 digits; an enterprise code 10 digits, a branch adds -NNN.
CITIZEN_ID = re.compile(r"^[0-9]{12}$")
BUSINESS_CODE = re.compile(r"^[0-9]{10}(-[0-9]{3})?$")
# Procedure codes on the national portal look like 1.001234 or 2.002154.
PROCEDURE_CODE = re.compile(r"^[0-9A-Za-z]+([.\-][0-9A-Za-z]+)*$")
PHONE = re.compile(r"^\+?[0-9 .\-]{8,15}$")


def is_agency_code(value):
    return bool(value) and len(value) <= AGENCY_CODE_MAX and bool(AGENCY_CODE.match(value))


def is_applicant_id(value):
    if not value or not (CITIZEN_ID.match(value) or BUSINESS_CODE.match(value)):
        return False
    # All zeros is the placeholder of a form left blank, never an issued number.
    return value.split("-", 1)[0].strip("0") != ""


def is_procedure_code(value):
    return bool(value) and len(value) <= 50 and bool(PROCEDURE_CODE.match(value))


def is_phone(value):
    return bool(PHONE.match(value or ""))


# Characters that make a name look different from what is stored, or not found by its
# spelling: zero-width characters, bidirectional embeddings, overrides and isolates,
# the byte order mark and soft hyphen, besides the control characters (category Cc).
INVISIBLE = frozenset("\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                      "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff")


def text_fault(value, multiline=False):
    """What is wrong with a text value as typed by an officer, or None.

    Refused: control characters (tab and line breaks only in multi-line text), invisible and
    bidirectional formatting characters, lone surrogates and unassigned or private-use code
    points."""
    for char in value:
        if multiline and char in "\t\r\n":
            continue
        category = unicodedata.category(char)
        if category == "Cc":
            return f"control character U+{ord(char):04X}"
        if category == "Cs":
            return f"lone surrogate U+{ord(char):04X}"
        if char in INVISIBLE or category == "Cf":
            return f"invisible formatting character U+{ord(char):04X}"
        if category in ("Cn", "Co"):
            return f"unassigned or private-use character U+{ord(char):04X}"
    return None


def normalise_text(value):
    """Text in Unicode normal form C (Vietnamese typed on different keyboards compares equal)."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value
