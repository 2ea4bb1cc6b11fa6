"""Reading the archive's settings: a registry record, or a default outside a site."""
from plone.registry.interfaces import IRegistry
from zope.component import queryUtility


def registry_value(name, default):
    registry = queryUtility(IRegistry)
    if registry is None:
        return default
    value = registry.get(name)
    return default if value is None else value
