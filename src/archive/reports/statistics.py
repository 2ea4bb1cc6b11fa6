"""Centre statistics: the dashboard's figures per agency or procedure, counted from catalog indexes.

The figures concern the dossiers received in a period (a cohort): received, finished,
early, on time, late, overdue (still open past the appointment), in supplement, online;
rates are on-time (early or on time, of finished), online (of received) and digitisation
(digitised components, of all components; summed from two metadata columns).
"""
from archive.reports import queries
from plone import api

FIGURES = ("received", "finished", "early", "on_time", "late", "overdue", "supplement", "online")
GROUPINGS = ("agency", "procedure")

# What each figure adds to the cohort's query; the same parameters drill down to the list.
FIGURE_FILTERS = {
    "received": {},
    "finished": {"state": queries.DONE_STATES},
    "early": {"timeliness": "early"},
    "on_time": {"timeliness": "on_time"},
    "late": {"timeliness": "late"},
    "overdue": {"overdue": "1"},
    "supplement": {"state": "supplement_requested"},
    "online": {"channel": "online"},
}


def groups(grouping):
    """[(code, title)] of the agencies or procedures the user may see, in code order."""
    catalog = api.portal.get_tool("portal_catalog")
    if grouping == "agency":
        brains = catalog.searchResults(portal_type="Agency", sort_on="agency_code")
        return [(b.agency_code, b.Title) for b in brains]
    if grouping == "procedure":
        brains = catalog.searchResults(portal_type="Procedure", sort_on="procedure_code")
        return [(b.procedure_code, b.Title) for b in brains]
    raise queries.FilterError("group", f"one of {', '.join(GROUPINGS)}")


def _figure_query(base, figure, now):
    extra = FIGURE_FILTERS[figure]
    query = dict(base)
    if "state" in extra:
        query["review_state"] = extra["state"]
    if "timeliness" in extra:
        query["timeliness"] = extra["timeliness"]
    if "channel" in extra:
        query["channel"] = extra["channel"]
    if "overdue" in extra:
        query["review_state"] = queries.ACTIVE_STATES
        query["due"] = queries.due_window("overdue", now)
    return query


def _rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def figures(base_query, now=None):
    """The figures and rates of the dossiers `base_query` selects."""
    now = now or queries.clock.now()
    counts = {figure: queries.count(_figure_query(base_query, figure, now)) for figure in FIGURES}
    catalog = api.portal.get_tool("portal_catalog")
    components = digitised = 0
    for brain in catalog.searchResults(**base_query):  # metadata only, no object is loaded
        components += brain.components_count or 0
        digitised += brain.components_digitised or 0
    counts["on_time_rate"] = _rate(counts["early"] + counts["on_time"],
                                   counts["early"] + counts["on_time"] + counts["late"])
    counts["online_rate"] = _rate(counts["online"], counts["received"])
    counts["digitisation_rate"] = _rate(digitised, components)
    return counts


def dashboard(form, now=None):
    """{"grouping", "filters", "total": figures, "rows": [{code, title, figures, params}]}.

    `form` takes group (agency or procedure), start, end, agency and procedure; a wrong
    value raises queries.FilterError naming the parameter.
    """
    grouping = form.get("group") or "agency"
    if grouping not in GROUPINGS:
        raise queries.FilterError("group", f"one of {', '.join(GROUPINGS)}")
    filters = {key: form[key] for key in ("start", "end", "agency", "procedure", "channel") if form.get(key)}
    base = queries.dossier_query(filters, now=now)
    rows = []
    for code, title in groups(grouping):
        if filters.get(grouping) and filters[grouping] != code:
            continue
        row = figures(dict(base, **{f"{grouping}_code": code}), now)
        if row["received"]:
            rows.append({"code": code, "title": title, "figures": row, "params": dict(filters, **{grouping: code})})
    return {"grouping": grouping, "filters": filters, "total": figures(base, now), "rows": rows}
