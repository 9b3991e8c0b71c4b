"""The record kinds of an account folder, as data: one entry per kind says where its files are,
how they are named, which schema and model class they have, which rules check them, which due
items and changes they produce and which section of the account page shows them.

Adding a kind is a schema in ``schema/``, a model class in ``ledger/model.py`` (its fields
are filled from the schema by :func:`ledger.load.assemble.build_record`), an entry here, and
the functions the entry names. Every stage reads this table instead of naming kinds one by one.
"""

from __future__ import annotations

import datetime as dt
import functools
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.check.diagnostics import Diagnostic
    from ledger.derive.diff import Change
    from ledger.derive.messages import Message
    from ledger.model import Account, Holiday, Settings

#: an account rule: diagnostics of one account (with its records) as of a date
Rule = Callable[["Account", "Settings", dt.date], "Iterable[Diagnostic]"]
#: a source of due items: (kind, due, detail, ref, yearly) of one account
DueSource = Callable[
    ["Account", "str | None", "Settings", dt.date, "list[Holiday]"],
    "Iterator[tuple[str, dt.date, Message, str, bool]]",
]
#: the changes of one account between two ledgers, for ``kam diff``
Changes = Callable[["Account", "Account"], "Iterator[Change]"]


@dataclass(frozen=True)
class RecordKind:
    """One kind of file in an account folder (FORMAT §1)."""

    #: the schema's name (``schema/<name>.schema.json``) and the ``kind`` of diagnostics
    name: str
    #: the model class its documents become
    model: type
    #: what an empty file of this kind needs (the hint of ``empty-file``)
    empty_hint: str
    #: the account sub-folder of dated records (``visits``); None for the dossier itself
    folder: str | None = None
    #: the fixed file names of an undated kind (the dossier)
    file_names: tuple[str, ...] = ()
    #: the field the date in a record's file name must equal (``date-mismatch``)
    date_field: str | None = None
    #: the :class:`ledger.model.Account` attribute holding the records, sorted by date then id
    attr: str | None = None
    rules: tuple[Rule, ...] = ()
    due: tuple[DueSource, ...] = ()
    changes: tuple[Changes, ...] = ()
    #: the partial of the account page that shows the records (templates/account.html)
    section: str | None = None

    def sort_key(self, record: Any) -> tuple[Any, str]:
        """Records of an account are kept by date, then id."""
        return getattr(record, self.date_field or "id"), record.id


@functools.cache
def record_kinds() -> tuple[RecordKind, ...]:
    """Every kind, the dossier first. (Built once: the table is immutable.)"""
    from ledger import model
    from ledger.check import rules
    from ledger.derive import diff, schedule

    return (
        RecordKind(
            name="dossier",
            model=model.Account,
            file_names=("dossier.yaml", "dossier.yml"),
            empty_hint="a dossier needs at least 'name:' and 'manager:'",
            rules=(
                rules.check_dossier_stale,
                rules.check_revenue_overlap,
                rules.check_revenue_swing,
                rules.check_contacts,
            ),
            due=(schedule.birthday_items, schedule.holiday_items),
            changes=(diff.dossier_changes, diff.revenue_changes),
            section="dossier",
        ),
        RecordKind(
            name="visit",
            model=model.Visit,
            folder="visits",
            date_field="date",
            attr="visits",
            empty_hint="a visit needs at least 'date:', 'mode:' and, when done, 'summary:'",
            rules=(rules.check_visits,),
            due=(schedule.revisit_items, schedule.planned_items),
            changes=(diff.visit_changes,),
            section="visits",
        ),
        RecordKind(
            name="complaint",
            model=model.Complaint,
            folder="complaints",
            date_field="opened",
            attr="complaints",
            empty_hint="a complaint needs 'opened:', 'summary:', 'category:', 'severity:' and "
            "'status:'",
            rules=(rules.check_complaints,),
            due=(schedule.complaint_items,),
            changes=(diff.complaint_changes,),
            section="complaints",
        ),
    )


def kind_named(name: str) -> RecordKind:
    """The kind of that name (a KeyError for an unknown one: a bug, not a user error)."""
    return next(k for k in record_kinds() if k.name == name)


def dated_kinds() -> tuple[RecordKind, ...]:
    """The kinds kept as dated files in an account sub-folder."""
    return tuple(k for k in record_kinds() if k.folder is not None)


@functools.cache
def record_folders() -> types.MappingProxyType[str, str]:
    """Account sub-folder -> kind of its files."""
    return types.MappingProxyType({k.folder: k.name for k in dated_kinds() if k.folder})


def schema_kinds() -> tuple[str, ...]:
    """Every schema kam ships: the settings, then each record kind."""
    return ("ledger", *(k.name for k in record_kinds()))
