"""Set-up shared by the in-Zope benchmarks (bench_intake.py, bench_preservation.py): the archive's
Plone site with one agency and one procedure, built as a Manager on a Zope `app` from zconsole.

benchmarks/run.py puts this folder on PYTHONPATH for `zconsole run`, which runs a script
without its own folder on sys.path."""
from AccessControl.SecurityManagement import newSecurityManager
from plone import api
from Products.CMFPlone.factory import addPloneSite
from Testing.makerequest import makerequest
from zope.component.hooks import setSite
from zope.globalrequest import setRequest

AGENCY, PROCEDURE = "000.00.12.H41", "1.009972"


def make_site(app):
    """The site "bench" (current site from now on), with AGENCY and PROCEDURE; not committed."""
    app = makerequest(app)
    setRequest(app.REQUEST)
    app.acl_users._doAddUser("bench", "bench-password", ["Manager"], [])
    newSecurityManager(None, app.acl_users.getUserById("bench").__of__(app.acl_users))
    site = addPloneSite(app, "bench", extension_ids=["plone.app.contenttypes:default", "archive:default"],
                        setup_content=False, default_language="vi", portal_timezone="Asia/Ho_Chi_Minh")
    setSite(site)
    api.content.create(container=site.agencies, type="Agency", id=AGENCY, title="Sở Xây dựng",
                       agency_code=AGENCY, level="department")
    api.content.create(container=site.procedures, type="Procedure", id=PROCEDURE, procedure_code=PROCEDURE,
                       title="Cấp giấy phép xây dựng", sector="Xây dựng", agency_code=AGENCY,
                       processing_days=20.0, result_type="Giấy phép", online_level="partial")
    return site
