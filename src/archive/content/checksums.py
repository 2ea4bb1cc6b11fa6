"""SHA-256 of every stored file, computed when the file is stored or replaced (fixity baseline)."""
import hashlib

CHUNK = 1 << 20


def sha256_of(named_file):
    if named_file is None:
        return None
    digest = hashlib.sha256()
    with named_file.open() as stream:
        for block in iter(lambda: stream.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def update_file_checksum(obj, event=None):
    obj.sha256 = sha256_of(getattr(obj, "file", None))


def update_result_checksum(obj, event=None):
    obj.file_sha256 = sha256_of(getattr(obj, "file", None))
