"""Every SIP and AIP the archive makes is VALID for commons-ip2; damaged packages are not."""
import io
import zipfile

from archive.preservation import store
from archive.preservation.building import build_aip
from archive.preservation.building import sip_bytes
from plone import api

from helpers import ProvinceTestCase
from preservation_builders import make_dossier
from preservation_builders import make_legal_document
from preservation_builders import rewrite_zip
from judge import validate


class TestPackagesAreValid(ProvinceTestCase):

    def judge(self, data, tmp_name):
        path = f"{self.tmp}/{tmp_name}"
        with open(path, "wb") as stream:
            stream.write(data)
        return validate(path)

    def setUp(self):
        super().setUp()
        import tempfile

        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name
        self.addCleanup(self._tmp.cleanup)

    def test_sip_and_aip_of_a_dossier_are_valid_and_damaged_copies_are_not(self):
        dossier = make_dossier(self.portal, files=3)
        data, written, sha256 = sip_bytes(dossier)
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        root = written.objid
        self.assertTrue(all(name.startswith(root + "/") for name in names))
        self.assertIn(f"{root}/METS.xml", names)
        self.assertIn(f"{root}/representations/rep1/METS.xml", names)
        self.assertIn(f"{root}/metadata/preservation/premis.xml", names)
        self.assertEqual(len([n for n in names if "/data/" in n]), 3)
        verdict = self.judge(data, "sip.zip")
        self.assertTrue(verdict.valid, verdict)

        record = build_aip(dossier)
        with record.blob.open("r") as stream:
            aip = stream.read()
        verdict = self.judge(aip, "aip.zip")
        self.assertTrue(verdict.valid, verdict)
        self.assertEqual(record.state, store.STORED)
        self.assertEqual({e["type"] for e in record.events},
                         {"message digest calculation", "validation", "ingestion"})

        data_file = next(n for n in names if n.endswith("thanh-phan-2.pdf"))
        changed = rewrite_zip(data, lambda n, b: (b[:-1] + bytes([b[-1] ^ 1])) if n == data_file else b)
        self.assertEqual(self.judge(changed, "changed.zip").result, "INVALID")
        missing = rewrite_zip(data, lambda n, b: None if n == data_file else b)
        self.assertEqual(self.judge(missing, "missing.zip").result, "INVALID")
        no_objid = rewrite_zip(data, lambda n, b: b.replace(f' OBJID="{root}"'.encode(), b"", 1)
                           if n == f"{root}/METS.xml" else b)
        self.assertNotIn(f'OBJID="{root}"'.encode(), zipfile.ZipFile(io.BytesIO(no_objid)).read(f"{root}/METS.xml"))
        self.assertEqual(self.judge(no_objid, "no-objid.zip").result, "INVALID")

    def test_packages_of_a_legal_document_and_a_dossier_without_files_are_valid(self):
        doc = make_legal_document(self.portal)
        data, _written, _sha = sip_bytes(doc)
        verdict = self.judge(data, "legal-sip.zip")
        self.assertTrue(verdict.valid, verdict)
        record = build_aip(doc)
        with record.blob.open("r") as stream:
            verdict = self.judge(stream.read(), "legal-aip.zip")
        self.assertTrue(verdict.valid, verdict)
        empty = make_dossier(self.portal, files=0)
        verdict = self.judge(sip_bytes(empty)[0], "empty-sip.zip")
        self.assertTrue(verdict.valid, verdict)

    def test_descriptive_metadata_carries_the_vietnamese_fields(self):
        dossier = make_dossier(self.portal, files=1)
        data, written, _sha = sip_bytes(dossier)
        dc = zipfile.ZipFile(io.BytesIO(data)).read(f"{written.objid}/metadata/descriptive/dc.xml").decode()
        self.assertIn(dossier.Title(), dc)
        self.assertIn("<dc:language>vi</dc:language>", dc)
        self.assertIn("vn:confidenceLevel", dc)
        self.assertIn("vn:documentCount>1<", dc)

    def test_delete_packages_removes_an_items_packages(self):
        dossier = make_dossier(self.portal, files=1)
        first, second = build_aip(dossier), build_aip(dossier)
        removed = store.delete_packages(dossier.UID())
        self.assertEqual({r["objid"] for r in removed}, {first.objid, second.objid})
        self.assertEqual(removed[0]["deletion"]["type"], "deletion")
        self.assertEqual(store.packages_of(dossier.UID()), [])
        self.assertIsNone(store.get(first.objid))
        self.assertEqual(store.delete_packages(api.content.get_uuid(dossier)), [])
