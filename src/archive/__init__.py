"""The electronic archive of a provincial public administration service centre."""

from archive import patches  # noqa: E402

patches.apply()
