"""The archive's tamper-evident audit journal: who did what to which record, and when."""
