"""Amounts in words for invoices and acts, in English, Hindi and Russian.

``amount_in_words(minor, currency, language)`` takes integer minor units, as every amount in Khata is
stored, and writes the sum the way a document in that language usually does:

- English, INR: Indian numbering and the usual Indian invoice phrasing,
  "Rupees One Crore Twenty-Three Lakh Forty-Five Thousand Six Hundred Seventy-Eight and Fifty Paise Only".
  Crores above ninety-nine are counted in lakh and thousand again ("Five Lakh Crore"), as Indian
  budgets and banks write them, rather than with the old arab/kharab.
- English, other currencies: international numbering, "One Million Two Hundred Thousand Dollars and
  Fifty Cents", units singular or plural.
- Hindi: "एक करोड़ तेईस लाख पैंतालीस हज़ार छह सौ अठहत्तर रुपये और पचास पैसे"; the numbers 1–99 are
  irregular and come from one table.
- Russian: the accounting style of Russian invoices, "Двенадцать миллионов триста сорок пять тысяч
  шестьсот семьдесят восемь рублей 50 копеек": first letter capital, whole units in words with the
  gender of the currency (одна рупия, одно евро, один рубль) and its three plural forms, minor units
  always in two digits (or as many as the currency has), "00 копеек" included.

Choices made once, for every language:

- A negative amount raises ``ValueError``: an invoice or act never states a negative sum in words
  (a credit note states a positive one), so a negative here is a bug upstream, not something to print.
- The ceiling is ``MAX_UNITS`` whole units, 999,99,99,99,999 in Indian grouping (just under ten
  trillion); above it ``ValueError``.
- A currency missing from the tables keeps its ISO code: "One Hundred Twenty-Three Point Four Five
  KWD" in English and Hindi (decimals read digit by digit, the usual way to read them aloud),
  "Сто двадцать три KWD 450/1000" in Russian.
- The number of minor digits comes from the currency (Babel, as ``core.money`` does): JPY has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from babel.numbers import get_currency_precision

MAX_UNITS = 9_999_999_999_999
LANGUAGES = ("en", "hi", "ru")

Gender = Literal["m", "f", "n"]

# --- English -------------------------------------------------------------------------------------

EN_ONES = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
]
EN_TENS = ("", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety")
EN_DIGITS = EN_ONES[:10]


def _en_below_100(n: int) -> str:
    if n < 20:
        return EN_ONES[n]
    tens, ones = divmod(n, 10)
    return EN_TENS[tens] + (f"-{EN_ONES[ones]}" if ones else "")


def _en_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds:
        parts.append(f"{EN_ONES[hundreds]} Hundred")
    if rest:
        parts.append(_en_below_100(rest))
    return " ".join(parts)


def _en_international(n: int) -> str:
    if n == 0:
        return "Zero"
    parts = []
    for scale, name in ((10**12, "Trillion"), (10**9, "Billion"), (10**6, "Million"), (10**3, "Thousand")):
        count, n = divmod(n, scale)
        if count:
            parts.append(f"{_en_below_1000(count)} {name}")
    if n:
        parts.append(_en_below_1000(n))
    return " ".join(parts)


def _indian(n: int, below_100: list[str], hundred: str, thousand: str, lakh: str, crore: str) -> str:
    """Indian grouping: crore, lakh, thousand, hundreds; a crore count above 99 is grouped again."""
    crores, n = divmod(n, 10**7)
    lakhs, n = divmod(n, 10**5)
    thousands, n = divmod(n, 10**3)
    hundreds, n = divmod(n, 100)
    parts = []
    if crores:
        parts.append(f"{_indian(crores, below_100, hundred, thousand, lakh, crore)} {crore}")
    for count, name in ((lakhs, lakh), (thousands, thousand), (hundreds, hundred)):
        if count:
            parts.append(f"{below_100[count]} {name}")
    if n:
        parts.append(below_100[n])
    return " ".join(parts)


EN_BELOW_100 = [_en_below_100(n) for n in range(100)]


def _en_indian(n: int) -> str:
    if n == 0:
        return "Zero"
    return _indian(n, EN_BELOW_100, "Hundred", "Thousand", "Lakh", "Crore")


# --- Hindi ---------------------------------------------------------------------------------------

# 0–99: every Hindi number below a hundred is its own word, so they are all written out.
HI_ROWS = (
    "शून्य एक दो तीन चार पाँच छह सात आठ नौ",
    "दस ग्यारह बारह तेरह चौदह पंद्रह सोलह सत्रह अठारह उन्नीस",
    "बीस इक्कीस बाईस तेईस चौबीस पच्चीस छब्बीस सत्ताईस अट्ठाईस उनतीस",
    "तीस इकतीस बत्तीस तैंतीस चौंतीस पैंतीस छत्तीस सैंतीस अड़तीस उनतालीस",
    "चालीस इकतालीस बयालीस तैंतालीस चवालीस पैंतालीस छियालीस सैंतालीस अड़तालीस उनचास",
    "पचास इक्यावन बावन तिरपन चौवन पचपन छप्पन सत्तावन अट्ठावन उनसठ",
    "साठ इकसठ बासठ तिरसठ चौंसठ पैंसठ छियासठ सड़सठ अड़सठ उनहत्तर",
    "सत्तर इकहत्तर बहत्तर तिहत्तर चौहत्तर पचहत्तर छिहत्तर सतहत्तर अठहत्तर उन्यासी",
    "अस्सी इक्यासी बयासी तिरासी चौरासी पचासी छियासी सत्तासी अट्ठासी नवासी",
    "नब्बे इक्यानबे बानबे तिरानबे चौरानबे पंचानबे छियानबे सत्तानबे अट्ठानबे निन्यानबे",
)
HI_BELOW_100 = [word for row in HI_ROWS for word in row.split()]
assert len(HI_BELOW_100) == 100


def _hi_number(n: int) -> str:
    if n == 0:
        return HI_BELOW_100[0]
    return _indian(n, HI_BELOW_100, "सौ", "हज़ार", "लाख", "करोड़")


# --- Russian -------------------------------------------------------------------------------------

RU_ONES_M = ["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
RU_TEENS = [
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
]
RU_TENS = (
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
)
RU_HUNDREDS = (
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
)
RU_GENDERED = {"m": ("один", "два"), "f": ("одна", "две"), "n": ("одно", "два")}
# (scale, one / few / many, gender)
RU_SCALES: tuple[tuple[int, tuple[str, str, str], Gender], ...] = (
    (10**12, ("триллион", "триллиона", "триллионов"), "m"),
    (10**9, ("миллиард", "миллиарда", "миллиардов"), "m"),
    (10**6, ("миллион", "миллиона", "миллионов"), "m"),
    (10**3, ("тысяча", "тысячи", "тысяч"), "f"),
)


def ru_plural(n: int, forms: tuple[str, str, str]) -> str:
    """The Russian form for a count: 1 рубль, 2 рубля, 5 рублей; 11–14 take the third form."""
    if 11 <= n % 100 <= 14:
        return forms[2]
    if n % 10 == 1:
        return forms[0]
    if 2 <= n % 10 <= 4:
        return forms[1]
    return forms[2]


def _ru_below_1000(n: int, gender: Gender) -> list[str]:
    hundreds, rest = divmod(n, 100)
    words = [RU_HUNDREDS[hundreds]] if hundreds else []
    if 10 <= rest < 20:
        words.append(RU_TEENS[rest - 10])
        return words
    tens, ones = divmod(rest, 10)
    if tens:
        words.append(RU_TENS[tens])
    if ones in (1, 2):
        words.append(RU_GENDERED[gender][ones - 1])
    elif ones:
        words.append(RU_ONES_M[ones])
    return words


def _ru_number(n: int, gender: Gender) -> str:
    if n == 0:
        return RU_ONES_M[0]
    words: list[str] = []
    for scale, forms, scale_gender in RU_SCALES:
        count, n = divmod(n, scale)
        if count:
            words += _ru_below_1000(count, scale_gender)
            words.append(ru_plural(count, forms))
    if n:
        words += _ru_below_1000(n, gender)
    return " ".join(words)


# --- Currencies ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrencyWords:
    en: tuple[str, str]  # unit singular, plural
    en_minor: tuple[str, str]
    hi: tuple[str, str]
    hi_minor: tuple[str, str]
    ru: tuple[str, str, str]  # one, few, many
    ru_gender: Gender
    ru_minor: tuple[str, str, str]


CURRENCIES: dict[str, CurrencyWords] = {
    "INR": CurrencyWords(
        en=("Rupee", "Rupees"),
        en_minor=("Paisa", "Paise"),
        hi=("रुपया", "रुपये"),
        hi_minor=("पैसा", "पैसे"),
        ru=("рупия", "рупии", "рупий"),
        ru_gender="f",
        ru_minor=("пайса", "пайсы", "пайс"),
    ),
    "USD": CurrencyWords(
        en=("Dollar", "Dollars"),
        en_minor=("Cent", "Cents"),
        hi=("डॉलर", "डॉलर"),
        hi_minor=("सेंट", "सेंट"),
        ru=("доллар США", "доллара США", "долларов США"),
        ru_gender="m",
        ru_minor=("цент", "цента", "центов"),
    ),
    "EUR": CurrencyWords(
        en=("Euro", "Euros"),
        en_minor=("Cent", "Cents"),
        hi=("यूरो", "यूरो"),
        hi_minor=("सेंट", "सेंट"),
        ru=("евро", "евро", "евро"),
        ru_gender="n",
        ru_minor=("евроцент", "евроцента", "евроцентов"),
    ),
    "GBP": CurrencyWords(
        en=("Pound", "Pounds"),
        en_minor=("Penny", "Pence"),
        hi=("पाउंड", "पाउंड"),
        hi_minor=("पेनी", "पेंस"),
        ru=("фунт стерлингов", "фунта стерлингов", "фунтов стерлингов"),
        ru_gender="m",
        ru_minor=("пенс", "пенса", "пенсов"),
    ),
    "RUB": CurrencyWords(
        en=("Rouble", "Roubles"),
        en_minor=("Kopeck", "Kopecks"),
        hi=("रूबल", "रूबल"),
        hi_minor=("कोपेक", "कोपेक"),
        ru=("рубль", "рубля", "рублей"),
        ru_gender="m",
        ru_minor=("копейка", "копейки", "копеек"),
    ),
    "AED": CurrencyWords(
        en=("Dirham", "Dirhams"),
        en_minor=("Fils", "Fils"),
        hi=("दिरहम", "दिरहम"),
        hi_minor=("फ़िल्स", "फ़िल्स"),
        ru=("дирхам ОАЭ", "дирхама ОАЭ", "дирхамов ОАЭ"),
        ru_gender="m",
        ru_minor=("филс", "филса", "филсов"),
    ),
    "JPY": CurrencyWords(
        en=("Yen", "Yen"),
        en_minor=("Sen", "Sen"),
        hi=("येन", "येन"),
        hi_minor=("सेन", "सेन"),
        ru=("иена", "иены", "иен"),
        ru_gender="f",
        ru_minor=("сен", "сены", "сен"),
    ),
}

HI_DIGITS = HI_BELOW_100[:10]


def _pick(n: int, forms: tuple[str, str]) -> str:
    return forms[0] if n == 1 else forms[1]


def _en(units: int, minor: int, precision: int, code: str, names: CurrencyWords | None) -> str:
    if names is None:
        return _point(_en_international(units), minor, precision, "Point", EN_DIGITS, code)
    if code == "INR":
        if units == 0 and minor:
            return f"{_en_indian(minor)} {_pick(minor, names.en_minor)} Only"
        text = f"Rupees {_en_indian(units)}"
        if minor:
            text += f" and {_en_indian(minor)} {_pick(minor, names.en_minor)}"
        return text + " Only"
    text = f"{_en_international(units)} {_pick(units, names.en)}"
    if minor:
        text += f" and {_en_international(minor)} {_pick(minor, names.en_minor)}"
    return text


def _hi(units: int, minor: int, precision: int, code: str, names: CurrencyWords | None) -> str:
    if names is None:
        return _point(_hi_number(units), minor, precision, "दशमलव", HI_DIGITS, code)
    minor_text = f"{_hi_number(minor)} {_pick(minor, names.hi_minor)}"
    if units == 0 and minor:
        return minor_text
    text = f"{_hi_number(units)} {_pick(units, names.hi)}"
    return f"{text} और {minor_text}" if minor else text


def _ru(units: int, minor: int, precision: int, code: str, names: CurrencyWords | None) -> str:
    if names is None:
        text = f"{_ru_number(units, 'm')} {code}"
        if precision:
            text += f" {minor:0{precision}d}/{10**precision}"
    else:
        text = f"{_ru_number(units, names.ru_gender)} {ru_plural(units, names.ru)}"
        if precision:
            text += f" {minor:0{precision}d} {ru_plural(minor, names.ru_minor)}"
    return text[0].upper() + text[1:]


def _point(whole: str, minor: int, precision: int, point: str, digits: list[str], code: str) -> str:
    """A sum in an unknown currency: decimals read digit by digit, then the ISO code."""
    if not minor:
        return f"{whole} {code}"
    decimals = " ".join(digits[int(d)] for d in f"{minor:0{precision}d}")
    return f"{whole} {point} {decimals} {code}"


def amount_in_words(minor: int, currency: str, language: str) -> str:
    """A sum of minor units (paise, cents) in words, as an invoice or act in that language states it.

    Raises ``ValueError`` for a negative sum, one above ``MAX_UNITS`` whole units, or a language
    other than en, hi, ru (a regional tag such as "en-IN" reads as its language).
    """
    code = currency.upper()
    lang = language.lower().split("-")[0].split("_")[0]
    if lang not in LANGUAGES:
        raise ValueError(f"No amounts in words for language {language!r}; known: {', '.join(LANGUAGES)}.")
    if minor < 0:
        raise ValueError("An amount in words cannot be negative.")
    precision = get_currency_precision(code)
    units, rest = divmod(minor, 10**precision)
    if units > MAX_UNITS:
        raise ValueError(f"An amount in words goes up to {MAX_UNITS:,} whole units.")
    names = CURRENCIES.get(code)
    writer = {"en": _en, "hi": _hi, "ru": _ru}[lang]
    return writer(units, rest, precision, code, names)
