"""Write intake/locale/patient.pot: every message the patient's pages and handout can show.

Sources: the `t("...")` calls in intake/ui/patient_page.py (Babel's extractor), the pre-visit form
(intake/knowledge/patient_form.yaml), the measures' names, descriptions and item labels, and every
text of the patient handout (`reports.content.handout_messages`: handout_text.yaml and the plain-language
wording of the knowledge base). Update each language after running this:
``.venv/bin/pybabel update -i intake/locale/patient.pot -d intake/locale -D patient``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.extract import extract_from_file  # noqa: E402
from babel.messages.pofile import write_po  # noqa: E402

from intake.i18n import patient_form  # noqa: E402
from intake.knowledge import load_knowledge  # noqa: E402
from intake.measures import load_measures  # noqa: E402
from reports.bodychart import PATIENT_LEGEND, SVG_LABELS  # noqa: E402
from reports.content import handout_messages  # noqa: E402


def messages() -> list[tuple[str, str]]:
    """(message id, where it comes from), in a stable order, each id once."""
    out: list[tuple[str, str]] = []
    for path, keyword in (("intake/ui/patient_page.py", "t"), ("intake/i18n.py", "self")):
        for _line, message, _comments, _context in extract_from_file("python", ROOT / path, keywords={keyword: None}):
            first = (message[0] if message else None) if isinstance(message, (list, tuple)) else message
            if isinstance(first, str) and first:
                out.append((first, path))
    from intake.ui.patient_page import REFUSALS

    out += [(text, f"intake/ui/patient_page.py:refusal.{reason}") for reason, text in REFUSALS.items()]
    for section, entries in patient_form().items():
        out += [(text, f"patient_form.yaml:{section}.{key}") for key, text in entries.items()]
    for m in load_measures().measures.values():
        out += [(m.name, f"measures.yaml:{m.id}"), (m.about, f"measures.yaml:{m.id}")]
        if m.licence.reproduce_items:  # a licensed instrument's items are shown by number only (patient_page)
            out += [(i.label, f"measures.yaml:{m.id}.{i.id}") for i in m.items]
    out += [(text, "reports/bodychart.py:svg_body_chart") for text in (*SVG_LABELS, *(t for _, t in PATIENT_LEGEND))]
    out += handout_messages(load_knowledge())
    seen: set[str] = set()
    return [(m, w) for m, w in out if not (m in seen or seen.add(m))]


def main() -> None:
    catalog = Catalog(project="hip-intake patient pages", domain="patient")
    for message, where in messages():
        catalog.add(message, locations=[(where, 0)])
    target = ROOT / "intake" / "locale" / "patient.pot"
    with target.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=False, width=120)
    print(f"wrote {target} ({len(catalog)} messages)")


if __name__ == "__main__":
    main()
