"""The gross amount in words, as Polish invoices write it: "tysiąc dwieście trzydzieści
cztery złote 56/100" -- the whole złotys in words with the right plural, the grosze as
digits (what accountants read; a second run of words is longer and no clearer)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from num2words import CONVERTER_CLASSES, num2words

# The noun for 1, for 2-4 (Polish) and for the rest; num2words' own forms.
_FALLBACK_LANGUAGE = "en"


def _language(language: str) -> str:
    code = (language or _FALLBACK_LANGUAGE).split("-")[0].lower()
    return code if code in CONVERTER_CLASSES else _FALLBACK_LANGUAGE


def amount_in_words(amount: Decimal, language: str, currency: str = "PLN") -> str:
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    whole = int(amount)
    cents = int((amount - whole) * 100)
    lang = _language(language)
    converter = CONVERTER_CLASSES[lang]
    words = num2words(whole, lang=lang)
    forms = getattr(converter, "CURRENCY_FORMS", {}).get(currency)
    noun = converter.pluralize(whole, forms[0]) if forms else currency
    return f"{sign}{words} {noun} {cents:02d}/100"
