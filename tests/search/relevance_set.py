"""The relevance test set of issue 16: a fixed Vietnamese corpus, queries typed as officers and
reviewers type them, each with the items that must come first, and the measures (precision
at 5, mean reciprocal rank) computed over the real engine.

Used by tests/search/test_search_relevance.py (thresholds) and benchmarks/bench_relevance.py
(``make bench``).
"""
import uuid

from archive.search.mapping import alias_name
from archive.search.mapping import build_document
from archive.search.query import build_query
from archive.search.query import parse_response

PRINCIPALS = ["Manager"]


def _dossier(code, procedure, agency, applicant, applicant_id, address, title, year, extra=""):
    text = " ".join([code, title, procedure, applicant, applicant_id, address, extra])
    return {"portal_type": "Dossier", "title": f"{title} – {applicant}", "description": f"Địa chỉ: {address}",
            "text": text, "dossier_code": code, "agency": agency, "procedure": procedure,
            "issued": f"{year}-03-15"}


def _result(code, agency, procedure, title, year, text=""):
    return {"portal_type": "Result", "title": title, "text": f"{code} {title} {text}", "result_code": code,
            "agency": agency, "procedure": procedure, "issued": f"{year}-04-20"}


def _legal(number, title, issued, status="in_force", text=""):
    return {"portal_type": "LegalDocument", "title": title, "text": f"{number} {title} {text}",
            "legal_codes": [number], "effect_status": status, "issued": issued, "agency": "ubnd-tinh"}


XD, KH, TN = "so-xay-dung", "so-ke-hoach-dau-tu", "so-tai-nguyen-moi-truong"
PHAN_CAP = "Quyết định ban hành quy định phân cấp cấp giấy phép xây dựng trên địa bàn tỉnh"

