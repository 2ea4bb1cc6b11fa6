"""Types that link to nothing: no relation field, no rich text.

plone.app.relationfield declares every Dexterity object a source of relations, so each
add and edit of one walks every field of the ~70 interfaces it provides looking for
relation values (z3c.relationfield), and linkintegrity scans it for links. For a
dossier that search always comes back empty, and at intake it was about a sixth of
the time. Declaring such a type without outgoing relations skips the search; links
*to* it (incoming relations, intids, linkintegrity's checks before a delete) work as
before.

The declaration must see every interface the site's ZCML gives the base classes, so
it is a ZCML action run after the default ones (`order=1`).
"""
from z3c.relationfield.interfaces import IHasIncomingRelations
from z3c.relationfield.interfaces import IHasOutgoingRelations
from zope.configuration.fields import GlobalObject
from zope.interface import classImplementsOnly
from zope.interface import implementedBy
from zope.interface import Interface


def declare_without_outgoing_relations(class_):
    """Let `class_` implement what it does now, minus being a source of relations.

    Its own declaration is replaced by the interfaces it has now (less the relation
    source ones) followed by the declarations of its base classes that do not make it a
    source, so registrations for such a class (the audit's, for ArchiveRecord) still
    apply to it."""
    interfaces = (implementedBy(class_) - IHasOutgoingRelations).interfaces()
    bases = [implementedBy(base) for base in class_.__mro__[1:]
             if not implementedBy(base).isOrExtends(IHasOutgoingRelations)]
    classImplementsOnly(class_, *interfaces, IHasIncomingRelations, *bases)


class IWithoutOutgoingRelations(Interface):
    class_ = GlobalObject(title="Content class that links to nothing", required=True)


def without_outgoing_relations(_context, class_):
    _context.action(
        discriminator=("archive:withoutOutgoingRelations", class_),
        callable=declare_without_outgoing_relations,
        args=(class_,),
        order=1,
    )
