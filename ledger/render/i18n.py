"""Report languages: gettext catalogs (Babel) and locale-aware dates, numbers and money.

The catalog of each language is ``templates/locale/<lang>/LC_MESSAGES/kam.po``, compiled in
memory when a build starts (no binary ``.mo`` file to keep in sync). English is the source
language. Update the catalog with ``pybabel extract -F babel.cfg -o /tmp/kam.pot . &&
pybabel update -i /tmp/kam.pot -d templates/locale -D kam``; a test fails when a message is
missing or untranslated.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
from dataclasses import dataclass
from fractions import Fraction

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent

from ledger.derive.messages import Amount, Label, Message, Pct
from ledger.load.schema import data_dir

Month = tuple[int, int]


def NP_(context: str, message: str) -> tuple[str, str]:
    """Mark a label for extraction (keyword ``NP_:1c,2``); translated later by ``label``."""
    return context, message


#: Display labels of the schema's enum values, by field. A test checks it covers every enum.
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "account_status": {
        "prospect": NP_("account status", "prospect"),
        "active": NP_("account status", "active"),
        "dormant": NP_("account status", "dormant"),
        "lost": NP_("account status", "lost"),
    },
    "stage": {
        "observer": NP_("stage", "observer"),
        "supplier": NP_("stage", "supplier"),
        "preferred_supplier": NP_("stage", "preferred supplier"),
        "advisor": NP_("stage", "advisor"),
        "strategic_partner": NP_("stage", "strategic partner"),
    },
    "decision_role": {
        "decision_maker": NP_("decision role", "decision maker"),
        "influencer": NP_("decision role", "influencer"),
        "buyer": NP_("decision role", "buyer"),
        "user": NP_("decision role", "user"),
        "gatekeeper": NP_("decision role", "gatekeeper"),
    },
    "birthday_calendar": {
        "gregorian": NP_("calendar", "Gregorian"),
        "lunar": NP_("calendar", "lunar"),
    },
    "attitude": {
        "supporter": NP_("attitude", "supporter"),
        "neutral": NP_("attitude", "neutral"),
        "critic": NP_("attitude", "critic"),
    },
    "visit_status": {
        "done": NP_("visit status", "done"),
        "planned": NP_("visit status", "planned"),
        "cancelled": NP_("visit status", "cancelled"),
    },
    "visit_kind": {
        "periodic": NP_("visit kind", "periodic"),
        "post_transaction": NP_("visit kind", "after a deal"),
        "holiday": NP_("visit kind", "holiday"),
        "birthday": NP_("visit kind", "birthday"),
        "complaint_follow_up": NP_("visit kind", "complaint follow-up"),
        "onboarding": NP_("visit kind", "onboarding"),
        "other": NP_("visit kind", "other"),
    },
    "mode": {
        "onsite": NP_("visit mode", "on site"),
        "phone": NP_("visit mode", "phone"),
        "email": NP_("visit mode", "email"),
        "video": NP_("visit mode", "video"),
        "message": NP_("visit mode", "message"),
    },
    "satisfaction": {
        "satisfied": NP_("satisfaction", "satisfied"),
        "neutral": NP_("satisfaction", "neutral"),
        "dissatisfied": NP_("satisfaction", "dissatisfied"),
    },
    "category": {
        "product.defect": NP_("complaint category", "product defect"),
        "product.spec_mismatch": NP_("complaint category", "wrong specification"),
        "product.out_of_tolerance": NP_("complaint category", "out of tolerance"),
        "product.malfunction": NP_("complaint category", "malfunction"),
        "service.punctuality": NP_("complaint category", "service punctuality"),
        "service.attitude": NP_("complaint category", "service attitude"),
        "service.capability": NP_("complaint category", "service capability"),
        "delivery": NP_("complaint category", "delivery"),
        "billing": NP_("complaint category", "billing"),
        "other": NP_("complaint category", "other"),
    },
    "severity": {
        "low": NP_("severity", "low"),
        "medium": NP_("severity", "medium"),
        "high": NP_("severity", "high"),
        "critical": NP_("severity", "critical"),
    },
    "complaint_status": {
        "open": NP_("complaint status", "open"),
        "in_progress": NP_("complaint status", "in progress"),
        "resolved": NP_("complaint status", "resolved"),
        "closed": NP_("complaint status", "closed"),
    },
    "channel": {
        "phone": NP_("channel", "phone"),
        "email": NP_("channel", "email"),
        "visit": NP_("channel", "visit"),
        "message": NP_("channel", "message"),
        "other": NP_("channel", "other"),
    },
    "method": {
        "pareto": NP_("tier method", "Pareto (ABC)"),
        "bands": NP_("tier method", "threshold bands"),
        "streak": NP_("tier method", "monthly streak"),
    },
    "measure": {
        "revenue": NP_("measure", "revenue"),
        "profit": NP_("measure", "profit"),
    },
    "due_kind": {
        "revisit": NP_("due kind", "revisit"),
        "planned": NP_("due kind", "planned visit"),
        "complaint_overdue": NP_("due kind", "complaint deadline"),
        "complaint_follow_up": NP_("due kind", "complaint follow-up"),
        "birthday": NP_("due kind", "birthday"),
        "holiday": NP_("due kind", "holiday greeting"),
    },
    "due_status": {
        "overdue": NP_("due status", "overdue"),
        "due_soon": NP_("due status", "due soon"),
        "upcoming": NP_("due status", "upcoming"),
    },
    "severity_level": {
        "error": NP_("diagnostic", "error"),
        "warning": NP_("diagnostic", "warning"),
    },
}


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The gettext catalog of a report language (English: the messages as written)."""
    if lang == "en":
        return gettext.NullTranslations()
    folder = lang.replace("-", "_")
    po = data_dir("templates") / "locale" / folder / "LC_MESSAGES" / "kam.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale=folder)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@functools.cache
