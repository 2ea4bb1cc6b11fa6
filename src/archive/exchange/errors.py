"""Error types shared by the edXML exchange modules (one reason code per refusal cause)."""

# Reason codes are part of the public contract: callers log them, the axis maps
# them to its numeric error codes, and the CLI prints them.
TAMPERED = "tampered"
UNKNOWN_CERTIFICATE = "unknown_certificate"
EXPIRED_CERTIFICATE = "expired_certificate"
SENDER_MISMATCH = "sender_mismatch"
WRAPPING = "wrapping"
MALFORMED = "malformed"
DTD_FORBIDDEN = "dtd_forbidden"
TOO_LARGE = "too_large"
BAD_BASE64 = "bad_base64"
WEAK_ALGORITHM = "weak_algorithm"

REASON_CODES = frozenset(
    {
        TAMPERED,
        UNKNOWN_CERTIFICATE,
        EXPIRED_CERTIFICATE,
        SENDER_MISMATCH,
        WRAPPING,
        MALFORMED,
        DTD_FORBIDDEN,
        TOO_LARGE,
        BAD_BASE64,
        WEAK_ALGORITHM,
    }
)


class ExchangeError(Exception):
    """Base class: carries a machine-readable reason code and, when known, the element at fault."""

    reason_code = MALFORMED

    def __init__(self, message, *, reason_code=None, element=None):
        super().__init__(message)
        if reason_code is not None:
            self.reason_code = reason_code
        self.message = message
        self.element = element

    def __str__(self):
        return self.message


class RefusedMessage(ExchangeError):
    """An incoming message was refused; `reason_code` says why (see REASON_CODES)."""

    def __init__(self, reason_code, message, *, element=None):
        if reason_code not in REASON_CODES:
            raise ValueError(f"unknown reason code {reason_code!r}")
        super().__init__(message, reason_code=reason_code, element=element)

    def __repr__(self):
        return f"RefusedMessage({self.reason_code!r}, {self.message!r})"
