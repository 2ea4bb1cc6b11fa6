"""The bench entry point runs and reports every figure (the real numbers come from `make bench`)."""

import os
import subprocess
import sys

from archive.exchange import bench


def test_bench_smoke():
    result = bench.run(seconds=0.5)
    for key in ("edxml_sign_per_s", "edxml_verify_per_s", "edxml_accept_per_s", "edxml_verify_other_form_per_s",
                "verify_other_form_vs_rsa_verify",
                "rsa2048_sign_per_s", "rsa2048_verify_per_s", "sign_vs_rsa_sign", "verify_vs_rsa_verify",
                "edxml_sign_per_cpu_s", "edxml_verify_per_cpu_s", "rsa2048_sign_per_cpu_s", "rsa2048_verify_per_cpu_s",
                "sign_vs_rsa_sign_cpu"):
        assert result[key] > 0, key
    assert len(result["load_average_1_5_15_before"].split()) == 3
    assert 4 * 1024 <= result["message_bytes_unsigned"] - 136_536 <= 6 * 1024  # 5 KB + base64 of 100 KB


def test_exchange_is_a_plain_library():
    # In a fresh interpreter: pytest plugins and other tests load Zope modules in this one.
    code = (
        "import sys\n"
        "import archive.exchange.axis_client, archive.exchange.axis_server, archive.exchange.bench\n"
        "import archive.exchange.cli_edxml, archive.exchange.trust\n"
        "roots = ('Products', 'plone', 'Zope2', 'zope', 'OFS', 'App', 'z3c', 'five', 'ZODB')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in roots))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
