"""Mapping of dossier workflow states to the National Public Service Portal status codes."""

# Codes from the national portal's synchronisation table (see the domain reference).
DOSSIER_STATE_CODES = {
    "registered": 1,
    "received": 2,
    "refused": 3,
    "processing": 4,
    "supplement_requested": 5,
    "payment_requested": 6,
    "withdrawn": 7,
    "stopped": 8,
    "finished": 9,
    "returned": 10,
}


def portal_status_code(review_state):
    return DOSSIER_STATE_CODES.get(review_state)
