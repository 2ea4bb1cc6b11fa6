"""Test layers: a Plone site with the archive installed, served over real HTTP for REST tests."""
from plone.app.testing import applyProfile
from plone.app.testing import FunctionalTesting
from plone.app.testing import IntegrationTesting
from plone.app.testing import PLONE_FIXTURE
from plone.app.testing import PloneSandboxLayer
from plone.testing import zope as zope_testing


class ArchiveLayer(PloneSandboxLayer):
    defaultBases = (PLONE_FIXTURE,)

    def setUpZope(self, app, configurationContext):
        import plone.app.contenttypes
        import plone.restapi

        import archive

        self.loadZCML(package=plone.app.contenttypes)
        self.loadZCML(package=plone.restapi)
        self.loadZCML(package=archive)

    def setUpPloneSite(self, portal):
        applyProfile(portal, "plone.app.contenttypes:default")
        applyProfile(portal, "archive:default")


class ArchiveDemoLayer(PloneSandboxLayer):

    def setUpPloneSite(self, portal):
        applyProfile(portal, "archive:demo")


ARCHIVE_FIXTURE = ArchiveLayer()
ARCHIVE_DEMO_FIXTURE = ArchiveDemoLayer(bases=(ARCHIVE_FIXTURE,), name="ArchiveDemoFixture")
ARCHIVE_INTEGRATION_TESTING = IntegrationTesting(bases=(ARCHIVE_FIXTURE,), name="Archive:Integration")
ARCHIVE_FUNCTIONAL_TESTING = FunctionalTesting(
    bases=(ARCHIVE_FIXTURE, zope_testing.WSGI_SERVER_FIXTURE), name="Archive:Functional"
)
ARCHIVE_DEMO_INTEGRATION_TESTING = IntegrationTesting(bases=(ARCHIVE_DEMO_FIXTURE,), name="ArchiveDemo:Integration")
ARCHIVE_DEMO_FUNCTIONAL_TESTING = FunctionalTesting(
    bases=(ARCHIVE_DEMO_FIXTURE, zope_testing.WSGI_SERVER_FIXTURE), name="ArchiveDemo:Functional"
)
