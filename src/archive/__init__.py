"""The electronic archive of a provincial public administration service centre."""
