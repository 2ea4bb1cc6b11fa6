"""Printable one-stop slips of Circular 03/2025/TT-VPCP (forms 01-07), rendered as PDF.

The wording of each form is the statutory Vietnamese text of the circular's annex, so it is
printed as it stands in every UI language. A TrueType font with full Vietnamese coverage
(DejaVu Sans, Debian's fonts-dejavu-core; another folder through ARCHIVE_SLIP_FONT_DIR) is
embedded, so a slip prints the same everywhere. The receipt (form 01) carries a QR code
that opens the public status page of its dossier.

The functions take plain values (a dossier, the status page URL, the centre's name) and
return PDF bytes; the browser views in archive.browser.slips gather them.
"""
import io
import os
from datetime import datetime

import qrcode
from archive.content import clock
from archive.content.vocabularies import COMPONENT_KINDS
from archive.i18n import _
from fpdf import FPDF
from fpdf.enums import XPos
from fpdf.enums import YPos

FONT_DIR = os.environ.get("ARCHIVE_SLIP_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = "DejaVuSans.ttf"
FONT_BOLD = "DejaVuSans-Bold.ttf"

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
KIND_NAMES = {"original": "Bản chính", "copy": "Bản sao", "electronic_copy": "Bản sao điện tử"}
assert set(KIND_NAMES) == {value for value, _title in COMPONENT_KINDS}

# (slip id, title for the officer's UI, browser view, states of the dossier it applies to)
SLIPS = (
    ("receipt", _("slip_receipt", default="01 Receipt and appointment slip"), "slip-receipt", None),
    ("supplement", _("slip_supplement", default="02 Supplement request"), "slip-supplement",
     ("supplement_requested",)),
    ("refusal", _("slip_refusal", default="03 Refusal"), "slip-refusal", ("refused",)),
    ("extension", _("slip_extension", default="04 Apology and new appointment"), "slip-extension", None),
    ("stopped", _("slip_stopped", default="05 Notice of stopped processing"), "slip-stopped", ("stopped",)),
    ("control", _("slip_control", default="06 Processing control slip"), "slip-control", None),
)


def applicable(dossier, state=None):
    """(id, title, view) of the slips that make sense for this dossier now."""
    from plone import api

    state = state or api.content.get_state(dossier, default=None)
    found = []
    for slip_id, title, view, states in SLIPS:
        if slip_id == "receipt" and state == "refused":
            continue
        if slip_id == "supplement" and not (dossier.supplement_requests or []):
            continue
        if slip_id == "extension" and not extensions(dossier):
            continue
        if states and slip_id != "supplement" and state not in states:
            continue
        found.append((slip_id, title, view))
    return found


def extensions(dossier):
    return list(getattr(dossier, "extensions", None) or [])


def _date(value, with_time=True):
    if value is None:
        return "…"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    value = clock.to_local_naive(value) if isinstance(value, datetime) else value
    if with_time and isinstance(value, datetime):
        return f"{value:%H} giờ {value:%M} phút, ngày {value:%d/%m/%Y}"
    return f"ngày {value:%d/%m/%Y}"


class Slip(FPDF):
    """An A4 page in the layout of the circular's forms, with the embedded font."""

    def __init__(self, orientation="P"):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.add_font("DejaVu", "", os.path.join(FONT_DIR, FONT_REGULAR))
        self.add_font("DejaVu", "B", os.path.join(FONT_DIR, FONT_BOLD))
        self.set_margins(20, 15, 15)
        self.set_auto_page_break(True, 15)
        self.add_page()
        self.set_font("DejaVu", size=11)

    def mc(self, width, height, text, **kwargs):
        """A paragraph; the next one starts on the next line at the left margin."""
        self.multi_cell(width, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, **kwargs)

    def header_block(self, agency_name, centre_name, code=None):
        """The issuing body on the left, the national motto on the right."""
        half = (self.w - self.l_margin - self.r_margin) / 2
        top = self.get_y()
        self.set_font("DejaVu", size=10)
        self.mc(half - 5, 5, (centre_name or "").upper(), align="C")
        self.set_font("DejaVu", "B", 10)
        self.mc(half - 5, 5, (agency_name or "").upper(), align="C")
        if code:
            self.set_font("DejaVu", size=10)
            self.mc(half - 5, 5, f"Mã hồ sơ: {code}", align="C")
        left_bottom = self.get_y()
        self.set_xy(self.l_margin + half, top)
        self.set_font("DejaVu", "B", 10)
        self.mc(half, 5, NATION, align="C")
        self.set_x(self.l_margin + half)
        self.mc(half, 5, MOTTO, align="C")
        self.set_x(self.l_margin + half)
        self.set_font("DejaVu", size=10)
        self.mc(half, 5, f"Ngày {clock.now():%d} tháng {clock.now():%m} năm {clock.now():%Y}", align="C")
        self.set_y(max(left_bottom, self.get_y()) + 6)

    def heading(self, text, subtitle=None):
        self.set_font("DejaVu", "B", 13)
        self.mc(0, 7, text, align="C")
        if subtitle:
            self.set_font("DejaVu", size=10)
            self.mc(0, 5, subtitle, align="C")
        self.ln(4)
        self.set_font("DejaVu", size=11)

    def para(self, text, bold=False):
        self.set_font("DejaVu", "B" if bold else "", 11)
        self.mc(0, 6, text)
        self.set_font("DejaVu", size=11)

    def grid(self, headings, rows, widths, size=9):
        self.set_font("DejaVu", "B", size)
        for heading, width in zip(headings, widths):
            self.cell(width, 7, heading, border=1, align="C")
        self.ln()
        self.set_font("DejaVu", size=size)
        for row in rows:
            with self.table_row_height(row, widths) as height:
                x = self.get_x()
                y = self.get_y()
                for value, width in zip(row, widths):
                    self.set_xy(x, y)
                    self.mc(width, 5, str(value), border=0)
                    self.rect(x, y, width, height)
                    x += width
                self.set_xy(self.l_margin, y + height)
        self.set_font("DejaVu", size=11)

    def table_row_height(self, row, widths):
        pdf = self

        class _Row:
            def __enter__(self):
                lines = max(len(pdf.multi_cell(w, 5, str(v), dry_run=True, output="LINES")) for v, w in zip(row, widths))
                height = max(lines, 1) * 5 + 1
                if pdf.get_y() + height > pdf.h - pdf.b_margin:
                    pdf.add_page()
                return height

            def __exit__(self, *exc):
                return False

        return _Row()

    def signatures(self, left, right):
        self.ln(8)
        half = (self.w - self.l_margin - self.r_margin) / 2
        self.set_font("DejaVu", "B", 11)
        y = self.get_y()
        self.mc(half, 6, left, align="C")
        self.set_xy(self.l_margin + half, y)
        self.mc(half, 6, right, align="C")
        self.set_font("DejaVu", size=9)
        self.mc(0, 5, "(Ký và ghi rõ họ tên)", align="C")

    def qr(self, url, size=32):
        image = qrcode.make(url, box_size=8, border=2).get_image()
        x = self.w - self.r_margin - size
        y = self.get_y()
        if y + size > self.h - self.b_margin:
            self.add_page()
            y = self.get_y()
        self.image(image, x=x, y=y, w=size, h=size)
        self.set_font("DejaVu", size=9)
        self.set_xy(self.l_margin, y + 4)
        self.mc(self.w - self.l_margin - self.r_margin - size - 5, 5,
                        "Quét mã QR hoặc truy cập địa chỉ sau để tra cứu tình trạng hồ sơ "
                        "(nhập mã hồ sơ và 4 số cuối của số giấy tờ):\n" + url.split("?")[0])
        self.set_y(y + size + 2)
        self.set_font("DejaVu", size=11)

    def output_bytes(self):
        return bytes(self.output())


def _procedure_title(dossier, procedure):
    """The procedure's title, or the dossier's procedure code where the procedure is not found."""
    return procedure.title if procedure is not None else dossier.procedure_code


def _dossier_slip(title, dossier, agency_name, centre_name):
    """A portrait slip with the agency header and a heading naming the dossier's code."""
    pdf = Slip()
    pdf.header_block(agency_name, centre_name)
    pdf.heading(title, f"Mã hồ sơ: {dossier.dossier_code}")
    return pdf


def _applicant(pdf, dossier):
    pdf.para(f"Tiếp nhận hồ sơ của: {dossier.applicant_name}")
    pdf.para(f"Địa chỉ: {dossier.applicant_address or '…'}")
    contact = [f"Số điện thoại: {dossier.applicant_phone}" if dossier.applicant_phone else "",
               f"Thư điện tử: {dossier.applicant_email}" if dossier.applicant_email else ""]
    if any(contact):
        pdf.para("   ".join(c for c in contact if c))


def receipt(dossier, procedure, components, agency_name, centre_name, status_url):
    """Form 01: receipt and appointment slip, with the QR code of the public status page."""
    pdf = _dossier_slip("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", dossier, agency_name, centre_name)
    pdf.para(f"Bộ phận tiếp nhận và trả kết quả: {centre_name}")
    _applicant(pdf, dossier)
    pdf.para(f"Nội dung yêu cầu giải quyết: {_procedure_title(dossier, procedure)}")
    pdf.para("1. Thành phần hồ sơ nộp gồm:")
    rows = [(number, c["title"], KIND_NAMES.get(c["kind"], c["kind"] or ""), "01")
            for number, c in enumerate(components, start=1)]
    pdf.grid(("TT", "Tên loại giấy tờ", "Hình thức", "Số lượng"), rows or [("", "", "", "")], (12, 100, 35, 28))
    pdf.ln(2)
    pdf.para("2. Số lượng hồ sơ: 01 bộ")
    days = getattr(procedure, "processing_days", None)
    pdf.para(f"3. Thời gian giải quyết hồ sơ theo quy định là: {days:g} ngày làm việc" if days else
             "3. Thời gian giải quyết hồ sơ theo quy định là: …")
    pdf.para(f"4. Thời gian nhận hồ sơ: {_date(dossier.received)}")
    pdf.para(f"5. Thời gian trả kết quả giải quyết hồ sơ: {_date(dossier.due)}", bold=True)
    pdf.para(f"6. Đăng ký nhận kết quả tại: {centre_name}")
    fee = getattr(procedure, "fee", None)
    if fee:
        pdf.para(f"7. Phí, lệ phí: {fee:,} đồng".replace(",", "."))
    pdf.para("Vào Sổ theo dõi hồ sơ.")
    pdf.signatures("NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ")
    pdf.ln(6)
    pdf.qr(status_url)
    return pdf.output_bytes()


def supplement(dossier, procedure, request, agency_name, centre_name):
    """Form 02: request to supplement and complete the dossier (its latest request)."""
    pdf = _dossier_slip("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", dossier, agency_name, centre_name)
    pdf.para(f"Hồ sơ của: {dossier.applicant_name}")
    pdf.para(f"Nội dung yêu cầu giải quyết: {_procedure_title(dossier, procedure)}")
    pdf.para(f"Ngày yêu cầu bổ sung: {_date(request.get('requested'))}")
    pdf.para("Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:")
    for number, item in enumerate(request.get("missing") or [], start=1):
        pdf.para(f"{number}. {item}")
    if request.get("reason"):
        pdf.para(f"Lý do: {request['reason']}")
    pdf.para("Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, ông/bà liên hệ "
             f"{centre_name} để được hướng dẫn.")
    pdf.signatures("NGƯỜI NỘP HỒ SƠ", "NGƯỜI HƯỚNG DẪN")
    return pdf.output_bytes()


def refusal(dossier, procedure, reason, agency_name, centre_name):
    """Form 03: refusal to receive and process the dossier."""
    pdf = _dossier_slip("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", dossier, agency_name, centre_name)
    pdf.para(f"{centre_name} tiếp nhận hồ sơ của: {dossier.applicant_name}")
    pdf.para(f"Nội dung yêu cầu giải quyết: {_procedure_title(dossier, procedure)}")
    pdf.para("Sau khi xem xét, đối chiếu, cơ quan, đơn vị từ chối tiếp nhận, giải quyết hồ sơ với lý do sau:")
    pdf.para(reason or "…", bold=True)
    pdf.para("Xin thông báo để ông/bà được biết và thực hiện.")
    pdf.signatures("", "NGƯỜI TIẾP NHẬN HỒ SƠ")
    return pdf.output_bytes()


def extension(dossier, procedure, entry, agency_name, centre_name):
    """Form 04: apology and new appointment date, for an extension of the processing time."""
    pdf = _dossier_slip("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", dossier, agency_name, centre_name)
    pdf.para(f"Kính gửi: {dossier.applicant_name}")
    pdf.para(f"Ngày {_date(dossier.received, False)[5:]}, {centre_name} tiếp nhận hồ sơ đề nghị giải quyết thủ tục "
             f"{_procedure_title(dossier, procedure)}.")
    pdf.para(f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {_date(entry.get('previous_due'))}.")
    pdf.para("Tuy nhiên, đến nay cơ quan chưa trả kết quả giải quyết hồ sơ cho ông/bà.")
    pdf.para(f"Lý do: {entry.get('reason')}")
    pdf.para("Sự chậm trễ này đã gây phiền hà cho ông/bà. Chúng tôi xin lỗi ông/bà và sẽ trả kết quả "
             f"giải quyết hồ sơ cho ông/bà vào {_date(entry.get('new_due'))}.", bold=True)
    pdf.para("Chúng tôi xin trân trọng cảm ơn sự hợp tác của ông/bà.")
    pdf.signatures("", "THỦ TRƯỞNG CƠ QUAN")
    return pdf.output_bytes()


def stopped(dossier, procedure, reason, agency_name, centre_name):
    """Form 05: notice that processing of the dossier has stopped."""
    pdf = _dossier_slip("THÔNG BÁO VỀ VIỆC DỪNG XỬ LÝ HỒ SƠ", dossier, agency_name, centre_name)
    pdf.para(f"Kính gửi: {dossier.applicant_name}")
    pdf.para(f"Cơ quan, đơn vị dừng xử lý hồ sơ đề nghị giải quyết thủ tục "
             f"{_procedure_title(dossier, procedure)}, nhận {_date(dossier.received)}.")
    pdf.para(f"Lý do: {reason or '…'}", bold=True)
    pdf.para("Xin thông báo để ông/bà được biết.")
    pdf.signatures("", "THỦ TRƯỞNG CƠ QUAN")
    return pdf.output_bytes()


def control(dossier, procedure, steps, agency_name, centre_name):
    """Form 06: processing control slip, one row per hand-over (from the workflow history).

    `steps` holds dicts with time, actor, action, state and comment."""
    pdf = _dossier_slip("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", dossier, agency_name, centre_name)
    pdf.para(f"Cơ quan, đơn vị giải quyết: {agency_name}")
    pdf.para(f"Tên thủ tục: {_procedure_title(dossier, procedure)}")
    pdf.para(f"Người nộp: {dossier.applicant_name}")
    pdf.para(f"Thời gian nhận hồ sơ: {_date(dossier.received)}")
    pdf.para(f"Thời gian hẹn trả kết quả: {_date(dossier.due)}")
    pdf.ln(2)
    rows = [(s["time"], s["actor"], s["action"], s["state"], s["comment"]) for s in steps]
    pdf.grid(("Thời gian giao, nhận", "Người thực hiện", "Thao tác", "Trạng thái", "Ghi chú"), rows,
              (32, 28, 38, 33, 44))
    return pdf.output_bytes()


def register(rows, agency_name, centre_name, start, end):
    """Form 07: the dossier register for a period, one row per dossier received in it.

    `rows` holds dicts with code, procedure, applicant, address, received, due, completed,
    returned and state."""
    pdf = Slip(orientation="L")
    pdf.header_block(agency_name, centre_name)
    pdf.heading("SỔ THEO DÕI HỒ SƠ", f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}")
    table = [(n, r["code"], r["procedure"], r["applicant"], r["address"], r["received"], r["due"],
              r["completed"], r["returned"], r["state"]) for n, r in enumerate(rows, start=1)]
    pdf.grid(("TT", "Mã hồ sơ", "Tên thủ tục", "Người nộp", "Địa chỉ", "Ngày nhận", "Hẹn trả",
               "Có kết quả", "Đã trả", "Trạng thái"), table or [("",) * 10], (8, 50, 40, 30, 30, 22, 22, 22, 20, 18), size=8)
    pdf.para(f"Tổng số hồ sơ: {len(rows)}")
    return pdf.output_bytes()


def payment_notice(dossier, procedure, fee, payments, account, qr_payload, agency_name, centre_name):
    """The fee notice of a dossier: what is due, what was paid (receipt numbers), and the VietQR
    bank-transfer code for what remains (when the centre's account is configured)."""
    pdf = _dossier_slip("THÔNG BÁO PHÍ, LỆ PHÍ VÀ BIÊN LAI THU", dossier, agency_name, centre_name)
    pdf.para(f"Người nộp: {dossier.applicant_name}")
    pdf.para(f"Thủ tục: {_procedure_title(dossier, procedure)}")
    paid = sum(p["amount"] for p in payments)
    pdf.para(f"Phí, lệ phí phải nộp: {_money(fee)}", bold=True)
    rows = [(p["receipt_number"], _date(p["time"]), PAYMENT_METHODS.get(p["method"], p["method"]), _money(p["amount"]))
            for p in payments]
    if rows:
        pdf.grid(("Số biên lai", "Thời gian", "Hình thức", "Số tiền"), rows, (55, 60, 30, 30))
    pdf.para(f"Đã nộp: {_money(paid)}   Còn phải nộp: {_money(max(fee - paid, 0))}", bold=True)
    if qr_payload and account:
        pdf.para(f"Chuyển khoản: tài khoản {account[1]} ({account[2]}), mã ngân hàng {account[0]}, "
                 f"nội dung {dossier.dossier_code}")
        image = qrcode.make(qr_payload, box_size=8, border=2).get_image()
        pdf.image(image, x=pdf.l_margin, y=pdf.get_y() + 2, w=40, h=40)
        pdf.set_y(pdf.get_y() + 44)
        pdf.para("Quét mã VietQR bằng ứng dụng ngân hàng để chuyển khoản.")
    return pdf.output_bytes()


PAYMENT_METHODS = {"cash": "Tiền mặt", "transfer": "Chuyển khoản", "vietqr": "VietQR"}


def _money(amount):
    return f"{int(amount):,} đồng".replace(",", ".")
