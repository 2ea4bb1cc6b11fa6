"""Reports: work queues, dossier lists and centre statistics, answered from catalog indexes."""
