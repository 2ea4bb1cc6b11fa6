"""Pages of preservation for people: an item's packages, the archivist's package overview,
and the printable transfer list of handed-out SIPs."""
from datetime import date

from Products.Five.browser import BrowserView

from archive.audit.journal import journal
from archive.browser.dossier import human_size
from archive.preservation import closing
from archive.preservation import fixity
from archive.preservation import store


class ArchivalPackageView(BrowserView):
    """@@archival-package on an item: its stored packages, their files and events."""

    human_size = staticmethod(human_size)

    def packages(self):
        return [record.plain() for record in store.packages_of(self.context.UID())]

    def alert(self):
        return fixity.alert_of(self.context)


class PackagesOverview(BrowserView):
    """@@archive-packages: every stored package, damaged first, and what waits for closing."""

    human_size = staticmethod(human_size)

    def packages(self):
        records = sorted(store.all_packages(), key=lambda r: r.created, reverse=True)
        records.sort(key=lambda r: r.state != store.DAMAGED)
        site_path = "/".join(self.context.getPhysicalPath())
        base = self.context.absolute_url()
        packages = []
        for record in records:
            data = record.plain()
            inside = data["path"] and data["path"].startswith(site_path + "/")
            data["url"] = f"{base}{data['path'][len(site_path):]}/@@archival-package" if inside else None
            packages.append(data)
        return packages

    def pending(self):
        return closing.pending()


class TransferList(BrowserView):
    """@@transfer-list?start=YYYY-MM-DD&end=YYYY-MM-DD: the SIPs handed out in a period,
    from the journal (one printable page)."""

    def _day(self, name):
        value = self.request.form.get(name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.request.response.setStatus(400)
            self.error = name
            return None

    def update(self):
        self.error = None
        self.start, self.end = self._day("start"), self._day("end")

    def transfers(self):
        rows = []
        entries = journal(create=False)
        if entries is None:
            return rows
        for entry in entries.values():
            if entry["action"] != "package.exported":
                continue
            day = date.fromisoformat(entry["time"][:10])
            if (self.start and day < self.start) or (self.end and day > self.end):
                continue
            details = entry["details"]
            rows.append({"time": entry["time"][:19].replace("T", " "), "actor": entry["actor"], "path": entry["path"],
                         "package": details.get("package"), "sha256": details.get("sha256"),
                         "files": details.get("files"), "size": human_size(details.get("size") or 0)})
        return rows

    def __call__(self):
        self.update()
        return self.index()
