"""The archive's notion of "now": naive local time of Vietnam (Asia/Ho_Chi_Minh)."""
from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def now():
    return datetime.now(LOCAL_ZONE).replace(tzinfo=None, microsecond=0)


def to_local_naive(value):
    """Datetimes are stored naive in local time; aware values are converted first."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(LOCAL_ZONE).replace(tzinfo=None)
