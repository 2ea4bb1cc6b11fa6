"""Closing into the archive through a real Celery worker on a real Redis: a returned dossier
and a published legal document get a stored AIP that commons-ip2 finds VALID."""
import tempfile
import time
from datetime import date

import pytest
import transaction
from archive.preservation import closing
from archive.preservation import store
from helpers import AGENCY
from helpers import RestTestCase
from judge import validate
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.namedfile.file import NamedBlobFile
from plone.app.testing import SITE_OWNER_PASSWORD
from preservation_builders import make_dossier
from preservation_builders import make_legal_document
from preservation_builders import publish


def return_result(portal, dossier):
    """Take a dossier to 'returned': processing, an issued result, approval, hand-over."""
    workflow = api.portal.get_tool("portal_workflow")

    def fire(user, obj, transition):
        with api.env.adopt_user(username=user):
            workflow.doActionFor(obj, transition)

    fire("reception", dossier, "start_processing")
    with api.env.adopt_user(username="specialist"):
        result = api.content.create(
            container=portal.results[AGENCY], type="Result", id="kq-1", number_notation="12/GP-SXD",
            result_type="Giấy phép xây dựng", signer="Lê Văn Lãnh", issue_date=date(2026, 5, 10),
            dossier_code=dossier.dossier_code,
            file=NamedBlobFile(b"%PDF-1.4\ngiay phep", filename="giay-phep.pdf", contentType="application/pdf"))
    fire("leader", dossier, "finish")
    fire("leader", result, "sign")
    fire("reception", result, "issue")
    fire("reception", dossier, "return_result")
    return api.content.get_state(dossier)


class TestClosingThroughTheWorker(RestTestCase):

    @pytest.fixture(autouse=True)
    def services(self, redis_server):
        self.redis = redis_server

    def test_returned_dossier_and_published_document_are_closed_by_the_worker(self):
        import test_search_sync  # its Worker: a celery worker -B process

        dossier = make_dossier(self.portal, files=2)
        doc = make_legal_document(self.portal)
        transaction.commit()
        self.assertEqual(closing.pending(self.portal), 0)
        self.assertEqual(return_result(self.portal, dossier), "returned")
        publish(self.portal, doc)
        transaction.commit()
        self.assertEqual(closing.pending(self.portal), 2)
        self.assertEqual(store.packages_of(dossier.UID()), [])  # nothing built in the request

        worker = test_search_sync.Worker({
            "ARCHIVE_BROKER_URL": self.redis.url, "ARCHIVE_SITE_URL": self.url,
            "ARCHIVE_SERVICE_AUTH": f"{SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}",
            "ARCHIVE_CLOSE_EVERY": "1", "ARCHIVE_DRAIN_EVERY": "3600", "ARCHIVE_SEAL_EVERY": "3600",
            "ARCHIVE_EFFECT_EVERY": "3600", "ARCHIVE_FIXITY_EVERY": "3600",
        })
        worker.start()
        try:
            deadline = time.time() + 180
            while time.time() < deadline:
                transaction.begin()
                if closing.pending(self.portal) == 0 and store.packages_of(doc.UID()):
                    break
                time.sleep(1)
            transaction.begin()
            self.assertEqual(closing.pending(self.portal), 0, worker.log())
        finally:
            worker.close()
        for item in (dossier, doc):
            records = store.packages_of(item.UID())
            self.assertEqual(len(records), 1)
            record = records[0]
            self.assertEqual(record.state, store.STORED)
            if item is dossier:  # the result issued for the dossier is packaged with it
                self.assertIn("representations/rep1/data/giay-phep.pdf", [f["path"] for f in record.entries])
            with record.blob.open("r") as stream, tempfile.NamedTemporaryFile(suffix=".zip") as copy:
                copy.write(stream.read())
                copy.flush()
                verdict = validate(copy.name)
            self.assertTrue(verdict.valid, verdict)
        answer = self.call("GET", f"{dossier.absolute_url()}/@archival-package", user="archivist").json()
        self.assertEqual(answer["items"][0]["objid"], store.packages_of(dossier.UID())[0].objid)
