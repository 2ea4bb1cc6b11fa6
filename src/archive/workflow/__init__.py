from archive.workflow import role_mappings

role_mappings.install()