CORPUS = {
    # Dossiers: people, addresses, procedures.
    "d_an": _dossier("HS-2024-000123", "1.009972", XD, "Nguyễn Văn An", "001085012345",
                     "số 12 đường Lê Lợi, phường Hưng Bình, thành phố Vinh", "Cấp giấy phép xây dựng nhà ở riêng lẻ",
                     2024),
    "d_an2": _dossier("HS-2023-000045", "1.001234", KH, "Nguyễn Văn Anh", "001090067890",
                      "xóm 3, xã Nghi Phú, thành phố Vinh", "Đăng ký thành lập hộ kinh doanh", 2023),
    "d_binh": _dossier("HS-2024-000200", "1.001234", KH, "Trần Thị Bình", "040185001122",
                       "số 5 đường Nguyễn Trãi, phường Quán Bàu, thành phố Vinh", "Đăng ký thành lập hộ kinh doanh",
                       2024),
    "d_hoa": _dossier("HS-2024-000310", "1.003456", TN, "Lê Thị Hoa", "040190003344",
                      "thôn Đông Hòa, xã Hưng Đông, thành phố Vinh",
                      "Cấp giấy chứng nhận quyền sử dụng đất lần đầu", 2024),
    "d_dung": _dossier("HS-2022-000077", "1.009972", XD, "Phạm Văn Dũng", "040080005566",
                       "khối 7, thị trấn Quán Hành, huyện Nghi Lộc", "Cấp giấy phép sửa chữa, cải tạo công trình",
                       2022),
    "d_mai": _dossier("HS-2023-000150", "1.003456", TN, "Phạm Thị Mai", "040192007788",
                      "số 8 đường Trần Phú, phường Lê Mao, thành phố Vinh",
                      "Đăng ký biến động quyền sử dụng đất", 2023),
    "d_loi": _dossier("HS-2023-000151", "1.003456", TN, "Lê Văn Lợi", "040175009900",
                      "xóm 2, xã Nghi Kim, thành phố Vinh", "Chuyển mục đích sử dụng đất", 2023,
                      "Đất trồng cây lâu năm sang đất ở."),
    "d_tuan": _dossier("HS-2024-000402", "1.009972", XD, "Hoàng Minh Tuấn", "001095011223",
                       "số 45 đường Quang Trung, phường Quang Trung, thành phố Vinh",
                       "Cấp giấy phép xây dựng nhà ở riêng lẻ", 2024),
    "d_thu": _dossier("HS-2024-000515", "1.001234", KH, "Đỗ Thị Thu", "040198004455",
                      "số 20 đường Phan Đình Phùng, phường Hưng Dũng, thành phố Vinh",
                      "Thay đổi nội dung đăng ký hộ kinh doanh", 2024),
    "d_cong_ty": _dossier("HS-2024-000600", "1.005566", KH, "Công ty TNHH Ánh Dương", "2901234567",
                          "Khu công nghiệp Nam Cấm, huyện Nghi Lộc", "Đăng ký thành lập doanh nghiệp", 2024),
    "d_hung": _dossier("HS-2021-000010", "1.003456", TN, "Ngô Quang Hưng", "040070001212",
                       "xóm Bắc Sơn, xã Nghi Ân, thành phố Vinh", "Cấp đổi giấy chứng nhận quyền sử dụng đất", 2021),
    "d_lan": _dossier("HS-2022-000250", "1.009972", XD, "Vũ Thị Lan", "040188002323",
                      "số 3 ngõ 15 đường Lê Duẩn, phường Trường Thi, thành phố Vinh",
                      "Gia hạn giấy phép xây dựng", 2022),
    "d_ban": _dossier("HS-2023-000333", "1.003456", TN, "Bùi Văn Bản", "040165003434",
                      "xã Hưng Lộc, thành phố Vinh", "Cấp bản sao giấy chứng nhận quyền sử dụng đất", 2023),
    "d_ban2": _dossier("HS-2023-000334", "1.003456", TN, "Đặng Thị Bán", "040166004545",
                       "xã Hưng Hòa, thành phố Vinh", "Đăng ký mua bán, chuyển nhượng quyền sử dụng đất", 2023),
    "d_thu_hoi": _dossier("HS-2022-000800", "1.004000", TN, "Ban quản lý dự án đường ven biển", "",
                          "huyện Nghi Lộc", "Thu hồi đất thực hiện dự án đường ven biển", 2022,
                          "Phương án bồi thường, hỗ trợ, tái định cư."),
    # Results.
    "r_gpxd": _result("GPXD-2024-0123", XD, "1.009972", "Giấy phép xây dựng số 123/GPXD cho ông Nguyễn Văn An",
                      2024),
    "r_hkd": _result("HKD-2024-0200", KH, "1.001234",
                     "Giấy chứng nhận đăng ký hộ kinh doanh – Trần Thị Bình", 2024),
    "r_gcn": _result("GCN-2024-0310", TN, "1.003456",
                     "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở – Lê Thị Hoa", 2024),
    "r_dn": _result("DN-2024-0600", KH, "1.005566",
                    "Giấy chứng nhận đăng ký doanh nghiệp Công ty TNHH Ánh Dương", 2024, "Mã số doanh nghiệp 2901234567"),
    "r_tuchoi": _result("TB-2023-0045", KH, "1.001234",
                        "Thông báo từ chối đăng ký hộ kinh doanh – Nguyễn Văn Anh", 2023),
    "r_thuhoi": _result("QD-2022-0800", TN, "1.004000",
                        "Quyết định thu hồi đất dự án đường ven biển huyện Nghi Lộc", 2022),
    "r_chuyen": _result("QD-2023-0151", TN, "1.003456",
                        "Quyết định cho phép chuyển mục đích sử dụng đất – Lê Văn Lợi", 2023),
    # Legal documents: citations, the same title in force and replaced.
    "l_qd04": _legal("04/2025/QĐ-UBND", PHAN_CAP, "2025-02-10"),
    "l_qd21": _legal("21/2019/QĐ-UBND", PHAN_CAP, "2019-05-02", status="wholly_expired"),
    "l_qd15": _legal("15/2024/QĐ-UBND", "Quyết định quy định hạn mức giao đất ở tại nông thôn",
                     "2024-07-01"),
    "l_qd30": _legal("30/2020/QĐ-UBND", "Quyết định quy định hạn mức giao đất ở tại nông thôn",
                     "2020-09-15", status="wholly_expired"),
    "l_luat_dn": _legal("59/2020/QH14", "Luật Doanh nghiệp", "2020-06-17"),
    "l_luat_dd": _legal("31/2024/QH15", "Luật Đất đai", "2024-01-18"),
    "l_luat_xd": _legal("50/2014/QH13", "Luật Xây dựng", "2014-06-18", status="partly_expired"),
    "l_nd01": _legal("01/2021/NĐ-CP", "Nghị định về đăng ký doanh nghiệp", "2021-01-04"),
    "l_nd15": _legal("15/2021/NĐ-CP", "Nghị định quy định chi tiết một số nội dung về quản lý dự án đầu tư xây dựng",
                     "2021-03-03"),
    "l_nd43": _legal("43/2014/NĐ-CP", "Nghị định quy định chi tiết thi hành một số điều của Luật Đất đai",
                     "2014-05-15", status="wholly_expired"),
    "l_nd102": _legal("102/2024/NĐ-CP", "Nghị định quy định chi tiết thi hành một số điều của Luật Đất đai",
                      "2024-07-30"),
    "l_tt01": _legal("01/2021/TT-BKHĐT", "Thông tư hướng dẫn về đăng ký doanh nghiệp", "2021-03-16"),
    "l_cv": _legal("1234/UBND-NN", "Công văn về việc tăng cường quản lý đất đai", "2024-10-05"),
    # Noise: the same words elsewhere.
    "n_vinh": _dossier("HS-2024-000900", "1.001234", KH, "Trần Văn Nam", "040199008877",
                       "số 1 đường Nguyễn Văn Cừ, phường Hưng Phúc, thành phố Vinh", "Đăng ký hộ kinh doanh", 2024,
                       "Đính kèm: văn bản của Văn phòng đăng ký đất đai."),
    "n_an": _dossier("HS-2023-000910", "1.009972", XD, "Lê Thị Thanh", "040187006655",
                     "thôn An Hòa, xã Nghi Phú, thành phố Vinh", "Cấp giấy phép xây dựng công trình", 2023,
                     "Người được ủy quyền: Nguyễn Thị Vân"),
}

