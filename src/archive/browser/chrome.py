"""The site's chrome for officers: the centre's name in place of Plone's logo and footer."""
from plone.app.layout.viewlets.common import LogoViewlet
from plone.app.layout.viewlets.common import ViewletBase
from plone.base.interfaces import ISiteSchema
from plone.registry.interfaces import IRegistry
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from zope.component import getUtility


class CentreName(LogoViewlet):
    """The logo's link, showing the centre's name (the site title) instead of Plone's logo."""

    index = ViewPageTemplateFile("templates/centre_name.pt")


class CentreFooter(ViewletBase):
    """The footer: the centre's name and the site's own links, instead of Plone's colophon portlets."""

    index = ViewPageTemplateFile("templates/centre_footer.pt")

    def update(self):
        super().update()
        settings = getUtility(IRegistry).forInterface(ISiteSchema, prefix="plone", check=False)
        self.centre = settings.site_title
