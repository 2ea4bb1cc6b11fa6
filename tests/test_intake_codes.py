"""Dossier codes over HTTP: the template, the per-agency daily sequence, ids chosen by the
archive (a client id refused), codes that cannot collide whatever the received date, and a
failed intake that does not block the next (issue 13 items 7 and 18)."""
import transaction
from archive.content import clock
from archive.content import sequences
from datetime import timedelta
from plone import api

from helpers import AGENCY
from helpers import RestTestCase
from helpers import dossier_fields


class TestDossierCodes(RestTestCase):
    def intake(self, **overrides):
        return self.call("POST", f"/dossiers/{AGENCY}", "reception", json={"@type": "Dossier", **dossier_fields(**overrides)})

    def test_template_and_per_day_sequence(self):
        today = clock.now()
        first, second = self.intake().json(), self.intake().json()
        prefix = f"{AGENCY}-{today:%y%m%d}-"
        self.assertEqual((first["dossier_code"], second["dossier_code"]), (prefix + "0001", prefix + "0002"))
        self.assertTrue(first["@id"].endswith("/" + prefix + "0001"))
        # Another day has its own sequence; the date is the receipt's, in Vietnam time.
        yesterday = today - timedelta(days=1)
        earlier = self.intake(received=yesterday.replace(hour=9).isoformat() + "+07:00").json()
        self.assertEqual(earlier["dossier_code"], f"{AGENCY}-{yesterday:%y%m%d}-0001")
        self.assertEqual(self.intake().json()["dossier_code"], prefix + "0003")

    def test_client_id_refused_and_the_next_intake_goes_on(self):
        prefix = f"{AGENCY}-{clock.now():%y%m%d}-"
        for id_ in (prefix + "0002", "index_html"):
            refused = self.call("POST", f"/dossiers/{AGENCY}", "reception",
                                json={"@type": "Dossier", "id": id_, **dossier_fields()})
            self.assertEqual(refused.status_code, 400, refused.text)
            self.assertEqual(refused.json()["error"]["field"], "id")
        self.assertEqual(self.count("Dossier"), 0)
        codes = [self.intake().json()["dossier_code"] for _ in range(3)]
        self.assertEqual(codes, [prefix + "0001", prefix + "0002", prefix + "0003"])
        listing = self.call("GET", f"/dossiers/{AGENCY}", "reception")
        self.assertEqual(listing.json()["@type"], "ArchiveFolder")

    def test_codes_alike_for_different_dates_do_not_collide(self):
        # A template without the year gives 2025-12-08 and 2026-12-08 the same prefix: they
        # share its counter, so the second gets the next number instead of a taken code.
        api.portal.set_registry_record("archive.dossier_code_template", "{agency}-{date:%m%d}-{seq:04d}")
        transaction.commit()
        now = clock.now()
        last_year = now.replace(year=now.year - 1, hour=8)
        codes = [self.intake(received=when).json().get("dossier_code")
                 for when in (now.isoformat(), last_year.isoformat(), now.isoformat())]
        prefix = f"{AGENCY}-{now:%m%d}-"
        self.assertEqual(codes, [prefix + "0001", prefix + "0002", prefix + "0003"])

    def test_a_code_in_use_is_passed_over(self):
        prefix = f"{AGENCY}-{clock.now():%y%m%d}-"
        self.assertEqual(self.intake().json()["dossier_code"], prefix + "0001")
        # The counter loses its memory (an older template's key, an import): the taken
        # code is passed over instead of failing this and every later intake.
        transaction.begin()
        shard = self.portal.dossiers[AGENCY]
        counters = shard._archive_counters
        for key in list(counters.keys()):
            counters[key].value = 0
        transaction.commit()
        answers = [self.intake() for _ in range(2)]
        self.assertEqual([a.status_code for a in answers], [201, 201], answers[-1].text)
        self.assertEqual([a.json()["dossier_code"] for a in answers], [prefix + "0002", prefix + "0003"])
        self.assertEqual(sequences.current_number(shard, "dossier:" + prefix + "{seq}"), 0)  # this txn's view
