"""Fixtures for the edXML exchange tests: throw-away RSA keys and self-signed certificates."""

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from exchange_helpers import G09, H41, H49, Party, make_cert


@pytest.fixture(scope="session")
def rsa_keys():
    # Key generation is the slow part; three keys serve every test.
    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]


@pytest.fixture(scope="session")
def nghe_an(rsa_keys):
    return Party(H41, rsa_keys[0], make_cert(rsa_keys[0], "UBND tinh Nghe An"))


@pytest.fixture(scope="session")
def quang_ninh(rsa_keys):
    return Party(H49, rsa_keys[1], make_cert(rsa_keys[1], "UBND tinh Quang Ninh"))


@pytest.fixture(scope="session")
def stranger(rsa_keys):
    return Party(G09, rsa_keys[2], make_cert(rsa_keys[2], "Unregistered signer"))
