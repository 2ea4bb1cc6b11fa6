"""Permission declarations for DCWorkflow's role mappings, looked up once per class.

A workflow state sets the roles of each permission it manages through DCWorkflow's
`modifyRolesForPermission`, which finds the one declaration it needs (the permission's
name and the methods it guards) by gathering every permission of the object's classes and
of Zope: about 180 for a dossier, rebuilt for each of the 5 permissions the dossier
workflow manages, on every state change including the first (about 0.1 ms each; 3 % of
a dossier's intake, measured by taking turns with and without). The list depends only on
the class and on the permissions registered in Zope, so it is kept per class and rebuilt
when a permission is registered; an object that declares permissions of its own is looked
up the long way.
"""
from AccessControl.Permission import getPermissions
from Acquisition import aq_base
from Products.DCWorkflow import utils

_gather_all = utils.ac_inherited_permissions
_by_class = {}


def inherited_permissions(ob, all=0):
    base = aq_base(ob)
    if "__ac_permissions__" in getattr(base, "__dict__", {}):
        return _gather_all(ob, all)
    key = (type(base), bool(all), len(getPermissions()))  # registering a permission only appends
    found = _by_class.get(key)
    if found is None:
        found = _by_class[key] = tuple(_gather_all(ob, all))
    return list(found)


def install():
    utils.ac_inherited_permissions = inherited_permissions
