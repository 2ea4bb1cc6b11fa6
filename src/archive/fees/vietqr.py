"""VietQR: the NAPAS bank-transfer QR payload in the EMVCo merchant-presented format.

Fields (ID, length, value): 00 payload format "01"; 01 "12" (dynamic: one amount, one
purpose); 38 NAPAS's account information (00 its GUID A000000727, 01 the beneficiary's bank
BIN and account, 02 the service code QRIBFTTA for a transfer to an account); 53 the currency
704 (VND); 54 the amount; 58 the country VN; 62/08 the purpose of the transfer; 63 the
CRC-16/CCITT-FALSE of everything before it, "6304" included, in four upper-case hex digits.
"""

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"


def _tlv(tag, value):
    value = str(value)
    if len(value) > 99:
        raise ValueError(f"{tag}: value longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def crc16(data):
    """CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF), as EMVCo prescribes."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def payload(bin_code, account, amount, purpose):
    """The QR text asking to transfer `amount` VND to `account` at the bank `bin_code` for `purpose`."""
    if not (str(bin_code).isdigit() and len(str(bin_code)) == 6):
        raise ValueError("bin: a bank BIN has six digits")
    if not str(account).isalnum():
        raise ValueError("account: letters and digits only")
    if int(amount) <= 0:
        raise ValueError("amount: must be positive")
    # The purpose is printed text for the bank: ASCII without accents keeps every bank's app happy.
    purpose = "".join(c for c in str(purpose) if c.isascii() and (c.isalnum() or c in " .-/"))[:50]
    beneficiary = _tlv("00", bin_code) + _tlv("01", account)
    merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TO_ACCOUNT)
    body = (_tlv("00", "01") + _tlv("01", "12") + _tlv("38", merchant) + _tlv("53", "704")
            + _tlv("54", int(amount)) + _tlv("58", "VN") + _tlv("62", _tlv("08", purpose)) + "6304")
    return body + f"{crc16(body):04X}"


def parse(text):
    """{tag: value} of the top level of a payload (nested templates stay as text)."""
    fields, position = {}, 0
    while position < len(text):
        tag, length = text[position:position + 2], int(text[position + 2:position + 4])
        fields[tag] = text[position + 4:position + 4 + length]
        position += 4 + length
    return fields
