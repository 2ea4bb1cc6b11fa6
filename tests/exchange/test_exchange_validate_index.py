"""validate() reads each parent's children once (an index for the call); the answers stay those of children()."""

import threading

import pytest
from exchange_helpers import sample_edoc
from lxml import etree

from archive.exchange import edxml

NS = {"e": edxml.NS}


def test_index_lives_only_during_validate():
    root = edxml.build_edoc(sample_edoc())
    assert edxml.validate(root) == edxml.EDOC
    assert edxml._CHILD_INDEX.get() is None
    bad = edxml.build_edoc(sample_edoc(subject="x" * 600))
    with pytest.raises(edxml.ValidationError):
        edxml.validate(bad)
    assert edxml._CHILD_INDEX.get() is None, "left behind by a failed validation"


def test_indexed_children_are_children():
    # Namespaced and bare children, other namespaces, comments and PIs, in document order.
    root = edxml.build_edoc(sample_edoc())
    mh = root.find("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader", NS)
    mh.append(etree.Comment("c"))
    mh.append(etree.PI("p", "x"))
    etree.SubElement(mh, "Subject").text = "bare"
    etree.SubElement(mh, "{urn:other}Subject").text = "other"
    etree.SubElement(mh, edxml.q("Subject")).text = "second"
    index = {}
    for el in root.iter(etree.Element):
        for name in {etree.QName(c).localname for c in el.iterchildren(etree.Element)} | {"Nothing"}:
            assert edxml._indexed_children(index, el).get(name, []) == edxml.children(el, name)
    assert [s.text for s in edxml._indexed_children(index, mh)["Subject"]][1:] == ["bare", "second"]
    with pytest.raises(edxml.ValidationError, match="appears 3 times"):
        edxml.validate(root)


def test_validate_in_threads():
    roots = [edxml.build_edoc(sample_edoc()) for _ in range(4)]
    errors = []

    def work(root):
        try:
            for _ in range(50):
                assert edxml.validate(root) == edxml.EDOC
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(r,)) for r in roots]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
