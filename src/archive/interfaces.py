"""Marker interfaces of the archive add-on."""
from zope.publisher.interfaces.browser import IDefaultBrowserLayer


class IArchiveLayer(IDefaultBrowserLayer):
    """Requests to a site with the archive installed (registered by profiles/default/browserlayer.xml)."""
