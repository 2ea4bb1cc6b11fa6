"""The edXML exchange wired into a Plone site: outbox, inbox, history and REST services.

Unlike `archive.exchange` (a plain library), this subpackage imports Plone.
"""
