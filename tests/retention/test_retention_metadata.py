"""Archival metadata: derived from the procedure and the content, stored values win, and
the completeness report names what is still empty."""
from datetime import date

from archive.retention.metadata import archival_metadata
from archive.retention.metadata import document_codes
from archive.retention.metadata import missing
from helpers import AGENCY
from helpers import PROCEDURE
from helpers import ProvinceTestCase
from plone import api
from retention_helpers import at
from retention_helpers import closed_dossier


class TestDerivation(ProvinceTestCase):
    def test_a_closed_dossier_is_described_from_its_procedure_and_its_files(self):
        api.portal.set_registry_record("archive.retention.procedure_schedule", {PROCEDURE: "20"})
        dossier = closed_dossier(self.portal, components=3, closed_on=at(2026, 1, 3))
        metadata = archival_metadata(dossier)
        self.assertEqual(metadata["retention"], 20)
        self.assertEqual(metadata["end_date"], date(2026, 1, 3))
        self.assertEqual(metadata["start_date"], dossier.received.date())
        self.assertEqual(metadata["file_code"], f"{AGENCY}.{dossier.received.year}.{dossier.dossier_code}")
        self.assertEqual(metadata["title"], dossier.title)
        self.assertEqual(metadata["documents"], 3)
        self.assertEqual(metadata["pages"], 3)
        self.assertEqual(metadata["confidence"], "born_digital")
        self.assertEqual(metadata["access_level"], "conditional")
        self.assertEqual(metadata["language"], "vi")
        self.assertEqual(metadata["keywords"], ["Xây dựng", "Cấp giấy phép xây dựng"])
        self.assertEqual(missing(dossier), [])
        codes = document_codes(dossier)
        self.assertEqual([item["code"] for item in codes],
                         [f"{metadata['file_code']}.{n:07d}" for n in (1, 2, 3)])

    def test_unlisted_procedure_takes_the_default_and_stored_values_win(self):
        dossier = closed_dossier(self.portal, components=1)
        self.assertEqual(archival_metadata(dossier)["retention"], 10)
        dossier.archival_retention = "permanent"
        dossier.archival_file_code = "H41.2026.0001"
        metadata = archival_metadata(dossier)
        self.assertEqual(metadata["retention"], "permanent")
        self.assertEqual(metadata["file_code"], "H41.2026.0001")

    def test_a_digitised_file_needs_its_paper_code_and_an_open_one_its_end_date(self):
        dossier = closed_dossier(self.portal, components=2, digitised=True)
        self.assertEqual(archival_metadata(dossier)["confidence"], "digitised")
        self.assertEqual(missing(dossier), ["paper_code"])
        dossier.archival_paper_code = "HS-GIAY-0042"
        self.assertEqual(missing(dossier), [])
        with api.env.adopt_roles(["Manager"]):
            from archive.content.intake import receive_dossier
            from helpers import dossier_fields
            open_one = receive_dossier(self.portal.dossiers[AGENCY], **dossier_fields())
        self.assertEqual(missing(open_one), ["end_date"])


class TestRetentionDemoData(ProvinceTestCase):
    def test_a_disposal_list_in_each_state_and_an_item_under_hold(self):
        from archive.retention.demo import create_retention_demo
        from archive.retention.interfaces import IHeld

        dossiers = [closed_dossier(self.portal) for n in range(5)]
        create_retention_demo(self.portal)
        lists = self.portal.disposal.objectValues()
        self.assertEqual({api.content.get_state(obj) for obj in lists},
                         {"prepared", "appraised", "approved", "executed", "rejected"})
        executed = [obj for obj in lists if api.content.get_state(obj) == "executed"][0]
        self.assertEqual(len(executed.destruction_record["destroyed"]), 1)
        self.assertEqual([obj for obj in dossiers if IHeld.providedBy(obj)], [dossiers[4]])
        catalog = api.portal.get_tool("portal_catalog")
        self.assertEqual(len(catalog(portal_type="Dossier")), 5)  # one made for destruction, destroyed
        self.assertEqual(len(catalog(disposal_date={"query": date.today(), "range": "max"})), 5)


class TestScheduleChange(ProvinceTestCase):
    def test_a_new_period_in_the_schedule_moves_the_indexed_disposal_date(self):
        dossier = closed_dossier(self.portal, closed_on=at(2026, 1, 3))
        catalog = api.portal.get_tool("portal_catalog")
        self.assertEqual([b.UID for b in catalog(disposal_date=date(2037, 1, 1))], [dossier.UID()])
        api.portal.set_registry_record("archive.retention.procedure_schedule", {PROCEDURE: "20"})
        self.assertEqual([b.UID for b in catalog(disposal_date=date(2047, 1, 1))], [dossier.UID()])
        api.portal.set_registry_record("archive.retention.procedure_schedule", {PROCEDURE: "permanent"})
        self.assertEqual(len(catalog(disposal_date={"query": date(2100, 1, 1), "range": "max"})), 0)
        self.assertEqual([b.UID for b in catalog(archival_retention="permanent")], [dossier.UID()])