# (query as typed, kind, the items that must come first, in any order among themselves)
QUERIES = [
    # Names, with and without tones.
    ("Nguyễn Văn An", "name", ["d_an", "r_gpxd"]),
    ("nguyen van an", "name", ["d_an", "r_gpxd"]),
    ("Nguyễn Văn Anh", "name", ["d_an2", "r_tuchoi"]),
    ("Trần Thị Bình", "name", ["d_binh", "r_hkd"]),
    ("tran thi binh", "name", ["d_binh", "r_hkd"]),
    ("Lê Thị Hoa", "name", ["d_hoa", "r_gcn"]),
    ("le thi hoa", "name", ["d_hoa", "r_gcn"]),
    ("Phạm Văn Dũng", "name", ["d_dung"]),
    ("pham van dung", "name", ["d_dung"]),
    ("Hoàng Minh Tuấn", "name", ["d_tuan"]),
    ("Đỗ Thị Thu", "name", ["d_thu"]),
    ("do thi thu", "name", ["d_thu"]),
    ("Lê Văn Lợi", "name", ["d_loi", "r_chuyen"]),
    ("Vũ Thị Lan", "name", ["d_lan"]),
    ("Ngô Quang Hưng", "name", ["d_hung"]),
    ("Công ty TNHH Ánh Dương", "name", ["d_cong_ty", "r_dn"]),
    ("cong ty anh duong", "name", ["d_cong_ty", "r_dn"]),
    ("Bùi Văn Bản", "name", ["d_ban"]),
    # Addresses.
    ("số 12 đường Lê Lợi", "address", ["d_an"]),
    ("đường Lê Lợi", "address", ["d_an"]),
    ("duong nguyen trai", "address", ["d_binh"]),
    ("xã Nghi Phú", "address", ["d_an2", "n_an"]),
    ("phường Quang Trung", "address", ["d_tuan"]),
    ("thị trấn Quán Hành", "address", ["d_dung"]),
    ("ngõ 15 Lê Duẩn", "address", ["d_lan"]),
    ("Khu công nghiệp Nam Cấm", "address", ["d_cong_ty"]),
    ("thon dong hoa hung dong", "address", ["d_hoa"]),
    # Citations in the usual forms.
    ("quyết định số 04/2025/QĐ-UBND", "citation", ["l_qd04"]),
    ("04/2025/QĐ-UBND", "citation", ["l_qd04"]),
    ("04/2025/QD-UBND", "citation", ["l_qd04"]),
    ("04 / 2025 / QĐ-UBND", "citation", ["l_qd04"]),
    ("qd 04/2025/qd-ubnd", "citation", ["l_qd04"]),
    ("21/2019/QĐ-UBND", "citation", ["l_qd21"]),
    ("Luật số 59/2020/QH14", "citation", ["l_luat_dn"]),
    ("59/2020/qh14", "citation", ["l_luat_dn"]),
    ("Nghị định 01/2021/NĐ-CP", "citation", ["l_nd01"]),
    ("nghi dinh so 102/2024/nd-cp", "citation", ["l_nd102"]),
    ("Thông tư 01/2021/TT-BKHĐT", "citation", ["l_tt01"]),
    ("công văn 1234/UBND-NN", "citation", ["l_cv"]),
    # Codes and IDs.
    ("HS-2024-000123", "code", ["d_an"]),
    ("HS-2023-000151", "code", ["d_loi"]),
    ("GCN-2024-0310", "code", ["r_gcn"]),
    ("001085012345", "id", ["d_an"]),
    ("040185001122", "id", ["d_binh"]),
    ("2901234567", "id", ["d_cong_ty", "r_dn"]),
    # Typos.
    ("Nguyễn Văn Ann", "typo", ["d_an", "r_gpxd"]),
    ("Tran Thi Bihn", "typo", ["d_binh", "r_hkd"]),
    ("Hoàng Minh Tuán", "typo", ["d_tuan"]),
    ("Pham Thi Mia", "typo", ["d_mai"]),
    ("chuyen muc dich su dung dta", "typo", ["d_loi", "r_chuyen"]),
    ("Ngo Quang Hugn", "typo", ["d_hung"]),
    # Extra words.
    ("hồ sơ của ông Nguyễn Văn An", "extra", ["d_an"]),
    ("bà Lê Thị Hoa xin cấp giấy chứng nhận", "extra", ["d_hoa", "r_gcn"]),
    ("Trần Thị Bình hộ kinh doanh Vinh", "extra", ["d_binh", "r_hkd"]),
    ("luật doanh nghiệp năm 2020", "extra", ["l_luat_dn"]),
    # Phrases and topics: in force first.
    ("phân cấp cấp giấy phép xây dựng", "topic", ["l_qd04"]),
    ("hạn mức giao đất ở", "topic", ["l_qd15"]),
    ("quy định chi tiết Luật Đất đai", "topic", ["l_nd102"]),
    ('"thu hồi đất" "đường ven biển"', "phrase", ["r_thuhoi", "d_thu_hoi"]),
    ('"Nguyễn Văn An"', "phrase", ["d_an", "r_gpxd"]),
    ('"giấy phép xây dựng" -"sửa chữa"', "phrase", ["d_an", "d_tuan", "r_gpxd", "l_qd04", "d_lan"]),
    # OR.
    ('"Lê Thị Hoa" OR "Phạm Thị Mai"', "or", ["d_hoa", "r_gcn", "d_mai"]),
    ("Dũng OR Tuấn", "or", ["d_dung", "d_tuan"]),
    ("59/2020/QH14 OR 31/2024/QH15", "or", ["l_luat_dn", "l_luat_dd"]),
    # Tones that only reorder: bản / bán.
    ("Bùi Văn Bản sao", "tones", ["d_ban"]),
    ("mua bán chuyển nhượng", "tones", ["d_ban2"]),
]

