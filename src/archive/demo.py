"""Vietnamese demo data: one province (Nghệ An) with its agencies, procedures, dossiers in
every state, results and legal documents linked by amendment and replacement.

Deterministic (seeded) so screenshots and tests can count on it. Procedure codes and
people are illustrative, not taken from the national database.
"""
import logging
import os
import random
import secrets
from datetime import date
from datetime import timedelta

from archive.content import clock
from archive.content.intake import receive_dossier
from archive.content.results import create_result
from archive.pdf import simple_pdf
from archive.security import agency_group_id
from archive.preservation import closing
from archive.retention.demo import create_retention_demo
from plone import api
from plone.app.textfield.value import RichTextValue
from plone.namedfile.file import NamedBlobFile

logger = logging.getLogger("archive.demo")

AGENCIES = (
    ("000.00.00.H41", "Ủy ban nhân dân tỉnh Nghệ An", "province"),
    ("000.00.12.H41", "Sở Xây dựng tỉnh Nghệ An", "department"),
    ("000.00.15.H41", "Sở Tài chính tỉnh Nghệ An", "department"),
    ("000.00.17.H41", "Sở Tư pháp tỉnh Nghệ An", "department"),
    ("000.00.21.H41", "Sở Nông nghiệp và Môi trường tỉnh Nghệ An", "department"),
)

