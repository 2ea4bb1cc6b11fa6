"""Pure checks of the identifiers the archive accepts: agency, citizen and business codes."""
import re

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
    return bool(value) and bool(CITIZEN_ID.match(value) or BUSINESS_CODE.match(value))


def is_procedure_code(value):
    return bool(value) and len(value) <= 50 and bool(PROCEDURE_CODE.match(value))


def is_phone(value):
    return bool(PHONE.match(value or ""))
