"""Numbers written as each language writes them (decimal comma, French space before %).

Formatting is Babel's (CLDR data for nl_BE and fr_BE), not hand-made string surgery.
"""

from __future__ import annotations

import math
import re

from babel.numbers import format_decimal

from .stats import round_half_up

LOCALES = {"nl": "nl_BE", "fr": "fr_BE"}


def number(value: float, lang: str, digits: int = 0) -> str:
    """A number with grouping and exactly ``digits`` decimals: 11.267.910 / 11 267 910; 3,7.

    Rounded half up first, as the report rounds (Babel alone would round half to even).
    """
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(round_half_up(value, digits), format=pattern, locale=LOCALES[lang])


def signed(value: float, lang: str, digits: int = 0) -> str:
    """A difference with its sign: +3, −7 (a true minus sign), 0 when it rounds to zero; "–" when missing."""
    if math.isnan(value):
        return "–"
    rounded = round_half_up(value, digits)
    sign = "+" if rounded > 0 else "−" if rounded < 0 else ""
    return sign + number(abs(rounded), lang, digits)


def percent(value: float, lang: str, digits: int = 0) -> str:
    """A value already in % (e.g. 66.0) as '66%' (nl) or '66 %' (fr, narrow no-break space)."""
    text = number(value, lang, digits)
    return f"{text}%" if lang == "nl" else f"{text}\u202f%"


def score(value: float, lang: str, scale_max: int = 5) -> str:
    """A mean on a rating scale as the report writes it: 3,7/5."""
    return f"{number(value, lang, 1)}/{scale_max}"


def interval(low: float, high: float, lang: str, digits: int = 0, unit: str = "") -> str:
    """A 95% interval: [58–73] with the language's decimal sign."""
    return f"[{number(low, lang, digits)}\u2013{number(high, lang, digits)}{unit}]"


def p_value(p: float, lang: str) -> str:
    """A p-value with three decimals, or '< 0,001' below that (APA style)."""
    if p < 0.001:
        return f"< {number(0.001, lang, 3)}"
    return number(p, lang, 3)


#: A normal space before ? ! ; : » or after «: in French the sign must not start a line.
_FRENCH_SPACE = re.compile(r" (?=[?!;:\u00bb])|(?<=\u00ab) ")


def typography(text: str, lang: str) -> str:
    """French spacing: the space before ? ! ; : » and after « becomes a no-break space (the
    narrow ones already there stay). Other languages are returned as they are. Applied to every
    catalogue text (``i18n.t``), to the words drawn in figures and to the French pages' HTML."""
    return _FRENCH_SPACE.sub("\u00a0", text) if lang == "fr" else text


def lower_first(text: str) -> str:
    """A label used inside a sentence: its first letter in lower case ("Technologische uitdaging" → "technologische …")."""
    return text[:1].lower() + text[1:]