# code, name, sector, agency, working days, fee (VND), result type
PROCEDURES = (
    ("1.009972", "Cấp giấy phép xây dựng mới đối với công trình cấp II, cấp III", "Xây dựng", "000.00.12.H41", 20, 150000, "Giấy phép xây dựng"),
    ("1.009974", "Cấp giấy phép xây dựng sửa chữa, cải tạo công trình", "Xây dựng", "000.00.12.H41", 20, 150000, "Giấy phép xây dựng"),
    ("1.009975", "Cấp giấy phép di dời công trình", "Xây dựng", "000.00.12.H41", 20, 150000, "Giấy phép di dời công trình"),
    ("1.009980", "Cấp chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III", "Xây dựng", "000.00.12.H41", 20, 300000, "Chứng chỉ hành nghề"),
    ("1.009973", "Thẩm định báo cáo nghiên cứu khả thi đầu tư xây dựng", "Xây dựng", "000.00.12.H41", 30, 0, "Văn bản thẩm định"),
    ("2.001610", "Đăng ký thành lập doanh nghiệp tư nhân", "Thành lập và hoạt động doanh nghiệp", "000.00.15.H41", 3, 50000, "Giấy chứng nhận đăng ký doanh nghiệp"),
    ("2.001199", "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên", "Thành lập và hoạt động doanh nghiệp", "000.00.15.H41", 3, 50000, "Giấy chứng nhận đăng ký doanh nghiệp"),
    ("2.002040", "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", "Thành lập và hoạt động doanh nghiệp", "000.00.15.H41", 3, 50000, "Giấy xác nhận thay đổi"),
    ("1.009645", "Quyết định chủ trương đầu tư của Ủy ban nhân dân tỉnh", "Đầu tư tại Việt Nam", "000.00.15.H41", 35, 0, "Quyết định chủ trương đầu tư"),
    ("2.000488", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", "Lý lịch tư pháp", "000.00.17.H41", 10, 200000, "Phiếu lý lịch tư pháp"),
    ("1.001193", "Đăng ký khai sinh có yếu tố nước ngoài", "Hộ tịch", "000.00.17.H41", 15, 0, "Giấy khai sinh"),
    ("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "Chứng thực", "000.00.17.H41", 1, 2000, "Bản sao chứng thực"),
    ("1.001756", "Đăng ký hoạt động Văn phòng công chứng", "Công chứng", "000.00.17.H41", 10, 1000000, "Giấy đăng ký hoạt động"),
    ("1.010727", "Cấp giấy phép môi trường", "Môi trường", "000.00.21.H41", 30, 0, "Giấy phép môi trường"),
    ("1.012756", "Đăng ký đất đai, tài sản gắn liền với đất lần đầu", "Đất đai", "000.00.21.H41", 30, 100000, "Giấy chứng nhận quyền sử dụng đất"),
    ("1.004232", "Cấp giấy phép khai thác, sử dụng nước mặt", "Tài nguyên nước", "000.00.21.H41", 30, 600000, "Giấy phép khai thác nước mặt"),
    ("1.010728", "Thẩm định báo cáo đánh giá tác động môi trường", "Môi trường", "000.00.21.H41", 45, 0, "Quyết định phê duyệt kết quả thẩm định"),
    ("1.003827", "Cho phép thành lập hội có phạm vi hoạt động trong tỉnh", "Tổ chức phi chính phủ", "000.00.00.H41", 30, 0, "Quyết định cho phép thành lập hội"),
    ("1.003879", "Công nhận điều lệ quỹ xã hội, quỹ từ thiện", "Tổ chức phi chính phủ", "000.00.00.H41", 30, 0, "Quyết định công nhận điều lệ"),
    ("1.011621", "Giao đất, cho thuê đất không thông qua đấu giá quyền sử dụng đất", "Đất đai", "000.00.00.H41", 20, 0, "Quyết định giao đất, cho thuê đất"),
)

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Thu", "Đức", "Ngọc", "Quốc", "Thanh", "Xuân")
GIVEN = ("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Lan", "Linh",
         "Long", "Mai", "Nam", "Phương", "Quang", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vân", "Yến")
STREETS = ("Lê Lợi", "Quang Trung", "Trần Phú", "Nguyễn Thị Minh Khai", "Lê Hồng Phong", "Phan Bội Châu", "Hồ Tùng Mậu")
WARDS = ("phường Hưng Bình", "phường Quang Trung", "phường Trường Thi", "phường Bến Thủy", "xã Nghi Phú", "phường Vinh Tân")
COMPANIES = ("Công ty TNHH Xây dựng Hồng Lam", "Công ty Cổ phần Thương mại Sông Lam", "Công ty TNHH Du lịch Cửa Lò",
             "Công ty TNHH Nông sản Phủ Quỳ", "Doanh nghiệp tư nhân Minh Phát")
COMPONENTS = ("Đơn đề nghị", "Bản sao giấy tờ tùy thân", "Bản vẽ thiết kế", "Giấy tờ chứng minh quyền sử dụng đất",
              "Văn bản ủy quyền", "Tờ khai")

# Paths through the dossier workflow, each ending in one state (several supplement cases).
STATE_PATHS = {
    "received": (),
    "refused": ("refuse",),
    "processing": ("start_processing",),
    "supplement_requested": ("start_processing", "request_supplement"),
    "resumed": ("start_processing", "request_supplement", "resume"),
    "payment_requested": ("start_processing", "request_payment"),  # only for a procedure with a fee
    "finished": ("start_processing", "finish"),
    "returned": ("start_processing", "finish", "return_result"),
    "withdrawn": ("withdraw",),
    "stopped": ("start_processing", "stop"),
}

# The reasons the law wants for these transitions.
REASONS = {
    "request_supplement": "Bổ sung bản vẽ mặt bằng có xác nhận",
    "refuse": "Thủ tục không thuộc thẩm quyền giải quyết của cơ quan",
    "withdraw": "Công dân có đơn xin rút hồ sơ",
    "stop": "Công dân không bổ sung hồ sơ trong thời hạn",
}

LEGAL_SUBJECTS = (
    "Ban hành Quy định phân cấp quản lý chất lượng công trình xây dựng trên địa bàn tỉnh Nghệ An",
    "Ban hành Quy định về cấp giấy phép xây dựng trên địa bàn tỉnh Nghệ An",
    "Quy định bảng giá đất trên địa bàn tỉnh Nghệ An",
    "Ban hành Quy chế phối hợp giải quyết thủ tục hành chính theo cơ chế một cửa liên thông",
    "Quy định mức thu phí thẩm định báo cáo đánh giá tác động môi trường",
    "Ban hành Quy định về quản lý, sử dụng chữ ký số trong cơ quan nhà nước tỉnh Nghệ An",
    "Quy định hạn mức giao đất ở tại nông thôn, đô thị trên địa bàn tỉnh Nghệ An",
    "Ban hành Quy chế quản lý văn bản điện tử và lưu trữ hồ sơ điện tử",
)
# Closed items given their AIP while the demo loads (the rest wait for a worker).
DEMO_PACKAGES = 12

SIGNERS = ("Lê Hồng Vinh", "Nguyễn Văn Đệ", "Bùi Thanh An", "Hoàng Phú Hiền", "Võ Trọng Hải")


def _rng():
    return random.Random(4141)


def _person(rng):
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _citizen_id(rng):
    # 040 is Nghệ An's province code in the citizen ID; then century/sex digit, birth year, serial.
    return f"040{rng.choice('0123')}{rng.randint(50, 99):02d}{rng.randint(0, 999999):06d}"


def _address(rng):
    return f"Số {rng.randint(1, 250)}, đường {rng.choice(STREETS)}, {rng.choice(WARDS)}, tỉnh Nghệ An"


def _pdf_file(filename, *lines):
    return NamedBlobFile(data=simple_pdf(*lines), filename=filename, contentType="application/pdf")


def demo_password():
    return os.environ.get("ARCHIVE_DEMO_PASSWORD") or secrets.token_urlsafe(12)


# user id, full name, groups
DEMO_USERS = (
    ("tiepnhan", "Nguyễn Thị Tiếp Nhận", [agency_group_id("000.00.12.H41", "reception")]),
    ("chuyenvien", "Trần Văn Chuyên", [agency_group_id("000.00.12.H41", "specialists"), "archive-legal-drafters"]),
    ("lanhdao", "Lê Văn Lãnh", [agency_group_id("000.00.12.H41", "leaders"), "archive-legal-approvers"]),
    ("phapche", "Phạm Thị Pháp", ["archive-legal-reviewers"]),
    ("luutru", "Hoàng Thị Lưu", [agency_group_id("000.00.12.H41", "archivists")]),
    ("lienthong", "Vũ Văn Liên", [agency_group_id("000.00.12.H41", "exchange")]),
    ("thanhtra", "Đỗ Văn Thanh", ["archive-auditors"]),
)


# Who the reception assigns an agency's dossiers to (the demo specialist of Sở Xây dựng).
DEMO_SPECIALISTS = {"000.00.12.H41": "chuyenvien"}


def create_users(password):
    for user_id, fullname, groups in DEMO_USERS:
        if api.user.get(username=user_id) is None:
            api.user.create(email=f"{user_id}@example.org", username=user_id, password=password,
                            properties={"fullname": fullname})
        for group in groups:
            api.group.add_user(groupname=group, username=user_id)


def create_agencies(portal):
    for code, name, level in AGENCIES:
        if code not in portal.agencies:
            api.content.create(container=portal.agencies, type="Agency", id=code, title=name, agency_code=code,
                               level=level, address="Số 3 đường Trường Thi, thành phố Vinh, tỉnh Nghệ An",
                               phone="0238 3844 555", email="vanthu@nghean.gov.vn",
                               parent_agency=None if level == "province" else "000.00.00.H41")


def create_procedures(portal):
    for code, name, sector, agency, days, fee, result_type in PROCEDURES:
        if code not in portal.procedures:
            api.content.create(container=portal.procedures, type="Procedure", id=code, procedure_code=code, title=name,
                               sector=sector, agency_code=agency, processing_days=float(days), fee=fee,
                               required_components=list(COMPONENTS[:3]), result_type=result_type,
                               online_level="full" if days <= 3 else "partial", cutoff_hour=16)


def create_dossiers(portal, rng, count=300):
    workflow = api.portal.get_tool("portal_workflow")
    states = list(STATE_PATHS)
    today = clock.now()
    dossiers = []
    results = []
    for number in range(count):
        # Shifted every round of procedures, so that each procedure (and agency) has dossiers in every state.
        state = states[(number + number // len(PROCEDURES)) % len(states)]
        index = number % len(PROCEDURES)
        while "request_payment" in STATE_PATHS[state] and not PROCEDURES[index][5]:
            index = (index + 1) % len(PROCEDURES)  # a fee is requested only where the procedure has one
        code, name, _sector, agency, _days, _fee, _rt = PROCEDURES[index]
        business = code.startswith("2.00") and "doanh nghiệp" in name
        applicant = rng.choice(COMPANIES) if business else _person(rng)
        received = today - timedelta(days=rng.randint(0, 120), hours=rng.randint(0, 6), minutes=rng.randint(0, 59))
        received = min(received.replace(hour=rng.randint(7, 16)), today)  # never later than now (intake refuses it)
        components = [
            {"title": title, "filename": f"thanh-phan-{i}.pdf", "data": simple_pdf(title, applicant),
             "kind": ("original", "copy", "electronic_copy")[i % 3], "digitised": i % 2 == 0}
            for i, title in enumerate(rng.sample(COMPONENTS, 2))
        ]
        dossier = receive_dossier(
            portal.dossiers[agency], components=components, procedure_code=code, applicant_name=applicant,
            applicant_id=f"29{rng.randint(0, 99999999):08d}" if business else _citizen_id(rng),
            applicant_address=_address(rng), applicant_phone=f"09{rng.randint(10000000, 99999999)}",
            channel=rng.choice(("desk", "desk", "online", "post")), received=received,
            assignee=DEMO_SPECIALISTS.get(agency),  # the desk's "assigned to me" queue
        )
        result = None
        for transition in STATE_PATHS[state]:
            if transition == "finish":  # a leader approves a result: it exists first, issued if it is returned
                result = create_result_for(portal, rng, dossier, len(results) + 1, returned=state == "returned")
                results.append(result)
            workflow.doActionFor(dossier, transition, comment=REASONS.get(transition, ""))
        if result is not None and state == "returned" and len(results) % 3 == 0:
            workflow.doActionFor(result, "revoke", comment="Thu hồi do cấp sai đối tượng")
        dossiers.append(dossier)
    return dossiers


def create_result_for(portal, rng, dossier, number, returned):
    """The result of a dossier about to be approved: draft, signed or issued; issued if it is returned."""
    workflow = api.portal.get_tool("portal_workflow")
    paths = ((), ("sign",), ("sign", "issue"))
    procedure = portal.procedures[dossier.procedure_code]
    notation = f"{number:02d}/{procedure.result_type.split()[0][:2].upper()}-{dossier.agency_code.split('.')[2]}"
    issued = dossier.received.date() + timedelta(days=rng.randint(1, 20))
    result = create_result(
        portal.results[dossier.agency_code], dossier_code=dossier.dossier_code,
        number_notation=notation, result_type=procedure.result_type, signer=rng.choice(SIGNERS),
        issue_date=issued, valid_until=issued + timedelta(days=365 * 5) if number % 2 else None,
        valid_electronic_copy=number % 3 == 0,
        file=_pdf_file(f"ket-qua-{number}.pdf", procedure.result_type, dossier.applicant_name, notation),
    )
    for transition in ("sign", "issue") if returned else paths[number % len(paths)]:
        workflow.doActionFor(result, transition)
    return result


def create_legal_documents(portal, rng, count=40):
    """Forty provincial decisions over 2019-2026; later ones amend or replace earlier ones."""
    workflow = api.portal.get_tool("portal_workflow")
    created = []
    year_numbers = {}
    for number in range(count):
        year = 2019 + number * 8 // count
        year_numbers[year] = year_numbers.get(year, 0) + 1
        notation = f"{year_numbers[year]:02d}/{year}/QĐ-UBND"
        subject = LEGAL_SUBJECTS[number % len(LEGAL_SUBJECTS)]
        issued = date(year, 1 + number % 12, 1 + (number * 7) % 27)
        fields = dict(
            number_notation=notation, document_type="provincial_committee_decision", title=subject,
            issuing_body="Ủy ban nhân dân tỉnh Nghệ An", signer=rng.choice(SIGNERS), issue_date=issued,
            effective_from=issued + timedelta(days=10),
            text=RichTextValue(f"<p>Quyết định {notation}: {subject}.</p><p>Điều 1. Phạm vi điều chỉnh…</p>",
                               "text/html", "text/x-html-safe"),
        )
        previous = [doc for doc in created if doc.title == subject]
        if previous and number % 3 == 0:
            fields["replaces"] = [previous[-1].number_notation]
        elif previous:
            fields["amends"] = [previous[-1].number_notation]
        if created and number % 5 == 1:
            fields["based_on"] = [created[0].number_notation]
        if number == count - 1:
            fields["effective_from"] = clock.now().date() + timedelta(days=365)  # not yet in force, whenever the demo runs
        doc_id = notation.replace("/", "-").replace("Đ", "D").lower()
        doc = api.content.create(container=portal["legal-documents"], type="LegalDocument", id=doc_id, **fields)
        api.content.create(container=doc, type="ArchiveAttachment", id="toan-van", title=f"Toàn văn {notation}",
                           file=_pdf_file("toan-van.pdf", notation, subject))
        path = ("submit", "approve", "publish") if number < count - 4 else ("submit", "approve", "publish")[: number % 4]
        for transition in path:
            workflow.doActionFor(doc, transition)
        created.append(doc)
    return created


def load_demo_data(context):
    portal = api.portal.get()
    if "000.00.00.H41" in portal.agencies:
        logger.info("Demo data already present")
        return
    rng = _rng()
    create_agencies(portal)
    create_users(demo_password())
    create_procedures(portal)
    dossiers = create_dossiers(portal, rng)
    create_legal_documents(portal, rng)
    # A first batch of the closed items gets its AIP now, so the archivist's pages show packages
    # without a worker; the rest wait in the closing outbox for one (make start-full runs it).
    closed = closing.close_pending(limit=DEMO_PACKAGES)
    create_retention_demo(portal)
    logger.info("Demo data loaded: %d dossiers, %d archival packages", len(dossiers), len(closed))