def _locale(lang: str) -> Locale:
    # Locale.parse scans Babel's locale folder on every call: once per language is enough
    return Locale.parse(lang.replace("-", "_"))


# A ledger has a few hundred distinct days and months, formatted thousands of times each.
@functools.lru_cache(maxsize=8192)
def _format_date(lang: str, value: dt.date, form: str) -> str:
    return format_date(value, form, locale=_locale(lang))


@functools.lru_cache(maxsize=65536)
def _format_percent(lang: str, value: float, digits: int) -> str:
    fmt = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=fmt, locale=_locale(lang))


@functools.lru_cache(maxsize=1024)
def _format_skeleton(lang: str, skeleton: str, month: Month) -> str:
    return format_skeleton(skeleton, dt.date(month[0], month[1], 1), locale=_locale(lang))


def _babel_money(number: float, currency: str, locale: Locale) -> str:
    return format_currency(number, currency, format="¤#,##0", locale=locale, currency_digits=False)


@functools.cache
def _money_shape(lang: str, currency: str) -> tuple[str, str, str] | None:
    """(prefix, group separator, suffix) of a whole, non-negative amount when the locale groups
    digits by threes, so the hot path skips Babel's pattern engine (a test compares the two);
    None for any other shape, which then always goes through Babel."""
    locale = _locale(lang)
    sample = _babel_money(1234567.0, currency, locale)
    group = locale.number_symbols.get("latn", locale.number_symbols).get("group", ",")
    digits = f"1{group}234{group}567"
    if sample.count(digits) != 1 or _babel_money(1234.0, currency, locale) != sample.replace(
        digits, f"1{group}234"
    ):
        return None
    prefix, suffix = sample.split(digits)
    return prefix, group, suffix


@dataclass(frozen=True)
class Formatter:
    """Locale-aware text for the figures of one report language and currency."""

    lang: str
    currency: str

    @property
    def locale(self) -> Locale:
        return _locale(self.lang)

    @property
    def gettext(self) -> gettext.NullTranslations:
        return translations(self.lang)

    def _(self, message: str) -> str:
        return self.gettext.gettext(message)

    def label(self, group: str, value: str | None) -> str:
        """The translated label of an enum value (the value itself when it has none)."""
        if value is None:
            return ""
        entry = LABELS[group].get(value)
        return self.gettext.pgettext(*entry) if entry else value

    def message(self, msg: Message) -> str:
        """A figure's explanation in this language, its parameters formatted for the locale."""
        if not msg.text:
            return ""
        text = self._(msg.text)
        if not msg.params:
            return text
        return text % {key: self._param(value) for key, value in msg.params}

    def _param(self, value: object) -> object:
        if isinstance(value, Pct):
            return self.percent(value.value, value.digits)
        if isinstance(value, Amount):
            return self.number(value.value)
        if isinstance(value, Label):
            return self.label(value.group, value.value)
        if isinstance(value, dt.date):
            return self.date(value)
        return value

    def number(self, value: float | Fraction | None, digits: int = 0) -> str:
        if value is None:
            return ""
        fmt = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(float(value), format=fmt, locale=self.locale)

    def money(self, value: float | Fraction | None) -> str:
        """An amount in the ledger's currency, whole units (the ledgers count in yuan, not fen)."""
        if value is None:
            return ""
        number = float(value)
        fast = _money_shape(self.lang, self.currency)
        if fast is not None and number >= 0 and number.is_integer():
            prefix, group, suffix = fast
            return f"{prefix}{int(number):,}{suffix}".replace(",", group)
        return _babel_money(number, self.currency, self.locale)

    def compact(self, value: float | Fraction) -> str:
        """A short amount for chart axes (1.2M, 120万)."""
        from babel.numbers import format_compact_decimal

        return format_compact_decimal(float(value), locale=self.locale, fraction_digits=1)

    def percent(self, value: float | Fraction | None, digits: int = 1) -> str:
        if value is None:
            return ""
        return _format_percent(self.lang, float(value), digits)

    def date(self, value: dt.date | None, form: str = "medium") -> str:
        return "" if value is None else _format_date(self.lang, value, form)

    def month(self, month: Month) -> str:
        """A calendar month: "Nov 2026", "2026年11月"."""
        return _format_skeleton(self.lang, "yMMM", month)

    def short_month(self, month: Month) -> str:
        """A month on a chart axis: "11/2026", "2026/11"."""
        return _format_skeleton(self.lang, "yM", month)

    def days(self, n: int) -> str:
        return self.gettext.ngettext("%(num)d day", "%(num)d days", abs(n)) % {"num": n}
