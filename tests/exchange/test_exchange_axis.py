"""Reference document axis and its client, end to end over HTTP on 127.0.0.1."""

import json
from datetime import datetime, timezone

import pytest
from exchange_helpers import G09, H41, H49, now_vn, sample_edoc, signed_edoc

from archive.exchange import axis_client, axis_server, edxml, trust
from archive.exchange.axis_client import AxisClient

H22 = "000.00.00.H22"  # registered but locked
UNREGISTERED = "000.00.00.H63"


@pytest.fixture(scope="module")
def axis(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("axis") / "axis.sqlite")
    config = tmp_path_factory.mktemp("axiscfg") / "agencies.json"
    config.write_text(json.dumps({"agencies": [
        {"organ_id": H41, "name": "UBND tỉnh Nghệ An", "system_id": "nghean", "secret": "s-41"},
        {"organ_id": H49, "name": "UBND tỉnh Quảng Ninh", "system_id": "quangninh", "secret": "s-49"},
        {"organ_id": G09, "name": "Bộ Nội vụ", "system_id": "bonoivu", "secret": "s-09"},
    ]}))
    assert axis_server.load_config(db, str(config)) == 3
    axis_server.register_agency(db, H22, "locked-sys", "s-22", name="Locked", locked=True)
    with axis_server.BackgroundServer(db, token_ttl=600) as server:
        yield server


def client(axis, system_id, secret):
    return AxisClient(axis.url, system_id, secret, timeout=(2, 10))


@pytest.fixture
def a(axis):
    c = client(axis, "nghean", "s-41")
    yield c
    c.close()


@pytest.fixture
def b(axis):
    c = client(axis, "quangninh", "s-49")
    yield c
    c.close()


def unsigned(msg):
    return edxml.to_bytes(edxml.build(msg))


def test_send_list_get_ack(axis, a, b, nghe_an, quang_ninh):
    since = datetime.now(timezone.utc)
    data = signed_edoc(nghe_an)
    sent = a.send(data, "edoc")
    assert sent.receivers == [H49] and len(sent.ids) == 1
    assert a.organ_id == H41

    items = b.list_received(since=since)
    assert [i.id for i in items] == sent.ids
    item = items[0]
    assert item.sender == H41 and item.type == "edoc" and item.status == "pending"
    assert item.document_id.startswith(f"{H41},") and item.size == len(data)

    got = b.get(item.id)
    assert got == data
    # The receiver checks the signature end to end.
    store = trust.TrustStore()
    store.add(H41, nghe_an.cert_pem)
    assert store.verify(got).sender == H41

    b.update_status(item.id, "processing")
    b.update_status(item.id, "done", "registered as incoming 123")
    item = b.list_received(since=since)[0]
    assert item.status == "done" and item.status_at
    assert b.list_received(since=since, status="pending") == []
    assert b.list_received(since=item.received_at) == []  # strictly after

    # Nothing for the sender itself, and A cannot read a delivery addressed to B.
    assert a.list_received(since=since) == []
    with pytest.raises(axis_client.PermanentAxisError):
        a.get(item.id)

    # B answers with a status message, routed by ResponseFor/OrganId back to A.
    st = edxml.StatusMessage(
        response_for=edxml.ResponseFor(H41, "45/QĐ-UBND", now_vn().date(), item.document_id),
        from_=edxml.Organization(H49),
        status_code="03",
        timestamp=now_vn(),
    )
    from archive.exchange import signing

    signed_status = signing.sign(unsigned(st), quang_ninh.key_pem, quang_ninh.cert_pem)
    assert b.send(signed_status, "status").receivers == [H41]
    back = a.list_received(since=since)
    assert len(back) == 1 and back[0].type == "status" and back[0].sender == H49
    assert a.get(back[0].id) == signed_status


def test_multiple_receivers_get_one_delivery_each(axis, a, b):
    msg = sample_edoc(H41, H49)
    msg.to.append(edxml.Organization(G09))
    sent = a.send(unsigned(msg))
    assert sent.receivers == [H49, G09] and len(set(sent.ids)) == 2


def test_agencies(a):
    agencies = {x["organ_id"]: x for x in a.agencies()}
    assert set(agencies) == {H41, H49, G09, H22}
    assert agencies[H22]["locked"] is True and agencies[H41]["name"] == "UBND tỉnh Nghệ An"


