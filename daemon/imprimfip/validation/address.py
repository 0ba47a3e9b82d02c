"""`address_block`: the recipient's address, read as one block from the envelope window.

On the first page of each letter, the text lines are grouped into blocks: lines of one
size, aligned on the left, one after the other at a regular spacing. Lines that are never
part of an address (a reference, "Objet", a date, a telephone number) end a block. The
block with the most lines in the flow's address zone is the address, read whole: if any of
its lines sticks out of the zone (beyond a tolerance for our estimate of glyph boxes) the
letter is refused with that reason, never sent to the part inside. So is an address cut
in two by a blank line, or with a line in another size just above or below it (a name in
larger print), since either part could be taken for it. Its lines then follow the
rules of `imprimfip.postal`; lower case and accents are reported separately (warnings by
default), as La Poste recommends plain capitals.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from imprimfip import postal
from imprimfip.config.rules import AddressZone, ValidationRules
from imprimfip.postal import Fault, PostalAddress
from imprimfip.validation import ink, survey
from imprimfip.validation.document import Document
from imprimfip.validation.geometry import PageFrame, page_frame
from imprimfip.validation.placement import CHECK_PX_PER_MM
from imprimfip.validation.raster import Pages, widened, within
from imprimfip.validation.report import Problem
from imprimfip.validation.textlines import TextLine, rows

OVERFLOW_TOLERANCE_MM = 1.0
"""How far a line may seem to pass the zone's edge before the block counts as sticking out:
the height of its glyphs is estimated from its size (see textlines)."""
_GLUED_EM = 0.8
"""A wider gap than this between two strings of an address line (a space is about 0.3 em)
is not a space typed in the address."""
_OVERLAP_EM = 0.5
"""Strings of one line overlapping by more than this are text over text."""
_INK_MARGIN_MM = 0.5
"""Around a run of text whose ink is looked for: a pixel's width, for marks as small as a
full stop on the baseline, which the estimated box may just miss."""
_ALIGNED_MM = 1.5
_SAME_SIZE = 0.2
"""Lines of one block differ in size by at most this fraction."""
_MAX_PITCH = 1.6
"""The most a block's baselines may be apart, in em of its text."""
_REGULAR = 1.25
"""A gap this many times the block's first one is a blank line, not the next line."""
_NOT_ADDRESS = re.compile(
    r"^(?:[VN]\s*/\s*REF|(?:VOS|NOS|VOTRE|NOTRE)\s+REF|OBJET\b|DOSSIER SUIVI|AFFAIRE SUIVIE|"
    r"(?:REF|REFERENCES?|TEL|TELEPHONE|FAX|COURRIEL|E-?MAIL)(?:\s*(?:[.]|N\s*°|\d|\+|$)|[^:]{0,30}:|\s+\S+@)|"
    r"P\.?\s?J\.?(?=\s*(?::|\d|$))|"
    r"(?:PERSONNEL\s+ET\s+)?CONFIDENTIEL$|URGENT$|LRAR\b|LR\s*/\s*AR\b|"
    r"R[123](?:\s+AVEC\s+A\.?\s?R\.?)?$|(?:PAR\s+)?(?:(?:LETTRE|PLI|ENVOI)\s+)?RECOMMANDEE?\b)"
    r"|^(?:[A-Z'-]+(?:\s+[A-Z'-]+){0,2},\s*)?LE\s+\d{1,2}(?:ER)?\s+[A-Z]+\s+\d{4}$"
    r"|^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$"
)
"""Lines that are never part of an address: references, subject, dates, contact lines, the
registered-mail and confidential mentions (plain upper case, see postal.plain). A word
that starts a name too ("REFERENCE IMMOBILIER", "TEL ET COM", "P.J. MARTIN") is a label
only followed by a full stop, "N°", a number, nothing, or a few words and a colon; a date
line names a town of at most three words, so that a date written just after a name on its
line does not make the name a date."""
_SENDER = re.compile(r"\b\d{5}\b|\s[-–·•|/]\s|,.*,")
"""What a sender's one-line address holds and a recipient's name never does: a postal
code, parts between dashes, bullets or commas."""
_COUNTRY = re.compile(r"[A-Z' -]+")


@dataclass(frozen=True)
class AddressBlock:
    """The lines read as the recipient's address, and the faults of where they sit."""

    lines: tuple[TextLine, ...]
    placement: tuple[Fault, ...] = ()

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]


