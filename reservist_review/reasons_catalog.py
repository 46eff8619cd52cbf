"""Keep the ``reasons`` catalogs in step with ``detectors/reason_templates.py``.

``python -m reservist_review.reasons_catalog`` adds every new template to
``reservist_review/locales/<lang>/LC_MESSAGES/reasons.po`` (empty translation, to be
written), drops the ones no longer used, and keeps existing translations. ``pybabel
extract`` cannot find these messages (they are data, not ``_()`` calls), hence this tool.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from detectors.reason_templates import all_templates
from reservist_review.i18n import LANGUAGES

HINT = ("Placeholders: *_s = a duration ('9 minutes'), languages = language names, "
        "other lists = names joined ('a, b and c'); keep every {placeholder}.")
COMMENTS = {"_more": "End of a shortened list of names: 'a, b, c, d and 3 more'."}


def template_catalog() -> Catalog:
    """The message ids of every reason template (what a ``.pot`` file would hold)."""
    catalog = Catalog(fuzzy=False)
    for code, template in all_templates().items():
        ids = template.msgids()
        catalog.add(ids if len(ids) > 1 else ids[0], flags=["python-brace-format"],
                    auto_comments=[f"code: {code}", COMMENTS.get(code, HINT)])
    return catalog


def path_of(lang: str) -> Path:
    return Path(str(resources.files("reservist_review") / "locales" / lang / "LC_MESSAGES"
                    / "reasons.po"))


def update(lang: str) -> Path:
    """Merge the templates into ``lang``'s catalog (rewrites the file)."""
    path = path_of(lang)
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    created = catalog.creation_date  # unchanged, so a rerun leaves the files alone
    catalog.update(template_catalog(), no_fuzzy_matching=True, update_header_comment=False)
    catalog.creation_date = created
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, no_location=True, ignore_obsolete=True)
    return path


def main() -> None:
    for lang in LANGUAGES:
        print(update(lang))


if __name__ == "__main__":
    main()
