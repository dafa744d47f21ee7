"""Compile locale/*/LC_MESSAGES/django.po to .mo with polib, so no GNU gettext is needed.

The compiled .mo files are committed: a fresh clone serves both languages without this step.
"""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    catalogs = sorted((ROOT / "locale").glob("*/LC_MESSAGES/django.po"))
    for po_path in catalogs:
        catalog = polib.pofile(str(po_path))
        missing = [e.msgid for e in catalog.untranslated_entries() + catalog.fuzzy_entries()]
        if missing:
            print(f"{po_path}: {len(missing)} entries untranslated or fuzzy, e.g. {missing[:3]}")
        catalog.save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"compiled {po_path.relative_to(ROOT)} ({len(catalog.translated_entries())} entries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
