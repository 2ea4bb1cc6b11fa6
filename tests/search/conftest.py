"""Fixtures for the search tests: one real Elasticsearch per session and an indexed Vietnamese corpus."""

import types
import uuid

import pytest

from archive.search.client import SearchClient
from archive.search.mapping import alias_name
from archive.search.mapping import build_document
# The shared servers (`elasticsearch`, `redis_server`) come from the plugin in tests/conftest.py.


AGENCIES = {
    "so-xay-dung": "user:agency-so-xay-dung",
    "so-ke-hoach-dau-tu": "user:agency-so-ke-hoach-dau-tu",
    "so-tai-nguyen-moi-truong": "user:agency-so-tai-nguyen-moi-truong",
}

# (title, agency, procedure, portal_type, review_state, year, extra values)
CORPUS = [
    ("Quyết định cấp phép xây dựng nhà ở riêng lẻ", "so-xay-dung", "cap-phep-xay-dung", "Result", "archived", 2023, {}),
    ("Quyết định cấp phép xây dựng nhà ở riêng lẻ cho hộ ông Nguyễn Văn An", "so-xay-dung", "cap-phep-xay-dung",
     "Result", "archived", 2024, {}),
    ("Quyết định cấp phép xây dựng nhà ở riêng lẻ tại phường Phú Hội", "so-xay-dung", "cap-phep-xay-dung",
     "Result", "published", 2024, {}),
    ("Quyết định cấp phép xây dựng công trình tạm", "so-xay-dung", "cap-phep-xay-dung", "Result", "archived", 2022, {}),
    # Misspelt: matches "quyết" only once folded.
    ("Quyệt định cấp phép xây dựng công trình tạm", "so-xay-dung", "cap-phep-xay-dung", "Result", "archived", 2022, {}),
    ("Hồ sơ đề nghị cấp phép xây dựng nhà ở riêng lẻ", "so-xay-dung", "cap-phep-xay-dung", "Dossier", "archived", 2024,
     {"text": "Đơn đề nghị cấp giấy phép xây dựng. Bản vẽ thiết kế. Giấy tờ về quyền sử dụng đất."}),
    ("Hồ sơ số 15/2024", "so-xay-dung", "cap-phep-xay-dung", "Dossier", "archived", 2024,
     {"text": "Kèm theo Quyết định cấp phép xây dựng số 123/QĐ-UBND ngày 5 tháng 3 năm 2024 của Ủy ban nhân dân."}),
    ("Biên bản kiểm tra hiện trạng công trình", "so-xay-dung", "cap-phep-xay-dung", "Dossier", "private", 2023, {}),
    ("Biên bản nghiệm thu công trình xây dựng", "so-xay-dung", "cap-phep-xay-dung", "Dossier", "archived", 2023, {}),
    ("Thông báo kết quả thẩm định thiết kế xây dựng", "so-xay-dung", "cap-phep-xay-dung", "Result", "archived", 2021, {}),
    ("Giấy chứng nhận đăng ký kinh doanh", "so-ke-hoach-dau-tu", "dang-ky-kinh-doanh", "Result", "archived", 2023, {}),
    ("Giấy chứng nhận đăng ký kinh doanh hộ cá thể Trần Thị Bình", "so-ke-hoach-dau-tu", "dang-ky-kinh-doanh",
     "Result", "archived", 2024, {}),
    ("Giấy chứng nhận đăng ký doanh nghiệp Công ty TNHH Ánh Dương", "so-ke-hoach-dau-tu", "dang-ky-kinh-doanh",
     "Result", "published", 2024, {}),
    ("Hồ sơ đăng ký thành lập doanh nghiệp", "so-ke-hoach-dau-tu", "dang-ky-kinh-doanh", "Dossier", "archived", 2023, {}),
    ("Hồ sơ thay đổi nội dung đăng ký kinh doanh", "so-ke-hoach-dau-tu", "dang-ky-kinh-doanh", "Dossier", "archived",
     2022, {}),
    ("Thông báo từ chối đăng ký kinh doanh", "so-ke-hoach-dau-tu", "dang-ky-kinh-doanh", "Result", "archived", 2021, {}),
    ("Luật Doanh nghiệp số 59/2020/QH14", "so-ke-hoach-dau-tu", "dang-ky-kinh-doanh", "LegalDocument", "published", 2020,
     {"legal_codes": ["59/2020/QH14"]}),
    ("Nghị định về đăng ký doanh nghiệp", "so-ke-hoach-dau-tu", "dang-ky-kinh-doanh", "LegalDocument", "published", 2021,
     {"legal_codes": ["01/2021/NĐ-CP"]}),
    ("Giấy chứng nhận quyền sử dụng đất", "so-tai-nguyen-moi-truong", "cap-gcn-qsdd", "Result", "archived", 2023, {}),
    ("Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở", "so-tai-nguyen-moi-truong", "cap-gcn-qsdd", "Result",
     "archived", 2024, {}),
    ("Giấy chứng nhận quyền sử dụng đất cho bà Lê Thị Hoa", "so-tai-nguyen-moi-truong", "cap-gcn-qsdd", "Result",
     "published", 2024, {}),
    ("Hồ sơ cấp đổi giấy chứng nhận quyền sử dụng đất", "so-tai-nguyen-moi-truong", "cap-gcn-qsdd", "Dossier",
     "archived", 2022, {}),
    ("Quyết định thu hồi đất", "so-tai-nguyen-moi-truong", "thu-hoi-dat", "Result", "archived", 2021, {}),
    ("Quyết định thu hồi đất dự án đường ven biển", "so-tai-nguyen-moi-truong", "thu-hoi-dat", "Result", "archived",
     2022, {}),
    ("Quyết định thu hồi đất sai phạm", "so-tai-nguyen-moi-truong", "thu-hoi-dat", "Result", "private", 2023, {}),
    ("Biên bản kiểm kê đất đai", "so-tai-nguyen-moi-truong", "thu-hoi-dat", "Dossier", "archived", 2023, {}),
    ("Thông báo kết quả thẩm định hồ sơ", "so-tai-nguyen-moi-truong", "cap-gcn-qsdd", "Result", "archived", 2023, {}),
    ("Luật Đất đai số 31/2024/QH15", "so-tai-nguyen-moi-truong", "cap-gcn-qsdd", "LegalDocument", "published", 2024,
     {"legal_codes": ["31/2024/QH15"]}),
    # Expired and not yet effective: hidden unless inactive content is shown.
    ("Quyết định cấp phép xây dựng đã hết hiệu lực", "so-xay-dung", "cap-phep-xay-dung", "Result", "archived", 2019,
     {"expires": "2020-01-01T00:00:00+07:00"}),
    ("Quyết định cấp phép xây dựng chưa có hiệu lực", "so-xay-dung", "cap-phep-xay-dung", "Result", "archived", 2025,
     {"effective": "2099-01-01T00:00:00+07:00"}),
]


