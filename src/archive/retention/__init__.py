"""Retention: archival metadata, retention schedules, disposal lists and legal hold."""
