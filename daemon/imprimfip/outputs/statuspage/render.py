"""The status page's HTML, in French, without JavaScript: a pure function of the letters.

Sections: a search form (file name, flow), the flows with their letters counted by status,
the letters needing attention (uncertain, errors, overdue, undelivered, no longer
followed) first, then the latest letters, or the search results. Every value shown is
escaped.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from imprimfip import dates_fr
from imprimfip.letter_lines import Attention, Line
from imprimfip.reports_fr import ATTENTION_LABELS, SENDING_TYPES

RECENT = 50
FOUND = 200

STYLE = """
body { font-family: sans-serif; margin: 1.5rem; color: #1e1e1e; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 2px solid #000091; }
table { border-collapse: collapse; width: 100%; margin-top: .5rem; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f5; }
.motif { font-weight: bold; color: #b00020; white-space: nowrap; }
.vide { color: #555; font-style: italic; }
form { margin-top: 1rem; display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.flux { display: inline-block; vertical-align: top; margin: 0 2rem 1rem 0; min-width: 18rem; }
""".strip()


@dataclass(frozen=True)
class FlowSummary:
    name: str
    sending_type: str


def _fold(text: str) -> str:
    """Lower case without accents, so « releve » finds « Relevé »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search(lines: Sequence[Line], query: str) -> list[Line]:
    wanted = _fold(query.strip())
    return [line for line in lines if wanted in _fold(line.file)]


def page(
    lines: Sequence[Line],
    flows: Sequence[FlowSummary],
    now: datetime,
    *,
    query: str = "",
    flow: str = "",
) -> str:
    """The whole page for `lines` (already narrowed to `flow` if one is chosen)."""
    sections = [_form(flows, query, flow), _flows(lines, flows, flow)]
    attention = sorted(
        (line for line in lines if line.attention),
        key=lambda line: list(Attention).index(line.attention),
    )
    sections.append(
        _table("À traiter", "a-traiter", attention, motive=True, empty="Rien à traiter.")
    )
    if query.strip():
        found = search(lines, query)[:FOUND]
        title = f"Recherche : « {query.strip()} » ({len(found)} courrier(s))"
        sections.append(_table(title, "recherche", found, empty="Aucun fichier de ce nom."))
    else:
        title = f"Derniers courriers (les {RECENT} plus récents)"
        sections.append(_table(title, "derniers", lines[:RECENT], empty="Aucun courrier déposé."))
    body = "\n".join(sections)
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        "<title>Suivi des envois IMPRIM'FIP</title>\n"
        f"<style>\n{STYLE}\n</style>\n</head>\n<body>\n"
        "<header><h1>Suivi des envois IMPRIM'FIP</h1>\n"
        f"<p>État au {escape(dates_fr.in_sentence(now))}. Cette page ne se met pas à jour seule : "
        "rechargez-la pour la voir à jour.</p></header>\n"
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _form(flows: Sequence[FlowSummary], query: str, chosen: str) -> str:
    options = ['<option value="">Tous les flux</option>']
    options += [
        f'<option value="{escape(f.name)}"{" selected" if f.name == chosen else ""}>'
        f"{escape(f.name)}</option>"
        for f in flows
    ]
    return (
        '<form method="get" action="/" role="search">\n'
        '<label for="q">Nom du fichier</label>\n'
        f'<input type="search" id="q" name="q" value="{escape(query)}">\n'
        '<label for="flux">Flux</label>\n'
        f'<select id="flux" name="flux">{"".join(options)}</select>\n'
        '<button type="submit">Rechercher</button>\n</form>'
    )


def _flows(lines: Sequence[Line], flows: Sequence[FlowSummary], chosen: str) -> str:
    blocks = []
    for flow in flows:
        if chosen and flow.name != chosen:
            continue
        counts = Counter(line.status for line in lines if line.flow == flow.name)
        rows = (
            "".join(
                f"<tr><td>{escape(status)}</td><td>{count}</td></tr>"
                for status, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            )
            or '<tr><td colspan="2" class="vide">Aucun courrier.</td></tr>'
        )
        kind = SENDING_TYPES.get(flow.sending_type, flow.sending_type)
        blocks.append(
            f'<div class="flux"><h3>{escape(flow.name)} ({escape(kind)})</h3>\n'
            "<table><thead><tr><th>Statut</th><th>Courriers</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )
    return '<section id="flux"><h2>Flux</h2>\n' + "\n".join(blocks) + "\n</section>"


HEADINGS = ("Fichier", "Pli", "Flux", "Statut", "Date du statut", "Message", "Déposé le")


def _table(
    title: str, anchor: str, lines: Sequence[Line], *, empty: str, motive: bool = False
) -> str:
    headings = (("Motif",) if motive else ()) + HEADINGS
    head = "".join(f"<th>{h}</th>" for h in headings)
    rows = [_row(line, motive) for line in lines]
    if not rows:
        rows = [f'<tr><td colspan="{len(headings)}" class="vide">{empty}</td></tr>']
    return (
        f'<section id="{anchor}"><h2>{escape(title)}</h2>\n'
        f"<table><thead><tr>{head}</tr></thead><tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table></section>"
    )


def _row(line: Line, motive: bool) -> str:
    cells = [
        line.file,
        line.reference,
        line.flow,
        line.status,
        dates_fr.in_table(line.status_date) if line.status_date else "",
        line.message,
        dates_fr.in_table(line.deposited_at) if line.deposited_at else "",
    ]
    shown = "".join(f"<td>{escape(cell)}</td>" for cell in cells)
    if motive:
        label = ATTENTION_LABELS.get(line.attention or "", "")
        shown = f'<td class="motif">{escape(label)}</td>' + shown
    return f"<tr>{shown}</tr>"