def find_block(lines: Sequence[TextLine], zone: AddressZone) -> AddressBlock:
    """The address among a page's `lines`: see the module's docstring."""
    candidates = [block for block in _blocks(lines) if any(_overlaps(li, zone) for li in block)]
    if not candidates:
        return AddressBlock(())
    chosen = max(candidates, key=lambda b: (sum(_overlaps(li, zone) for li in b), -_top(b)))
    placement = [*_outside(chosen, zone)]
    detached = [
        line.text
        for block in candidates
        if block is not chosen and _top(block) < _top(chosen) and _continues(block, chosen)
        for line in block
    ]
    if detached:
        placement.append({"problem": "split", "detached": detached})
    resized = [
        line.text
        for block in candidates
        if block is not chosen and block[0].text not in detached and _adjoins(block, chosen)
        for line in block
    ]
    if resized:
        placement.append({"problem": "mixed_sizes", "lines": resized})
    placement.extend(_crowded(chosen))
    set_apart = {*detached, *resized}
    others = [
        block
        for block in candidates
        if block is not chosen
        and block[0].text not in set_apart
        and postal.from_lines([line.text for line in block]) is not None
    ]
    if others:
        placement.append({"problem": "two_addresses", "other": [li.text for li in others[0]]})
    return AddressBlock(tuple(chosen), tuple(placement))


def _glued(line: TextLine) -> bool:
    """Whether `line` joins strings set far apart (another column's text closer than a
    column gap, a tabulation)."""
    return any(gap > _GLUED_EM for gap in line.gaps_em)


def _overlapping(line: TextLine) -> bool:
    """Whether `line` joins strings drawn over each other."""
    return any(gap < -_OVERLAP_EM for gap in line.gaps_em)


def _crowded(block: Sequence[TextLine]) -> Iterator[Fault]:
    """Lines of `block` that join other text to the address's: either could be glued to
    the name."""
    for problem, wrong in (("glued", _glued), ("overlapping", _overlapping)):
        lines = [line.text for line in block if wrong(line)]
        if lines:
            yield {"problem": problem, "lines": lines}


def _is_label(line: TextLine) -> bool:
    """Whether `line` is never part of an address (`_NOT_ADDRESS`). Not when strings far
    apart make it up: a date written beside a name reads as a date line, and would take
    the name away with it (the block then refuses the line as glued)."""
    return not _glued(line) and _NOT_ADDRESS.match(postal.plain(line.text)) is not None


def _blocks(lines: Sequence[TextLine]) -> list[list[TextLine]]:
    """Lines grouped into blocks, each block top to bottom; label lines stand alone."""
    blocks: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda li: (li.baseline_mm, li.left_mm)):
        if _is_label(line):
            continue
        home = next((block for block in blocks if _extends(block, line)), None)
        if home is None:
            blocks.append([line])
        else:
            home.append(line)
    return _cut_at_labels(blocks, lines)


def _extends(block: list[TextLine], line: TextLine) -> bool:
    """Whether `line` is the next line of `block`."""
    last = block[-1]
    pitch = line.baseline_mm - last.baseline_mm
    if pitch <= 0 or abs(line.left_mm - block[0].left_mm) > _ALIGNED_MM:
        return False
    if abs(line.size_mm - last.size_mm) > _SAME_SIZE * last.size_mm:
        return False
    if pitch > _MAX_PITCH * last.size_mm:
        return False
    return len(block) < 2 or pitch <= _REGULAR * (block[1].baseline_mm - block[0].baseline_mm)


def _cut_at_labels(blocks: list[list[TextLine]], lines: Sequence[TextLine]) -> list[list[TextLine]]:
    """Blocks split where a label line (left out of every block) sat between two lines."""
    labels = [li.baseline_mm for li in lines if _is_label(li)]
    cut: list[list[TextLine]] = []
    for block in blocks:
        current = [block[0]]
        for line in block[1:]:
            if any(current[-1].baseline_mm < at < line.baseline_mm for at in labels):
                cut.append(current)
                current = []
            current.append(line)
        cut.append(current)
    return cut


def _top(block: Sequence[TextLine]) -> float:
    return block[0].top_mm


def _continues(above: Sequence[TextLine], block: Sequence[TextLine]) -> bool:
    """Whether `above` looks like the start of `block`, parted from it by a blank line."""
    first, last = block[0], above[-1]
    return (
        abs(last.left_mm - first.left_mm) <= _ALIGNED_MM
        and abs(last.size_mm - first.size_mm) <= _SAME_SIZE * first.size_mm
        and first.baseline_mm - last.baseline_mm <= 4 * first.size_mm
    )


def _adjoins(other: Sequence[TextLine], block: Sequence[TextLine]) -> bool:
    """Whether `other`, left out of `block` for the size of its text, sits where a line of
    `block` would, just above or just below it: a name in larger or smaller print, or a
    country in another size under it. A sender's line in small print above the address,
    and a line below it that cannot be a country, are not taken for part of it."""
    if abs(other[0].left_mm - block[0].left_mm) > _ALIGNED_MM:
        return False
    pitch = (
        _REGULAR * (block[1].baseline_mm - block[0].baseline_mm)
        if len(block) > 1
        else _MAX_PITCH * block[0].size_mm
    )
    reach = max(pitch, _MAX_PITCH * other[0].size_mm)
    text = postal.plain(" ".join(line.text for line in other))
    if other[-1].baseline_mm < block[0].baseline_mm:
        sender = other[-1].size_mm < block[0].size_mm and _SENDER.search(text)
        return not sender and block[0].baseline_mm - other[-1].baseline_mm <= reach
    country = _COUNTRY.fullmatch(text) is not None and text.strip() != "FRANCE"
    return country and 0 < other[0].baseline_mm - block[-1].baseline_mm <= reach


