"""Fill untranslated entries of the Chinese catalog from a JSON file of {msgid: msgstr}.

For translators working outside a PO editor: `./dev messages` lists what is missing; put the
translations in a JSON file and run `python scripts/fill_messages.py FILE`, then compile.
"""

import json
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def main(path: str) -> int:
    translations = json.loads(Path(path).read_text(encoding="utf-8"))
    catalog = polib.pofile(str(PO))
    filled = 0
    for entry in catalog:
        text = translations.get(entry.msgid)
        if text is None or (entry.translated() and "fuzzy" not in entry.flags):
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: text}
        else:
            entry.msgstr = text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        filled += 1
    catalog.save()
    missing = [e.msgid for e in catalog.untranslated_entries() + catalog.fuzzy_entries()]
    print(f"filled {filled}; still missing {len(missing)}: {missing[:10]}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
