"""`archive edxml sign|verify|inspect`: output and exit codes."""

import hashlib
import json

import pytest
from exchange_helpers import H41, H49, RSA_SHA1, SHA1, sample_edoc, xmlsec1, xmlsec1_sign

from archive.cli import main as archive_main
from archive.exchange import edxml
from archive.exchange.edxml import Attachment


@pytest.fixture
def files(tmp_path, nghe_an, quang_ninh):
    trust_dir = tmp_path / "trust"
    trust_dir.mkdir()
    (trust_dir / f"{H41}.pem").write_bytes(nghe_an.cert_pem)
    (trust_dir / f"{H49}.pem").write_bytes(quang_ninh.cert_pem)
    key, cert = nghe_an.write(tmp_path)
    unsigned = tmp_path / "unsigned.xml"
    payload = b"%PDF-1.7 attachment body"
    unsigned.write_bytes(edxml.to_bytes(edxml.build_edoc(sample_edoc(attachments=[
        Attachment("quyet-dinh.pdf", payload, "application/pdf"),
        Attachment("phu-luc.xlsx", b"PK\x03\x04", "application/vnd.ms-excel"),
    ]))))
    return {"dir": tmp_path, "trust": str(trust_dir), "key": key, "cert": cert, "unsigned": str(unsigned),
            "payload": payload}


def sign(files, out_name="signed.xml"):
    out = str(files["dir"] / out_name)
    rc = archive_main(["edxml", "sign", files["unsigned"], out, "--key", files["key"], "--cert", files["cert"]])
    assert rc == 0
    return out


def test_sign_then_verify(files, capsys):
    out = sign(files)
    capsys.readouterr()
    assert archive_main(["edxml", "verify", out, "--trust", files["trust"]]) == 0
    stdout = capsys.readouterr().out
    assert f"sender: {H41}" in stdout
    assert "signer: " in stdout and "CN=UBND tinh Nghe An" in stdout
    # The file written by the CLI is accepted by xmlsec1 too.
    xmlsec1("--verify", "--pubkey-cert-pem", files["cert"], out)


def test_verify_refusal_exit_code_and_reason(files, capsys):
    out = sign(files)
    with open(out, "rb") as fh:
        data = fh.read()
    tampered = files["dir"] / "tampered.xml"
    tampered.write_bytes(data.replace("phê duyệt".encode(), "phê chuẩn".encode()))
    capsys.readouterr()
    assert archive_main(["edxml", "verify", str(tampered), "--trust", files["trust"]]) == 1
    assert "REFUSED tampered" in capsys.readouterr().err


def test_verify_unknown_signer(files, tmp_path, capsys):
    out = sign(files)
    empty = tmp_path / "empty-trust"
    empty.mkdir()
    assert archive_main(["edxml", "verify", out, "--trust", str(empty)]) == 1
    assert "REFUSED unknown_certificate" in capsys.readouterr().err


def test_verify_sha1_needs_the_flag(files, nghe_an, capsys):
    f = files["dir"] / "legacy.xml"
    f.write_bytes(xmlsec1_sign(nghe_an, files["dir"], sig=RSA_SHA1, digest=SHA1))
    capsys.readouterr()
    assert archive_main(["edxml", "verify", str(f), "--trust", files["trust"]]) == 1
    assert "REFUSED weak_algorithm" in capsys.readouterr().err
    assert archive_main(["edxml", "verify", str(f), "--trust", files["trust"], "--allow-sha1"]) == 0
    captured = capsys.readouterr()
    assert f"sender: {H41}" in captured.out and "rsa-sha1" in captured.out
    assert "WARNING weak_algorithm" in captured.err


def test_inspect_json(files, capsys):
    out = sign(files)
    capsys.readouterr()
    assert archive_main(["edxml", "inspect", out]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["message_type"] == "edoc" and info["signed"] is True and info["signature_verified"] is False
    assert info["header"]["from"]["organ_id"] == H41
    assert info["header"]["to"][0]["organ_id"] == H49
    assert info["header"]["subject"].startswith("Về việc")
    assert info["header"]["promulgation_info"]["promulgation_date"]
    first, second = info["attachments"]
    assert first == {
        "name": "quyet-dinh.pdf",
        "content_type": "application/pdf",
        "content_id": "cid:attachment-1",
        "size": len(files["payload"]),
        "sha256": hashlib.sha256(files["payload"]).hexdigest(),
    }
    assert second["name"] == "phu-luc.xlsx" and second["size"] == 4


def test_inspect_refuses_dtd(files, capsys):
    f = files["dir"] / "dtd.xml"
    f.write_bytes(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    assert archive_main(["edxml", "inspect", str(f)]) == 1
    assert "REFUSED dtd_forbidden" in capsys.readouterr().err


def test_sign_refuses_invalid_input(files, capsys):
    bad = files["dir"] / "bad.xml"
    bad.write_bytes(edxml.to_bytes(edxml.build_edoc(sample_edoc(subject="x" * 501))))
    rc = archive_main(["edxml", "sign", str(bad), str(files["dir"] / "o.xml"), "--key", files["key"],
                         "--cert", files["cert"]])
    assert rc == 1
    assert "Subject" in capsys.readouterr().err


def test_io_and_usage_errors(files, capsys):
    assert archive_main(["edxml", "inspect", str(files["dir"] / "missing.xml")]) == 2
    assert archive_main(["edxml", "verify", files["unsigned"], "--trust", str(files["dir"] / "nope")]) == 2
    with pytest.raises(SystemExit) as exc:
        archive_main(["edxml", "verify", files["unsigned"]])  # --trust is required
    assert exc.value.code == 2


def test_parser_prog_and_register():
    import argparse

    from archive.cli import build_parser
    from archive.exchange import cli_edxml

    assert build_parser().prog == "archive"
    parser = argparse.ArgumentParser(prog="archive")
    sub = parser.add_subparsers(dest="command")
    cli_edxml.register(sub)
    args = parser.parse_args(["edxml", "inspect", "f.xml"])
    assert args.func is cli_edxml.cmd_inspect
