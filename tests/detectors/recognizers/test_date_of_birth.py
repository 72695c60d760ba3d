import pytest

from detectors.recognizers.date_of_birth import DateOfBirthRecognizer

recognizer = DateOfBirthRecognizer()


@pytest.mark.parametrize(
    "text,date",
    [
        ("DOB 13 Mar 1953", "13 Mar 1953"),
        ("Date of birth: 11/11/2009;", "11/11/2009"),
        ("D.O.B: 07.09.13", "07.09.13"),
        ("born on 4th of July 1976", "4th of July 1976"),
        ("birth date 1948-04-22", "1948-04-22"),
        ("she was born March 3, 1990", "March 3, 1990"),
        ("12/03/1985 (DOB)", "12/03/1985"),
    ],
)
def test_dates_beside_birth_words(values, text, date):
    assert values(recognizer, text) == [date]


def test_other_dates_are_not_birth_dates(values):
    assert values(recognizer, "The meeting is on 12/03/2026 and the deadline 4 May 2026.") == []


def test_only_the_date_next_to_the_birth_word(values):
    text = "DOB 13 Mar 1953, NHS number 6443447336, was seen on 24/12/2024 by the team"
    assert values(recognizer, text) == ["13 Mar 1953"]


def test_impossible_dates_are_rejected(values):
    assert values(recognizer, "DOB 32/13/1990") == []
    assert values(recognizer, "DOB 1990-13-01") == []


def test_year_alone_only_beside_birth_words(values):
    assert values(recognizer, "She was born in 1985 and joined in 2010.") == ["1985"]
    assert values(recognizer, "Year of birth: 1962") == ["1962"]
    assert values(recognizer, "The service started in 1985.") == []


@pytest.mark.parametrize(
    "text,dates",
    [
        ("ref,name,dob\nA1,Ola,14/02/1961\nA2,Bea,1999-12-01", ["14/02/1961", "1999-12-01"]),
        ("Name\tDate of birth\tStart date\nOla\t3 May 1970\t01/09/2024", ["3 May 1970"]),
        # The start-date column is not a birth date, and a cell that is not a whole date is not read.
        ("name,start_date\nOla,01/09/2024", []),
        ("name,dob\nOla,unknown\nBea,31/02/1990", []),
    ],
)
def test_dates_in_a_birth_date_column(values, text, dates):
    assert values(recognizer, text) == dates
