"""Dates as staff read them: French day-first, in this machine's time zone.

One shape per purpose: inside a sentence (a note, an alert, the status page's heading:
"le 31/12/2024 à 14:05") and in a table cell (the CSV report, the status page's rows:
"31/12/2024 14:05", which a spreadsheet reads as a date).
"""

from __future__ import annotations

from datetime import datetime


def in_sentence(when: datetime) -> str:
    return when.astimezone().strftime("%d/%m/%Y à %H:%M")


def in_table(when: datetime) -> str:
    return when.astimezone().strftime("%d/%m/%Y %H:%M")
