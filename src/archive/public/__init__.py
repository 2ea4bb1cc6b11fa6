"""What citizens see without an account: the status of their dossier."""