K = 5


def build_index(client):
    """Index the corpus behind a fresh alias; return the alias."""
    prefix = f"rel-{uuid.uuid4().hex[:8]}"
    alias = alias_name(prefix)
    client.ensure_index(prefix)
    actions = []
    for key, values in CORPUS.items():
        doc = build_document({"uid": key, "path": f"/plone/x/{key}", "review_state": "published",
                              "allowedRolesAndUsers": PRINCIPALS, **values})
        actions.append({"action": "index", "id": key, "doc": doc})
    result = client.bulk(alias, actions, refresh=True, require_alias=True)
    assert result.ok, result.errors
    return alias


def drop_index(client, alias):
    for name in client.alias_indices(alias):
        client.delete_index(name)


def ranked(client, alias, text, size=10):
    body = build_query({"SearchableText": text, "b_size": size}, PRINCIPALS, facets=False, highlight=False)
    return [item["uid"] for item in parse_response(client.search(alias, body))["items"]]


def measure(client, alias):
    """``{"queries", "p_at_5", "mrr", "misses": [(query, expected, top 5)]}``.

    Precision at 5: the share of the first min(5, number expected) places that hold an
    expected item (1.0 when every expected item comes first), averaged over the queries.
    MRR: the mean of 1 / rank of the first expected item (0 when none is in the first 10).
    """
    precisions, reciprocal, misses = [], [], []
    for text, _kind, expected in QUERIES:
        order = ranked(client, alias, text)
        places = min(K, len(expected))
        precision = len(set(order[:places]) & set(expected)) / places
        rank = next((position for position, uid in enumerate(order, 1) if uid in expected), None)
        precisions.append(precision)
        reciprocal.append(1.0 / rank if rank else 0.0)
        if precision < 1.0:
            misses.append((text, expected, order[:K]))
    return {"queries": len(QUERIES), "p_at_5": round(sum(precisions) / len(precisions), 3),
            "mrr": round(sum(reciprocal) / len(reciprocal), 3), "misses": misses}
