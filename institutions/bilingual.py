"""Catalog text kept in both languages, read in the active one with fallback to the other."""

from typing import Any

from django.utils.translation import get_language


def prefers_english() -> bool:
    return (get_language() or "").startswith("en")


class Bilingual:
    """Descriptor: `title = Bilingual()` reads `title_zh` or `title_en` by the active language.

    Falls back to the other language when the preferred one is blank, so a course entered in one
    language only still shows everywhere.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.zh, self.en = f"{name}_zh", f"{name}_en"

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        zh, en = getattr(obj, self.zh), getattr(obj, self.en)
        return (en or zh) if prefers_english() else (zh or en)


def localized_field(name: str) -> str:
    """The column holding `name` in the active language, for ordering in the database."""
    return f"{name}_en" if prefers_english() else f"{name}_zh"
