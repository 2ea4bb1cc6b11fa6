"""Extract the archive's messages (schemas, Python, templates, workflows, types) into locales/.

    .venv/bin/python scripts/update_locales.py

Writes src/archive/locales/archive.pot and merges it into the en and vi catalogues,
keeping every translation already made; new messages arrive untranslated in vi.
"""
import glob
import os
import re

from lxml import etree

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCALES = os.path.join(TOP, "src", "archive", "locales")
I18N = "{http://xml.zope.org/namespaces/i18n}"
PY_MESSAGE = re.compile(r'_\(\s*"([^"]+)",\s*default="((?:[^"\\]|\\.)*)"', re.S)


def extract():
    messages = {}
    for path in sorted(glob.glob(os.path.join(TOP, "content-types", "*.xml"))):
        for el in etree.parse(path).iter():
            msgid = el.get(I18N + "translate")
            if msgid:
                messages[msgid] = " ".join(el.text.split())
    for path in sorted(glob.glob(os.path.join(TOP, "src", "archive", "**", "*.py"), recursive=True)):
        with open(path, encoding="utf-8") as source:
            for match in PY_MESSAGE.finditer(source.read()):
                messages[match.group(1)] = match.group(2).replace('\\"', '"')
    for path in sorted(glob.glob(os.path.join(TOP, "src", "archive", "**", "*.pt"), recursive=True)):
        for el in etree.parse(path).iter():
            msgid = el.get(I18N + "translate")
            if msgid:
                text = "".join(el.itertext()) if len(el) == 0 else (el.text or "") + "".join(
                    "${%s}" % child.get(I18N + "name") + (child.tail or "") for child in el)
                messages[msgid] = " ".join(text.split())
    for path in sorted(glob.glob(os.path.join(TOP, "profiles", "default", "workflows", "*", "definition.xml"))):
        for el in etree.parse(path).iter("state", "transition"):
            messages[el.get("title")] = el.get("title")
    for path in sorted(glob.glob(os.path.join(TOP, "profiles", "default", "types", "*.xml"))):
        for el in etree.parse(path).iter("property"):
            if el.get("name") in ("title", "description"):
                messages[el.text] = el.text
    return messages


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def read_po(path):
    translations, msgid, msgstr, field = {}, None, None, None
    if not os.path.exists(path):
        return translations
    with open(path, encoding="utf-8") as po:
        for line in po:
            line = line.strip()
            if line.startswith("msgid "):
                if msgid:
                    translations[msgid] = msgstr
                msgid, msgstr, field = _unquote(line[6:]), "", "id"
            elif line.startswith("msgstr "):
                msgstr, field = _unquote(line[7:]), "str"
            elif line.startswith('"') and field == "id":
                msgid += _unquote(line)
            elif line.startswith('"') and field == "str":
                msgstr += _unquote(line)
    if msgid:
        translations[msgid] = msgstr
    return translations


def _unquote(text):
    return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")


def write_po(path, messages, translations, language):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    header = [
        'msgid ""',
        'msgstr ""',
        '"Content-Type: text/plain; charset=utf-8\\n"',
        '"Content-Transfer-Encoding: 8bit\\n"',
        '"Plural-Forms: nplurals=1; plural=0;\\n"',
        f'"Language: {language}\\n"' if language else '"Language: \\n"',
        '"Domain: archive\\n"',
        "",
    ]
    lines = list(header)
    for msgid in sorted(messages):
        lines.append(f"#. Default: {_quote(messages[msgid])}")
        lines.append(f"msgid {_quote(msgid)}")
        lines.append(f"msgstr {_quote(translations.get(msgid, ''))}")
        lines.append("")
    with open(path, "w", encoding="utf-8") as po:
        po.write("\n".join(lines))


def main():
    messages = extract()
    write_po(os.path.join(LOCALES, "archive.pot"), messages, {}, None)
    for language in ("en", "vi"):
        path = os.path.join(LOCALES, language, "LC_MESSAGES", "archive.po")
        translations = read_po(path)
        if language == "en":  # English is the default text itself
            translations = {msgid: translations.get(msgid) or default for msgid, default in messages.items()}
        write_po(path, messages, translations, language)
    print(f"{len(messages)} messages")


if __name__ == "__main__":
    main()
