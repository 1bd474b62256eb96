"""The XLSX export of a round's frozen results (openpyxl, write-only: rows stream, memory stays flat).

Built from evaluations.results.present, like the pages: a peer group below k is the words
"评价人数不足" / "insufficient ratings" in every peer cell, never a number. No comments are exported.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from evaluations.models import EvaluationRound, RoundResultSummary
from evaluations.results import Figure, manifestations_of, pick, present, result_list, round_weights

_BOLD = Font(bold=True)


def _cell(sheet: WriteOnlyWorksheet, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, Figure):
        value = value.value if value.value is not None else value.text
    cell = WriteOnlyCell(sheet, value=value)
    if bold:
        cell.font = _BOLD
    return cell


def _header(sheet: WriteOnlyWorksheet, titles: list[str]) -> None:
    sheet.append([_cell(sheet, title, bold=True) for title in titles])


def _summary_sheet(book: Workbook, round: EvaluationRound, summary: RoundResultSummary) -> None:
    sheet = book.create_sheet(_("Summary"))
    rows: list[tuple[str, Any]] = [
        (_("Round"), round.title),
        (_("Period"), f"{round.period_start:%Y-%m-%d} – {round.period_end:%Y-%m-%d}"),
        (_("Frozen at"), summary.created_at.strftime("%Y-%m-%d %H:%M")),
        (_("Anonymity threshold k"), summary.rules.get("k")),
        (_("Cadres"), summary.subjects),
        (_("Candidates"), summary.candidates),
        (_("Peer ratings withheld (fewer than k sheets)"), summary.peer_withheld),
        (_("Without a composite index"), summary.without_composite),
        (_("Straight-lined ballots"), summary.straight_lined_ballots),
    ]
    for label, value in rows:
        sheet.append([_cell(sheet, label, bold=True), _cell(sheet, value)])
    sheet.append([])
    _header(sheet, [_("Unit"), _("Cadres"), _("Candidates")])
    for unit in summary.candidates_by_unit:
        sheet.append([unit["name"], unit["cadres"], unit["candidates"]])
    sheet.append([])
    _header(sheet, [_("Unit"), _("Ballots used"), _("Ballots issued")])
    for unit in summary.turnout_by_unit:
        sheet.append([unit["name"], unit["used"], unit["issued"]])
    sheet.append([])
    _header(sheet, [_("Composite index from"), _("to"), _("Cadres")])
    for item in summary.distribution:
        sheet.append([item["lower"], item["upper"], item["count"]])


def results_workbook(*, round: EvaluationRound, summary: RoundResultSummary) -> bytes:
    """The workbook: a summary sheet and one row per cadre with every figure the result card shows."""
    book = Workbook(write_only=True)
    _summary_sheet(book, round, summary)
    sheet = book.create_sheet(_("Results"))
    manifestations = manifestations_of(round)
    weights = round_weights(round)
    titles = [
        _("Unit"),
        _("Cadre id"),
        _("Name"),
        _("Candidate"),
        _("Composite index"),
        _("Self"),
        _("Peer sheets"),
        _("Peer mean (raw)"),
        _("Peer mean (adjusted)"),
        _("Leader sheets"),
        _("Leader mean"),
        _("Unfavourable grades"),
        _("Others minus self"),
        *[_("Peer %(code)s") % {"code": m.code} for m in manifestations],
        _("Flags"),
        _("Notes"),
    ]
    _header(sheet, titles)
    yes, no = pick("是", "yes"), pick("否", "no")
    for result in result_list(round=round, candidates_only=False).iterator(chunk_size=2000):
        card = present(result, manifestations, weights)
        own, peer, leader = card.lines
        row = [
            result.unit.name,
            result.cadre.external_id,
            result.cadre.name,
            yes if result.is_candidate else no,
            card.composite,
            own.mean,
            peer.sheets,
            peer.mean,
            peer.adjusted,
            leader.sheets,
            leader.mean,
            card.unfavourable_share,
            card.gap,
            *peer.per_manifestation,
            "\n".join(s.text for s in card.flags),
            "\n".join(s.text for s in card.notes),
        ]
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
