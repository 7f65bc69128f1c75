"""Amounts in words: exact expectations per language, and round trips back to numbers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khata.core.words import MAX_UNITS, amount_in_words, ru_plural

# Hindi 0–99, written down from the standard Hindi number names (school tables, as printed in
# NCERT primers); spelling with chandrabindu in पाँच and nukta in हज़ार as in the documents.
HINDI_REFERENCE = {
    0: "शून्य", 1: "एक", 2: "दो", 3: "तीन", 4: "चार", 5: "पाँच", 6: "छह", 7: "सात", 8: "आठ", 9: "नौ",
    10: "दस", 11: "ग्यारह", 12: "बारह", 13: "तेरह", 14: "चौदह", 15: "पंद्रह", 16: "सोलह", 17: "सत्रह",
    18: "अठारह", 19: "उन्नीस", 20: "बीस", 21: "इक्कीस", 22: "बाईस", 23: "तेईस", 24: "चौबीस",
    25: "पच्चीस", 26: "छब्बीस", 27: "सत्ताईस", 28: "अट्ठाईस", 29: "उनतीस", 30: "तीस", 31: "इकतीस",
    32: "बत्तीस", 33: "तैंतीस", 34: "चौंतीस", 35: "पैंतीस", 36: "छत्तीस", 37: "सैंतीस", 38: "अड़तीस",
    39: "उनतालीस", 40: "चालीस", 41: "इकतालीस", 42: "बयालीस", 43: "तैंतालीस", 44: "चवालीस",
    45: "पैंतालीस", 46: "छियालीस", 47: "सैंतालीस", 48: "अड़तालीस", 49: "उनचास", 50: "पचास",
    51: "इक्यावन", 52: "बावन", 53: "तिरपन", 54: "चौवन", 55: "पचपन", 56: "छप्पन", 57: "सत्तावन",
    58: "अट्ठावन", 59: "उनसठ", 60: "साठ", 61: "इकसठ", 62: "बासठ", 63: "तिरसठ", 64: "चौंसठ",
    65: "पैंसठ", 66: "छियासठ", 67: "सड़सठ", 68: "अड़सठ", 69: "उनहत्तर", 70: "सत्तर", 71: "इकहत्तर",
    72: "बहत्तर", 73: "तिहत्तर", 74: "चौहत्तर", 75: "पचहत्तर", 76: "छिहत्तर", 77: "सतहत्तर",
    78: "अठहत्तर", 79: "उन्यासी", 80: "अस्सी", 81: "इक्यासी", 82: "बयासी", 83: "तिरासी", 84: "चौरासी",
    85: "पचासी", 86: "छियासी", 87: "सत्तासी", 88: "अट्ठासी", 89: "नवासी", 90: "नब्बे", 91: "इक्यानबे",
    92: "बानबे", 93: "तिरानबे", 94: "चौरानबे", 95: "पंचानबे", 96: "छियानबे", 97: "सत्तानबे",
    98: "अट्ठानबे", 99: "निन्यानबे",
}  # fmt: skip

MAX_TEXT_EN_INDIAN = (
    "Nine Lakh Ninety-Nine Thousand Nine Hundred Ninety-Nine Crore "
    "Ninety-Nine Lakh Ninety-Nine Thousand Nine Hundred Ninety-Nine"
)


# --- English, INR: Indian numbering and phrasing -------------------------------------------------


@pytest.mark.parametrize(
    ("units", "words"),
    [
        (0, "Zero"),
        (1, "One"),
        (2, "Two"),
        (5, "Five"),
        (11, "Eleven"),
        (12, "Twelve"),
        (19, "Nineteen"),
        (20, "Twenty"),
        (21, "Twenty-One"),
        (99, "Ninety-Nine"),
        (100, "One Hundred"),
        (101, "One Hundred One"),
        (110, "One Hundred Ten"),
        (999, "Nine Hundred Ninety-Nine"),
        (1_000, "One Thousand"),
        (1_001, "One Thousand One"),
        (2_000, "Two Thousand"),
        (5_000, "Five Thousand"),
        (21_000, "Twenty-One Thousand"),
        (99_999, "Ninety-Nine Thousand Nine Hundred Ninety-Nine"),
        (1_00_000, "One Lakh"),
        (1_00_001, "One Lakh One"),
        (10_00_000, "Ten Lakh"),
        (99_99_999, "Ninety-Nine Lakh Ninety-Nine Thousand Nine Hundred Ninety-Nine"),
        (1_00_00_000, "One Crore"),
        (1_00_00_001, "One Crore One"),
        (12_34_56_789, "Twelve Crore Thirty-Four Lakh Fifty-Six Thousand Seven Hundred Eighty-Nine"),
        (100_00_00_000, "One Hundred Crore"),
        (1_00_000_00_00_000, "One Lakh Crore"),
        (MAX_UNITS, MAX_TEXT_EN_INDIAN),
    ],
)
def test_english_rupees_use_indian_numbering(units: int, words: str) -> None:
    assert amount_in_words(units * 100, "INR", "en") == f"Rupees {words} Only"


@pytest.mark.parametrize(
    ("minor", "words"),
    [
        (1_23_45_678_50, "Rupees One Crore Twenty-Three Lakh Forty-Five Thousand Six Hundred Seventy-Eight "
         "and Fifty Paise Only"),
        (150, "Rupees One and Fifty Paise Only"),
        (100_01, "Rupees One Hundred and One Paisa Only"),
        (1, "One Paisa Only"),
        (50, "Fifty Paise Only"),
        (99, "Ninety-Nine Paise Only"),
        (MAX_UNITS * 100 + 99, f"Rupees {MAX_TEXT_EN_INDIAN} and Ninety-Nine Paise Only"),
    ],
)  # fmt: skip
def test_english_rupees_with_paise(minor: int, words: str) -> None:
    assert amount_in_words(minor, "INR", "en") == words


# --- English, other currencies: international numbering -----------------------------------------


@pytest.mark.parametrize(
    ("minor", "currency", "words"),
    [
        (0, "USD", "Zero Dollars"),
        (100, "USD", "One Dollar"),
        (200, "USD", "Two Dollars"),
        (1, "USD", "Zero Dollars and One Cent"),
        (150, "USD", "One Dollar and Fifty Cents"),
        (1_200_000_50, "USD", "One Million Two Hundred Thousand Dollars and Fifty Cents"),
        (100_000_00, "USD", "One Hundred Thousand Dollars"),
        (10_000_000_00, "USD", "Ten Million Dollars"),
        (1_000_000_000_00, "USD", "One Billion Dollars"),
        (
            999_999_999_999_99,
            "USD",
            "Nine Hundred Ninety-Nine Billion Nine Hundred Ninety-Nine Million Nine Hundred Ninety-Nine "
            "Thousand Nine Hundred Ninety-Nine Dollars and Ninety-Nine Cents",
        ),
        (1_000_000_000_000_00, "USD", "One Trillion Dollars"),
        (
            MAX_UNITS * 100,
            "USD",
            "Nine Trillion Nine Hundred Ninety-Nine Billion Nine Hundred Ninety-Nine Million "
            "Nine Hundred Ninety-Nine Thousand Nine Hundred Ninety-Nine Dollars",
        ),
        (100, "EUR", "One Euro"),
        (2_101, "EUR", "Twenty-One Euros and One Cent"),
        (101, "GBP", "One Pound and One Penny"),
        (205, "GBP", "Two Pounds and Five Pence"),
        (100, "RUB", "One Rouble"),
        (501, "RUB", "Five Roubles and One Kopeck"),
        (100_25, "AED", "One Hundred Dirhams and Twenty-Five Fils"),
        (1, "JPY", "One Yen"),
        (1_001, "JPY", "One Thousand One Yen"),
        (0, "JPY", "Zero Yen"),
    ],
)
def test_english_international(minor: int, currency: str, words: str) -> None:
    assert amount_in_words(minor, currency, "en") == words


# --- Hindi ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", range(100))
def test_hindi_numbers_below_a_hundred_match_the_reference(number: int) -> None:
    unit = "रुपया" if number == 1 else "रुपये"
    assert amount_in_words(number * 100, "INR", "hi") == f"{HINDI_REFERENCE[number]} {unit}"


def test_hindi_irregular_numbers_named_in_the_spec() -> None:
    for number, word in {
        35: "पैंतीस", 45: "पैंतालीस", 49: "उनचास", 59: "उनसठ", 69: "उनहत्तर",
        79: "उन्यासी", 89: "नवासी", 99: "निन्यानबे",
    }.items():  # fmt: skip
        assert amount_in_words(number * 100, "INR", "hi") == f"{word} रुपये"


@pytest.mark.parametrize(
    ("minor", "currency", "words"),
    [
        (1_23_45_678_50, "INR", "एक करोड़ तेईस लाख पैंतालीस हज़ार छह सौ अठहत्तर रुपये और पचास पैसे"),
        (100_00, "INR", "एक सौ रुपये"),
        (101_00, "INR", "एक सौ एक रुपये"),
        (110_00, "INR", "एक सौ दस रुपये"),
        (999_00, "INR", "नौ सौ निन्यानबे रुपये"),
        (1_000_00, "INR", "एक हज़ार रुपये"),
        (1_001_00, "INR", "एक हज़ार एक रुपये"),
        (2_000_00, "INR", "दो हज़ार रुपये"),
        (5_000_00, "INR", "पाँच हज़ार रुपये"),
        (21_000_00, "INR", "इक्कीस हज़ार रुपये"),
        (1_00_000_00, "INR", "एक लाख रुपये"),
        (1_00_001_00, "INR", "एक लाख एक रुपये"),
        (10_00_000_00, "INR", "दस लाख रुपये"),
        (1_00_00_000_00, "INR", "एक करोड़ रुपये"),
        (1_00_000_00_00_000_00, "INR", "एक लाख करोड़ रुपये"),
        (
            MAX_UNITS * 100 + 99,
            "INR",
            "नौ लाख निन्यानबे हज़ार नौ सौ निन्यानबे करोड़ निन्यानबे लाख निन्यानबे हज़ार नौ सौ निन्यानबे रुपये और निन्यानबे पैसे",
        ),
        (1, "INR", "एक पैसा"),
        (50, "INR", "पचास पैसे"),
        (101, "INR", "एक रुपया और एक पैसा"),
        (525, "USD", "पाँच डॉलर और पच्चीस सेंट"),
        (1_00, "EUR", "एक यूरो"),
        (2_05, "GBP", "दो पाउंड और पाँच पेंस"),
        (3_00, "RUB", "तीन रूबल"),
        (7_00, "AED", "सात दिरहम"),
        (45, "JPY", "पैंतालीस येन"),
    ],
)
def test_hindi(minor: int, currency: str, words: str) -> None:
    assert amount_in_words(minor, currency, "hi") == words


# --- Russian -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "words"),
    [
        (0, "Ноль рублей"),
        (1, "Один рубль"),
        (2, "Два рубля"),
        (4, "Четыре рубля"),
        (5, "Пять рублей"),
        (11, "Одиннадцать рублей"),
        (12, "Двенадцать рублей"),
        (14, "Четырнадцать рублей"),
        (19, "Девятнадцать рублей"),
        (20, "Двадцать рублей"),
        (21, "Двадцать один рубль"),
        (22, "Двадцать два рубля"),
        (25, "Двадцать пять рублей"),
        (99, "Девяносто девять рублей"),
        (100, "Сто рублей"),
        (101, "Сто один рубль"),
        (110, "Сто десять рублей"),
        (111, "Сто одиннадцать рублей"),
        (112, "Сто двенадцать рублей"),
        (121, "Сто двадцать один рубль"),
        (999, "Девятьсот девяносто девять рублей"),
        (1_000, "Одна тысяча рублей"),
        (1_001, "Одна тысяча один рубль"),
        (2_000, "Две тысячи рублей"),
        (5_000, "Пять тысяч рублей"),
        (11_000, "Одиннадцать тысяч рублей"),
        (21_000, "Двадцать одна тысяча рублей"),
        (22_000, "Двадцать две тысячи рублей"),
        (100_000, "Сто тысяч рублей"),
        (100_001, "Сто тысяч один рубль"),
        (1_000_000, "Один миллион рублей"),
        (2_000_000, "Два миллиона рублей"),
        (5_000_000, "Пять миллионов рублей"),
        (11_000_000, "Одиннадцать миллионов рублей"),
        (21_000_000, "Двадцать один миллион рублей"),
        (1_000_000_000, "Один миллиард рублей"),
        (
            999_999_999_999,
            "Девятьсот девяносто девять миллиардов девятьсот девяносто девять миллионов "
            "девятьсот девяносто девять тысяч девятьсот девяносто девять рублей",
        ),
        (
            MAX_UNITS,
            "Девять триллионов девятьсот девяносто девять миллиардов девятьсот девяносто девять миллионов "
            "девятьсот девяносто девять тысяч девятьсот девяносто девять рублей",
        ),
    ],
)
def test_russian_roubles_gender_and_plural(units: int, words: str) -> None:
    assert amount_in_words(units * 100, "RUB", "ru") == f"{words} 00 копеек"


@pytest.mark.parametrize(
    ("minor", "currency", "words"),
    [
        (12_345_678_50, "RUB", "Двенадцать миллионов триста сорок пять тысяч шестьсот семьдесят восемь "
         "рублей 50 копеек"),
        (1, "RUB", "Ноль рублей 01 копейка"),
        (2, "RUB", "Ноль рублей 02 копейки"),
        (5, "RUB", "Ноль рублей 05 копеек"),
        (11, "RUB", "Ноль рублей 11 копеек"),
        (21, "RUB", "Ноль рублей 21 копейка"),
        (1_00, "INR", "Одна рупия 00 пайс"),
        (2_01, "INR", "Две рупии 01 пайса"),
        (5_02, "INR", "Пять рупий 02 пайсы"),
        (21_00, "INR", "Двадцать одна рупия 00 пайс"),
        (1_001_00, "INR", "Одна тысяча одна рупия 00 пайс"),
        (2_002_00, "INR", "Две тысячи две рупии 00 пайс"),
        (1_00, "EUR", "Одно евро 00 евроцентов"),
        (2_00, "EUR", "Два евро 00 евроцентов"),
        (21_01, "EUR", "Двадцать одно евро 01 евроцент"),
        (1_00, "USD", "Один доллар США 00 центов"),
        (22_03, "USD", "Двадцать два доллара США 03 цента"),
        (111_00, "USD", "Сто одиннадцать долларов США 00 центов"),
        (1_01, "GBP", "Один фунт стерлингов 01 пенс"),
        (1_00, "AED", "Один дирхам ОАЭ 00 филсов"),
        (1, "JPY", "Одна иена"),
        (2, "JPY", "Две иены"),
        (5, "JPY", "Пять иен"),
    ],
)  # fmt: skip
def test_russian(minor: int, currency: str, words: str) -> None:
    assert amount_in_words(minor, currency, "ru") == words


@pytest.mark.parametrize(
    ("count", "form"),
    [
        (0, 2),
        (1, 0),
        (2, 1),
        (4, 1),
        (5, 2),
        (11, 2),
        (12, 2),
        (14, 2),
        (21, 0),
        (22, 1),
        (111, 2),
        (1001, 0),
    ],
)
def test_russian_plural_forms(count: int, form: int) -> None:
    assert ru_plural(count, ("one", "few", "many")) == ("one", "few", "many")[form]


# --- Edges and refusals --------------------------------------------------------------------------


def test_unknown_currency_keeps_its_code() -> None:
    assert amount_in_words(123_45, "XYZ", "en") == "One Hundred Twenty-Three Point Four Five XYZ"
    assert amount_in_words(123_00, "XYZ", "en") == "One Hundred Twenty-Three XYZ"
    assert amount_in_words(123_05, "XYZ", "hi") == "एक सौ तेईस दशमलव शून्य पाँच XYZ"
    assert amount_in_words(123_45, "XYZ", "ru") == "Сто двадцать три XYZ 45/100"
    # Kuwaiti dinar has three decimals.
    assert amount_in_words(12_345, "KWD", "en") == "Twelve Point Three Four Five KWD"


def test_codes_and_languages_are_read_loosely() -> None:
    assert amount_in_words(100, "inr", "en-IN") == "Rupees One Only"
    assert amount_in_words(100, "RUB", "ru_RU") == "Один рубль 00 копеек"


@pytest.mark.parametrize("language", ["en", "hi", "ru"])
def test_negative_and_too_large_amounts_are_refused(language: str) -> None:
    with pytest.raises(ValueError, match="negative"):
        amount_in_words(-1, "INR", language)
    with pytest.raises(ValueError, match="goes up to"):
        amount_in_words((MAX_UNITS + 1) * 100, "INR", language)
    with pytest.raises(ValueError, match="goes up to"):
        amount_in_words(MAX_UNITS + 1, "JPY", language)
    amount_in_words(MAX_UNITS * 100 + 99, "INR", language)
    amount_in_words(MAX_UNITS, "JPY", language)


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language 'fr'"):
        amount_in_words(100, "EUR", "fr")


# --- Round trips: the words read back to the number ----------------------------------------------

EN_VALUES = {
    "Zero": 0, "One": 1, "Two": 2, "Three": 3, "Four": 4, "Five": 5, "Six": 6, "Seven": 7, "Eight": 8,
    "Nine": 9, "Ten": 10, "Eleven": 11, "Twelve": 12, "Thirteen": 13, "Fourteen": 14, "Fifteen": 15,
    "Sixteen": 16, "Seventeen": 17, "Eighteen": 18, "Nineteen": 19, "Twenty": 20, "Thirty": 30,
    "Forty": 40, "Fifty": 50, "Sixty": 60, "Seventy": 70, "Eighty": 80, "Ninety": 90,
}  # fmt: skip
EN_SCALES = {"Thousand": 10**3, "Lakh": 10**5, "Million": 10**6, "Billion": 10**9, "Trillion": 10**12}
HI_VALUES = {word: value for value, word in HINDI_REFERENCE.items()}
HI_SCALES = {"हज़ार": 10**3, "लाख": 10**5}
RU_VALUES = {
    "ноль": 0, "один": 1, "одна": 1, "одно": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5,
    "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12,
    "тринадцать": 13, "четырнадцать": 14, "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17,
    "восемнадцать": 18, "девятнадцать": 19, "двадцать": 20, "тридцать": 30, "сорок": 40,
    "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70, "восемьдесят": 80, "девяносто": 90, "сто": 100,
    "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500, "шестьсот": 600, "семьсот": 700,
    "восемьсот": 800, "девятьсот": 900,
}  # fmt: skip
RU_SCALES = {
    "тысяча": 10**3, "тысячи": 10**3, "тысяч": 10**3, "миллион": 10**6, "миллиона": 10**6,
    "миллионов": 10**6, "миллиард": 10**9, "миллиарда": 10**9, "миллиардов": 10**9,
    "триллион": 10**12, "триллиона": 10**12, "триллионов": 10**12,
}  # fmt: skip

RU_NAMES = {
    "RUB": ("рубль", "рубля", "рублей"),
    "INR": ("рупия", "рупии", "рупий"),
    "USD": ("доллар США", "доллара США", "долларов США"),
    "EUR": ("евро", "евро", "евро"),
}
RU_MINOR_NAMES = {
    "RUB": ("копейка", "копейки", "копеек"),
    "INR": ("пайса", "пайсы", "пайс"),
    "USD": ("цент", "цента", "центов"),
    "EUR": ("евроцент", "евроцента", "евроцентов"),
}


def _read_back(
    tokens: list[str], values: dict[str, int], scales: dict[str, int], hundred: str, crore: str
) -> int:
    total = current = 0
    for token in tokens:
        if token in values:
            current += values[token]
        elif token == hundred:
            current *= 100
        elif token == crore:  # the top Indian scale: everything before it counts crores
            total, current = (total + current) * 10**7, 0
        elif token in scales:
            total, current = total + current * scales[token], 0
        else:
            raise AssertionError(f"unexpected word {token!r}")
    return total + current


def _en_number(text: str) -> int:
    return _read_back(text.replace("-", " ").split(), EN_VALUES, EN_SCALES, "Hundred", "Crore")


LANGUAGE_CURRENCY = (
    st.sampled_from(["en", "hi", "ru"]),
    st.sampled_from(["INR", "USD", "EUR", "GBP", "RUB", "AED"]),
)


@given(st.integers(min_value=0, max_value=10**13), *LANGUAGE_CURRENCY)
def test_never_raises_and_never_shows_digits_in_en_hi(minor: int, language: str, currency: str) -> None:
    text = amount_in_words(minor, currency, language)
    assert text and text == text.strip() and "  " not in text
    if language in ("en", "hi"):
        assert not re.search(r"\d", text)


@given(st.integers(min_value=0, max_value=MAX_UNITS * 100 + 99))
def test_english_rupees_read_back(minor: int) -> None:
    text = amount_in_words(minor, "INR", "en")
    body = text.removesuffix(" Only")
    units, paise = "Zero", "Zero"
    if body.startswith("Rupees "):
        units, _, paise = body.removeprefix("Rupees ").partition(" and ")
    else:
        paise = body
    paise = paise.removesuffix(" Paise").removesuffix(" Paisa") or "Zero"
    assert text.endswith(" Only") and ("Paisa" in text) == (minor % 100 == 1)
    assert _en_number(units) * 100 + _en_number(paise) == minor


@given(st.integers(min_value=0, max_value=MAX_UNITS * 100 + 99))
def test_english_dollars_read_back(minor: int) -> None:
    text = amount_in_words(minor, "USD", "en")
    match = re.fullmatch(r"(.+) Dollars?(?: and (.+) Cents?)?", text)
    assert match, text
    units, cents = match.groups()
    assert "Lakh" not in text and "Crore" not in text
    assert _en_number(units) * 100 + _en_number(cents or "Zero") == minor


@given(st.integers(min_value=0, max_value=MAX_UNITS * 100 + 99))
def test_hindi_rupees_read_back(minor: int) -> None:
    text = amount_in_words(minor, "INR", "hi")
    match = re.fullmatch(r"(?:(.+) रुपय[ाे])?(?: और )?(?:(.+) पैस[ाे])?", text)
    assert match, text
    units, paise = (
        _read_back(part.split(), HI_VALUES, HI_SCALES, "सौ", "करोड़") if part else 0 for part in match.groups()
    )
    assert units * 100 + paise == minor


@given(
    st.integers(min_value=0, max_value=MAX_UNITS * 100 + 99), st.sampled_from(["RUB", "INR", "USD", "EUR"])
)
def test_russian_reads_back_with_gender_and_plural(minor: int, currency: str) -> None:
    text = amount_in_words(minor, currency, "ru")
    assert text[0].isupper()
    units, kopecks = divmod(minor, 100)
    words, digits, minor_name = text.rsplit(" ", 2)
    assert digits == f"{kopecks:02d}"
    tokens = words[0].lower() + words[1:]
    name = RU_NAMES[currency]
    assert tokens.endswith(" " + ru_plural(units, name))
    number_words = tokens.removesuffix(" " + ru_plural(units, name)).split()
    assert _read_back(number_words, RU_VALUES, RU_SCALES, "", "") == units
    last = number_words[-1]
    if units % 10 in (1, 2) and units % 100 not in (11, 12):
        expected = {"RUB": "m", "USD": "m", "INR": "f", "EUR": "n"}[currency]
        assert last in {"m": ("один", "два"), "f": ("одна", "две"), "n": ("одно", "два")}[expected]
    assert minor_name == ru_plural(kopecks, RU_MINOR_NAMES[currency])
