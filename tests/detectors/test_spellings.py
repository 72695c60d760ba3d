"""Every way of writing an identifier that issue 10 lists is found, with offsets into the text as written.

Each row is (type, sentence with ``{}`` where the value goes, the value as the user wrote it). The analyzer must
report exactly one finding of that type whose span in the original text is exactly the value, invisible
characters included. The values are made up in the shapes of real ones (check digits valid where there are any).
"""

from __future__ import annotations

import pytest

ZWSP, ZWJ, WJ, SHY = "\u200b", "\u200d", "\u2060", "\u00ad"
NBSP, THIN, NNBSP = "\u00a0", "\u2009", "\u202f"
EN, EM, NBH, MINUS = "\u2013", "\u2014", "\u2011", "\u2212"


def fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ("\u3000" if ch == " " else ch) for ch in text)


NINO = "My NI number is {}, thanks."
SPELLINGS: list[tuple[str, str, str]] = [
    # National Insurance numbers
    ("UK_NINO", NINO, "JK.41.22.90.B"),
    ("UK_NINO", NINO, "RC/18/27/36/A"),
    ("UK_NINO", NINO, "JK  41  22  90  B"),
    ("UK_NINO", NINO, f"JK{NBSP}41{NBSP}22{NBSP}90{NBSP}B"),
    ("UK_NINO", NINO, f"JK{THIN}41{THIN}22{THIN}90{THIN}B"),
    ("UK_NINO", NINO, f"JK{NNBSP}41{NNBSP}22{NNBSP}90{NNBSP}B"),
    ("UK_NINO", NINO, f"JK{EN}41{EN}22{EN}90{EN}B"),
    ("UK_NINO", NINO, "JK_41_22_90_B"),
    ("UK_NINO", NINO, fullwidth("JK412290B")),
    ("UK_NINO", NINO, fullwidth("JK 41 22 90 B")),
    ("UK_NINO", NINO, f"JK41{ZWSP}2290B"),
    ("UK_NINO", NINO, f"J{ZWJ}K 41 22 9{WJ}0{SHY} B"),
    ("UK_NINO", NINO, "\u0408\u041a 41 22 90 \u0412"),  # Cyrillic Ј, К and В
    ("UK_NINO", NINO, "J\u041a412290B"),  # one Cyrillic letter
    ("UK_NINO", "NI: {}", "\u039a\u0391 12 34 56 \u0391"),  # Greek Κ and Α
    # Payment cards
    ("CREDIT_CARD", "Card number {} expires 08/29.", "4539.1488.0343.6467"),
    ("CREDIT_CARD", "Card number {} expires 08/29.", fullwidth("4539 1488 0343 6467")),
    ("CREDIT_CARD", "Card number {} expires 08/29.", fullwidth("4539148803436467")),
    ("CREDIT_CARD", "Card number {} expires 08/29.", f"4539{NBSP}1488{NBSP}0343{NBSP}6467"),
    ("CREDIT_CARD", "Card number {} expires 08/29.", f"4539{EN}1488{EN}0343{EN}6467"),
    ("CREDIT_CARD", "Card number {} expires 08/29.", "4539  1488  0343  6467"),
    ("CREDIT_CARD", "Card number {} expires 08/29.", f"4539 1488{ZWSP} 0343 6467"),
    # NHS numbers
    ("UK_NHS", "NHS number {} for the referral.", "943.476.5919"),
    ("UK_NHS", "NHS number {} for the referral.", f"943{NBSP}476{NBSP}5919"),
    ("UK_NHS", "NHS number {} for the referral.", f"943{EN}476{EN}5919"),
    ("UK_NHS", "NHS number {} for the referral.", fullwidth("943 476 5919")),
    ("UK_NHS", "NHS number {} for the referral.", "943  476  5919"),
    # Passport numbers
    ("UK_PASSPORT", "Passport number {} issued in 2019.", "5470 12345"),
    ("UK_PASSPORT", "Passport number {} issued in 2019.", "5470-12345"),
    ("UK_PASSPORT", "Passport number {} issued in 2019.", "547 012 345"),
    ("UK_PASSPORT", "Passport number {} issued in 2019.", fullwidth("547012345")),
    # Driving licences
    ("UK_DRIVING_LICENCE", "Driving licence {} renewed.", "MORGA  753116  SM9IJ"),
    ("UK_DRIVING_LICENCE", "Driving licence {} renewed.", "MORGA753116 SM9 IJ"),
    ("UK_DRIVING_LICENCE", "Driving licence {} renewed.", "MORGA 753116 SM 9 IJ"),
    ("UK_DRIVING_LICENCE", "Driving licence {} renewed.", "MORGA-753116-SM9-IJ"),
    ("UK_DRIVING_LICENCE", "Driving licence {} renewed.", f"MORGA{NBSP}753116{NBSP}SM9{NBSP}IJ"),
    ("UK_DRIVING_LICENCE", "Driving licence {} renewed.", fullwidth("MORGA753116SM9IJ")),
    # Telephone numbers
    ("PHONE_NUMBER", "Call me on {} tomorrow.", "07700.900.123"),
    ("PHONE_NUMBER", "Call me on {} tomorrow.", "020.7946.0958"),
    ("PHONE_NUMBER", "Call me on {} tomorrow.", "+44.7700.900.123"),
    ("PHONE_NUMBER", "Call me on {} tomorrow.", f"07700{NBSP}900{NBSP}123"),
    ("PHONE_NUMBER", "Call me on {} tomorrow.", fullwidth("07700 900123")),
    ("PHONE_NUMBER", "Call me on {} tomorrow.", f"020{EN}7946{EN}0958"),
    # E-mail addresses
    ("EMAIL_ADDRESS", "Write to {} today.", "j.bloggs\uff20example.com"),
    ("EMAIL_ADDRESS", "Write to {} today.", fullwidth("j.bloggs@example.com")),
    ("EMAIL_ADDRESS", "Write to {} today.", f"j.blo{ZWSP}ggs@example.com"),
    ("EMAIL_ADDRESS", "Write to {} today.", "j.bloggs\ufe6bexample.com"),  # small commercial at
    # Security markings
    ("SECURITY_MARKING", "{}\nPlease summarise the attached.", f"OFFICIAL{NBH}SENSITIVE"),
    ("SECURITY_MARKING", "{}\nPlease summarise the attached.", fullwidth("SECRET")),
    ("SECURITY_MARKING", "{}\nPlease summarise the attached.", f"SEC{ZWSP}RET"),
    ("SECURITY_MARKING", "{}\nPlease summarise the attached.", f"TOP{NBSP}SECRET"),
    ("SECURITY_MARKING", "{}\nPlease summarise the attached.", f"OFFICIAL{EN}SENSITIVE"),
    ("SECURITY_MARKING", "{}\nPlease summarise the attached.", fullwidth("OFFICIAL-SENSITIVE")),
    ("SECURITY_MARKING", "{}\nPlease summarise the attached.", "\u0405\u0415CRET"),  # Cyrillic Ѕ and Е
    # Sort codes and account numbers
    ("UK_SORT_CODE", "Sort code {} please.", "12.34.56"),
    ("UK_SORT_CODE", "Sort code {} please.", f"12{EN}34{EN}56"),
    ("UK_SORT_CODE", "Sort code {} please.", fullwidth("12-34-56")),
    ("UK_BANK_ACCOUNT", "Account number {} please.", "3192.6819"),
    ("UK_BANK_ACCOUNT", "Account number {} please.", fullwidth("31926819")),
]


@pytest.mark.parametrize(("kind", "sentence", "value"), SPELLINGS, ids=[repr(v)[1:-1] for _, _, v in SPELLINGS])
def test_spelling_is_found_with_original_offsets(analyzer, kind, sentence, value):
    text = sentence.format(value)
    start = text.index(value)
    found = [(f.type, f.start, f.end) for f in analyzer.analyze(text) if f.type == kind]
    assert found == [(kind, start, start + len(value))]
