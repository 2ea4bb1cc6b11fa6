"""Search parameters that cannot be read are HTTP 400 naming the parameter, on the catalog and on
Elasticsearch, for @search, @archive-search and the search page; queries that mean something
(phrases, OR, exclusions, wildcards) answer what they mean; `status_code` is read as a number."""
import os
import time

import pytest
import transaction
from archive.content.intake import receive_dossier
from archive.search import sync
from archive.search.client import SearchClient
from archive.search.mapping import alias_name
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD

from helpers import AGENCY
from helpers import PASSWORD
from helpers import RestTestCase
from helpers import dossier_fields

# Each is answered 400 naming SearchableText: a lone operator, an operator without its
# second word, only exclusions, an unclosed quote or parenthesis, a wildcard without a word.
UNREADABLE = ["*", "?", "(", '"', "and", "not", "-", "OR", "Trần OR", "-Bích", "Bích not Lan", '"Trần Thị',
              "(Bích", "Bích)", "B*", "*ích", "?ích", "and not Bích"]

APPLICANTS = {"bich": "Trần Thị Bích", "lan": "Nguyễn Thị Lan", "hung": "Trần Văn Hùng"}

# query -> the applicants it finds
MEANINGFUL = {
    '"Trần Thị"': {"bich"},
    '"Thị Bích"': {"bich"},
    "Bích OR Lan": {"bich", "lan"},
    "Trần -Bích": {"hung"},
    '"Trần Văn" OR Lan': {"hung", "lan"},
    "Trần AND NOT Hùng": {"bich"},
    "Trần -\"Văn Hùng\"": {"bich"},
    "Hùn*": {"hung"},
    "trần thị": {"bich"},
}


class SearchErrorsBase(RestTestCase):

    def setUp(self):
        super().setUp()
        self.urls = {}
        with api.env.adopt_user(username="reception"):
            for key, name in APPLICANTS.items():
                dossier = receive_dossier(self.portal.dossiers[AGENCY], **dossier_fields(applicant_name=name))
                self.urls[key] = dossier.absolute_url().replace("http://nohost/plone", self.url)
        transaction.commit()

    def search(self, service, text, **params):
        params = {"SearchableText": text, **params}
        if service == "@search":
            params.setdefault("portal_type", "Dossier")
        return self.call("GET", f"/{service}", "leader", params=params)

    def found(self, service, text):
        answer = self.search(service, text)
        self.assertEqual(answer.status_code, 200, (service, text, answer.text[:500]))
        by_url = {url: key for key, url in self.urls.items()}
        return {by_url.get(item["@id"], item["@id"]) for item in answer.json()["items"]}

    def assert_unreadable(self, service, text):
        answer = self.search(service, text)
        self.assertEqual(answer.status_code, 400, (service, text, answer.text[:500]))
        error = answer.json()["error"]
        self.assertEqual((error["type"], error["field"]), ("BadRequest", "SearchableText"), text)
        self.assertIn("SearchableText", error["message"])

    def check_unreadable(self):
        for service in ("@search", "@archive-search"):
            for text in UNREADABLE:
                with self.subTest(service=service, text=text):
                    self.assert_unreadable(service, text)
        page = self.call("GET", "/@@archive-search", "leader", params={"SearchableText": "Trần OR"})
        self.assertEqual(page.status_code, 400)
        self.assertIn("SearchableText", page.text)

    def check_meaningful(self):
        for service in ("@search", "@archive-search"):
            for text, expected in MEANINGFUL.items():
                with self.subTest(service=service, text=text):
                    self.assertEqual(self.found(service, text), expected)


