"""Create the Plone site with the archive (and its demo data) unless it exists, else apply the
archive profile's pending upgrades; set the admin.

Run inside Zope:  zconsole run etc/zope.conf scripts/create_site.py
Environment: ARCHIVE_ADMIN_PASSWORD (required), ARCHIVE_SITE_ID (default Plone),
ARCHIVE_DEMO=0 to create the site without demo data.
"""
import os

import transaction
from AccessControl.SecurityManagement import newSecurityManager
from Products.CMFPlone.factory import addPloneSite
from Testing.makerequest import makerequest
from zope.component.hooks import setSite
from zope.globalrequest import setRequest

app = globals()["app"]  # provided by zconsole
site_id = os.environ.get("ARCHIVE_SITE_ID", "Plone")
with_demo = os.environ.get("ARCHIVE_DEMO", "1") != "0"
password = os.environ["ARCHIVE_ADMIN_PASSWORD"]

app = makerequest(app)
setRequest(app.REQUEST)
users = app.acl_users
if users.getUserById("admin") is None:
    users._doAddUser("admin", password, ["Manager"], [])
elif users.meta_type == "Pluggable Auth Service":  # its _doChangeUser wants Plone's plugin types
    users.users.updateUserPassword("admin", password)
else:
    users._doChangeUser("admin", password, ["Manager"], [])
admin = users.getUserById("admin").__of__(users)
newSecurityManager(None, admin)

if site_id not in app.objectIds():
    # The classic UI: what plone.classicui's "classic" distribution applies, plus the archive.
    extensions = ["plone.app.contenttypes:default", "plone.app.layout:default", "plonetheme.barceloneta:default",
                  "plone.restapi:default", "archive:default"]
    if with_demo:
        extensions.append("archive:demo")
    site = addPloneSite(
        app, site_id, title="Lưu trữ điện tử - Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
        extension_ids=extensions, setup_content=False, default_language="vi",
        portal_timezone="Asia/Ho_Chi_Minh",
    )
    setSite(site)
    print(f"Created site {site_id}" + (" with demo data" if with_demo else ""))
else:
    site = app[site_id]
    setSite(site)
    setup = site.portal_setup
    if setup.listUpgrades("archive:default"):  # data from an older version of the add-on
        setup.upgradeProfile("archive:default")
        version = ".".join(setup.getLastVersionForProfile("archive:default"))
        print(f"Site {site_id} exists: reusing its data, the archive's profile upgraded to {version}")
    else:
        print(f"Site {site_id} exists: reusing its data")
transaction.commit()