def _overlaps(line: TextLine, zone: AddressZone) -> bool:
    return (
        line.left_mm < zone.right_mm
        and line.right_mm > zone.left_mm
        and line.top_mm < zone.bottom_mm
        and line.bottom_mm > zone.top_mm
    )


def _outside(block: Sequence[TextLine], zone: AddressZone) -> Iterator[Fault]:
    """One fault per side of the zone that a line of `block` passes, naming the furthest."""
    sides = (
        ("top", lambda li: zone.top_mm - li.top_mm),
        ("bottom", lambda li: li.bottom_mm - zone.bottom_mm),
        ("left", lambda li: zone.left_mm - li.left_mm),
        ("right", lambda li: li.right_mm - zone.right_mm),
    )
    for side, beyond in sides:
        furthest = max(block, key=beyond)
        if beyond(furthest) > OVERFLOW_TOLERANCE_MM:
            by = round(beyond(furthest), 1)
            yield {"problem": "outside", "side": side, "by_mm": by, "line": furthest.text}


def block_problems(block: AddressBlock, rules: ValidationRules, page: int) -> Iterator[Problem]:
    """Everything wrong with one address block, as read from page `page`: one
    `address_block` problem listing its faults, then the style warnings; each gives the
    lines concerned and their boxes (for the picture of a refused letter)."""
    zone = rules.address_zone
    texts = block.texts
    faults = [
        *block.placement,
        *postal.layout_faults(
            texts,
            min_lines=rules.address_min_lines,
            max_lines=rules.address_max_lines,
            max_chars=rules.address_max_chars,
        ),
    ]
    if faults:
        details = {
            "zone": [zone.left_mm, zone.top_mm, zone.right_mm, zone.bottom_mm],
            "lines": texts,
            "boxes": [line.box() for line in block.lines],
            "faults": faults,
        }
        yield Problem("address_block", page, details)
    for code, lines in (
        ("address_lowercase", postal.lowercase_lines(texts)),
        ("address_accents", postal.accented_lines(texts)),
    ):
        if lines:
            boxes = [line.box() for line in block.lines if line.text in lines]
            yield Problem(code, page, {"lines": lines, "boxes": boxes})


def printed_lines(pages: Pages, index: int, frame: PageFrame, zone: AddressZone) -> list[TextLine]:
    """The text lines of page `index` (from 0) as the letter shows them. Inside the window,
    where what prints is known: a run of invisible text is left out where nothing shows
    under it or printed text lies on it (the invisible text a scanner recognised lies over
    the picture of its text, and is kept), and so is a line of which nothing shows (white
    text, text covered or clipped away). Never part of a line that shows: pale type may
    show too little ink glyph by glyph, and a name must not lose a letter."""
    window = zone.box
    picture = pages.picture(index, frame, CHECK_PX_PER_MM, only=window)

    def unseen(line: TextLine) -> bool:
        box = line.bounds
        return within(box, window) and not ink.shows(picture, widened(box, _INK_MARGIN_MM))

    runs = pages.runs(index, frame)
    shown = [run for run in runs if not run.invisible]

    def covered(run: TextLine) -> bool:
        """Whether printed text lies on `run`: the window shows that text, not this."""
        return within(run.bounds, window) and any(
            abs(other.baseline_mm - run.baseline_mm) <= run.size_mm / 2
            and other.left_mm < run.right_mm
            and run.left_mm < other.right_mm
            for other in shown
        )

    runs = [run for run in runs if not (run.invisible and (unseen(run) or covered(run)))]
    return [line for line in rows(runs) if not unseen(line)]


def read_block(doc: Document, index: int, rules: ValidationRules) -> AddressBlock:
    """The address block of page `index` (from 0), read from the page PDFium loads for the
    window checks too."""
    frame = page_frame(doc.reader.pages[index])
    pages = survey.opened(doc, rules)
    return find_block(printed_lines(pages, index, frame, rules.address_zone), rules.address_zone)


def address_rule(doc: Document, rules: ValidationRules) -> Iterator[Problem]:
    """Check the address block on the first page of each letter in the file."""
    for index in rules.first_pages(doc.pages):
        yield from block_problems(read_block(doc, index, rules), rules, page=index + 1)


def read_address(doc: Document, rules: ValidationRules) -> PostalAddress | None:
    """The recipient of the (first) letter, for sending types that need it (LRAR): the
    whole block, first line as the name, whether or not it fits the window (a block that
    does not is refused by `address_rule`)."""
    return postal.from_lines(read_block(doc, 0, rules).texts)
