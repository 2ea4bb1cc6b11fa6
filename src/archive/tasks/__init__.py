"""Celery: the app, the tasks workers run, and the Zope-side call that asks for them."""