class TestOnTheCatalog(SearchErrorsBase):
    """No Elasticsearch configured: both services answer from the catalog (ZCTextIndex)."""

    def test_unreadable_queries_are_400_naming_the_parameter(self):
        with self.assertNoLogs(level="ERROR"):
            self.check_unreadable()

    def test_meaningful_queries_answer_what_they_mean(self):
        self.check_meaningful()
        for service in ("@search", "@archive-search"):
            answer = self.search(service, "Bích").json()
            self.assertEqual((answer["engine"], answer.get("degraded", False)), ("catalog", False))

    def test_batching_that_cannot_be_read_is_400_naming_it(self):
        for name, value in (("b_size", "many"), ("b_size", "-1"), ("b_start", "x")):
            answer = self.call("GET", "/@archive-search", "leader", params={"SearchableText": "Trần", name: value})
            self.assertEqual(answer.status_code, 400, (name, value, answer.text[:300]))
            self.assertEqual(answer.json()["error"]["field"], name)

    def test_status_code_is_read_as_a_number(self):
        search = lambda **params: self.call("GET", "/@search", "leader", params=params)  # noqa: E731
        with self.assertNoLogs(level="ERROR"):
            received = search(status_code="2")
            self.assertEqual(received.status_code, 200, received.text[:500])
            self.assertEqual({item["@id"] for item in received.json()["items"]}, set(self.urls.values()))
            self.assertEqual(search(status_code="4").json()["items_total"], 0)
            both = search(status_code=["2", "4"], portal_type="Dossier")
            self.assertEqual(both.json()["items_total"], 3)
            ranged = search(**{"status_code.query": ["1", "3"], "status_code.range": "min:max"})
            self.assertEqual(ranged.json()["items_total"], 3)
        fired = self.call("POST", self.urls["lan"] + "/@workflow/start_processing", "reception")
        self.assertEqual(fired.status_code, 200, fired.text[:300])
        processing = search(status_code="4")
        self.assertEqual([item["@id"] for item in processing.json()["items"]], [self.urls["lan"]])
        wrong = search(status_code="received")
        self.assertEqual(wrong.status_code, 400)
        self.assertEqual(wrong.json()["error"]["field"], "status_code")


class TestOnElasticsearch(SearchErrorsBase):
    """Elasticsearch answers (the real engine, the site's documents reindexed into it)."""

    @pytest.fixture(autouse=True)
    def services(self, elasticsearch):
        self.es = elasticsearch

    def setUp(self):
        self.prefix = f"err{int(time.time() * 1000) % 10**9}"
        self.addCleanup(lambda: [os.environ.pop(name, None) for name in ("ARCHIVE_ES_URL", "ARCHIVE_ES_PREFIX")])
        os.environ.update(ARCHIVE_ES_URL=self.es.url, ARCHIVE_ES_PREFIX=self.prefix)
        super().setUp()
        config = sync.Config(site=self.url, auth=(SITE_OWNER_NAME, SITE_OWNER_PASSWORD), es=self.es.url,
                             prefix=self.prefix)
        index, count = sync.reindex(config)
        client = SearchClient(self.es.url)
        self.addCleanup(lambda: [client.delete_index(name) for name in client.alias_indices(alias_name(self.prefix))])
        self.assertEqual(count, 3)

    def test_unreadable_queries_are_400_naming_the_parameter(self):
        with self.assertNoLogs(level="ERROR"):
            self.check_unreadable()

    def test_meaningful_queries_answer_what_they_mean(self):
        self.check_meaningful()
        # Answered by Elasticsearch, not the catalog: highlights mark the words found.
        for service in ("@search", "@archive-search"):
            self.assertEqual(self.search(service, "Bích OR Lan").json()["engine"], "elasticsearch")
        answer = self.search("@archive-search", '"Thị Bích" OR Lan').json()
        self.assertFalse(answer["degraded"])
        marked = " ".join(" ".join(v) for item in answer["items"] for v in item["highlights"].values())
        self.assertIn("<mark>Bích</mark>", marked)
        self.assertIn("<mark>Lan</mark>", marked)

    def test_parameters_that_cannot_be_read_are_400_naming_them(self):
        for name, value in (("b_size", "many"), ("b_start", "-3"), ("sort_on", "nonsense"), ("year", "MMXXIV")):
            answer = self.call("GET", "/@archive-search", "leader", params={"SearchableText": "Trần", name: value})
            self.assertEqual(answer.status_code, 400, (name, value, answer.text[:300]))
            self.assertEqual(answer.json()["error"]["field"], name)
        answer = self.call("GET", "/@search", "leader", params={"SearchableText": "Trần", "portal_type": "Dossier",
                                                                "b_size": "many"})
        self.assertEqual(answer.status_code, 400, answer.text[:300])
        self.assertEqual(answer.json()["error"]["field"], "b_size")