def test_bad_credentials_15(axis):
    c = client(axis, "nghean", "wrong")
    with pytest.raises(axis_client.AuthenticationError) as exc:
        c.authenticate()
    assert exc.value.code == 15 and not exc.value.transient and exc.value.http_status == 401
    with pytest.raises(axis_client.AuthenticationError):
        client(axis, "nobody", "x").list_received()


def test_expired_token_is_renewed_once(a):
    a.authenticate()
    a.token = "stale-token"
    assert isinstance(a.agencies(), list)
    assert a.token != "stale-token"


def test_unknown_receiver_18(a):
    with pytest.raises(axis_client.UnknownReceiverError) as exc:
        a.send(unsigned(sample_edoc(H41, UNREGISTERED)))
    assert exc.value.code == 18 and UNREGISTERED in exc.value.message


def test_sender_not_registered_19(a):
    with pytest.raises(axis_client.SenderNotRegisteredError) as exc:
        a.send(unsigned(sample_edoc(UNREGISTERED, H49)))
    assert exc.value.code == 19
    # A registered agency may not send in another agency's name either.
    with pytest.raises(axis_client.SenderNotRegisteredError):
        a.send(unsigned(sample_edoc(H49, G09)))


def test_invalid_edxml_22(a):
    with pytest.raises(axis_client.InvalidEdxmlError) as exc:
        a.send(unsigned(sample_edoc(subject="x" * 501)))
    assert exc.value.code == 22 and "Subject" in exc.value.message
    with pytest.raises(axis_client.InvalidEdxmlError):
        a.send(unsigned(sample_edoc()), "status")  # declared type does not match


def test_invalid_file_10(a):
    for body in (b"%PDF-1.7 not xml", b'<!DOCTYPE x [<!ENTITY e "e">]><x/>'):
        with pytest.raises(axis_client.InvalidFileError) as exc:
            a.send(body)
        assert exc.value.code == 10


def test_bad_base64_21(a):
    data = unsigned(sample_edoc(attachments=[edxml.Attachment("a.txt", b"hello")]))
    with pytest.raises(axis_client.FileProcessingError) as exc:
        a.send(data.replace(b"aGVsbG8=", b"aGVsbG8*"))
    assert exc.value.code == 21


def test_receiver_locked_23(a):
    with pytest.raises(axis_client.ReceiverLockedError) as exc:
        a.send(unsigned(sample_edoc(H41, H22)))
    assert exc.value.code == 23 and not exc.value.transient


def test_oversized_body_is_refused(tmp_path):
    db = str(tmp_path / "small.sqlite")
    axis_server.register_agency(db, H41, "nghean", "s")
    axis_server.register_agency(db, H49, "quangninh", "s")
    with axis_server.BackgroundServer(db, max_message_bytes=1000) as small:
        c = AxisClient(small.url, "nghean", "s")
        with pytest.raises(axis_client.InvalidFileError):
            c.send(unsigned(sample_edoc()))


def test_system_error_20_is_transient(axis, a, tmp_path):
    a.authenticate()
    good = axis.app.db_path
    axis.app.db_path = str(tmp_path / "missing-dir" / "x.sqlite")
    try:
        with pytest.raises(axis_client.AxisSystemError) as exc:
            a.agencies()
    finally:
        axis.app.db_path = good
    assert exc.value.code == 20 and exc.value.transient


def test_unreachable_axis_is_transient():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there any more
    c = AxisClient(f"http://127.0.0.1:{port}", "x", "y", timeout=(1, 1))
    with pytest.raises(axis_client.AxisUnavailable) as exc:
        c.authenticate()
    assert exc.value.transient and exc.value.code is None


def test_bad_requests(axis, b):
    with pytest.raises(axis_client.InvalidFileError):
        b.list_received(since="yesterday")
    with pytest.raises(ValueError):
        b.update_status(1, "archived")
    import requests

    r = requests.get(f"{axis.url}/api/v1/nowhere", timeout=5)
    assert r.status_code == 404 and r.json()["code"] == 10
    r = requests.get(f"{axis.url}/api/v1/agencies", timeout=5)
    assert r.status_code == 401 and r.json()["code"] == 15