def make_values(position, entry):
    title, agency, procedure, portal_type, review_state, year, extra = entry
    uid = f"uid-{position:02d}"
    allowed = ["Manager", "Site Administrator", AGENCIES[agency]]
    if review_state == "published":
        allowed.append("Anonymous")
    values = {
        "uid": uid,
        "path": f"/plone/{agency}/{procedure}/{uid}",
        "portal_type": portal_type,
        "review_state": review_state,
        "agency": agency,
        "procedure": procedure,
        "year": year,
        "title": title,
        "description": f"{title} - lưu trữ năm {year}",
        "text": "",
        "created": f"{year}-02-01T08:00:00+07:00",
        "modified": f"{year}-03-{1 + position % 28:02d}T09:30:00+07:00",
        "effective": f"{year}-02-01T08:00:00+07:00",
        "expires": None,
        "allowedRolesAndUsers": allowed,
        "dossier_code": f"HS-{year}-{position:04d}",
    }
    values.update(extra)
    return values


def corpus_values():
    return [make_values(position, entry) for position, entry in enumerate(CORPUS)]


@pytest.fixture(scope="session")
def archive_corpus():
    """The 30 Vietnamese archive items, as plain values (before ``build_document``)."""
    return corpus_values()


@pytest.fixture(scope="session")
def search_client(elasticsearch):
    return SearchClient(elasticsearch.url, timeout=10)


@pytest.fixture(scope="session")
def archive_index(search_client, archive_corpus):
    """The corpus indexed behind ``{prefix}-archive``; the index is removed afterwards."""
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    alias = alias_name(prefix)
    index = search_client.ensure_index(prefix)
    values = archive_corpus
    result = search_client.bulk(
        alias,
        [{"action": "index", "id": v["uid"], "doc": build_document(v)} for v in values],
        refresh=True,
        require_alias=True,
    )
    assert result.ok, result.errors
    yield types.SimpleNamespace(client=search_client, prefix=prefix, alias=alias, index=index, values=values)
    if search_client.ping():
        for name in search_client.alias_indices(alias):
            search_client.delete_index(name)
