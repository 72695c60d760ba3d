"""An external-style held-out set from the templates and fake-person records that ship with presidio-evaluator.

    python3 -m venv /tmp/pe && /tmp/pe/bin/pip install --no-deps presidio-evaluator==0.3.2
    /tmp/pe/bin/python bench/presidio_evaluator_set.py --count 300 --seed 13 > bench/data/presidio_evaluator_300.jsonl

The Presidio team's sentence templates (``data_generator/raw_data/templates.txt``: customer-service requests,
song reviews, address blocks, signatures, chat lines) are filled with the package's own records
(``FakeNameGenerator.com_3000.csv``: names, e-mail addresses, birthdays and cities from 24 name sets;
``companies_and_organizations.csv``; ``nationalities.csv``). Only the values the records do not hold usably are
made here (card numbers, which the CSV stores in Excel's exponent form; IBANs; IP addresses; UK postcodes and
phone numbers alongside the records' foreign ones).

Entity names are mapped to the project's types and labelled by the conventions of ../shared/eval/README.md:

    person, name, name_male/female, first_name*, last_name*  -> PERSON (a title such as "Mrs." outside the span)
    credit_card_number -> CREDIT_CARD       phone_number -> PHONE_NUMBER     email -> EMAIL_ADDRESS
    iban -> IBAN_CODE                       ip_address -> IP_ADDRESS
    date_of_birth -> DATE_OF_BIRTH only where the sentence presents it as a birth date ("It's like that since
                     {{date_of_birth}}" is just a date: not labelled)
    address, postcode -> UK_POSTCODE for the postcode inside a UK address (foreign and US zip codes: not labelled)
    city, country, street_name, organization, job, url, age, year, nationality, date_time ... -> filled, not
                     labelled (the project does not score them; they are the hard negatives)

Templates holding a US social security or driver's licence number are dropped: they are personal data of a type
the project does not score, so neither "clean" nor a labelled prompt would be honest.

Standard library only; the package is found with importlib, or give ``--raw-data DIR``.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import importlib.util
import json
import random
import re
import sys
from pathlib import Path

DROP = {"ssn", "us_driver_license"}
PERSON_KEYS = {
    "person",
    "name",
    "name_male",
    "name_female",
    "first_name",
    "first_name_male",
    "first_name_female",
    "first_name_nonbinary",
    "last_name",
    "last_name_male",
    "last_name_female",
}
UK_TOWNS = [
    "Leeds",
    "Swindon",
    "Reading",
    "Wolverhampton",
    "Stockport",
    "Carlisle",
    "Bangor",
    "Inverness",
    "Dundee",
    "Barnsley",
    "Exeter",
    "Lincoln",
    "Newport",
    "Sunderland",
    "Preston",
    "Ipswich",
]
UK_STREETS = [
    "Station Road",
    "High Street",
    "Church Lane",
    "Victoria Road",
    "Mill Lane",
    "Park Avenue",
    "Queen Street",
    "Kings Road",
    "The Crescent",
    "Albert Terrace",
    "Granby Row",
    "Castle Wynd",
    "Hawthorn Close",
    "Bridge Street",
    "Manor Way",
    "Orchard Grove",
]
POSTCODE_AREAS = [
    "LS",
    "SN",
    "RG",
    "WV",
    "SK",
    "CA",
    "LL",
    "IV",
    "DD",
    "S",
    "EX",
    "LN",
    "NP",
    "SR",
    "PR",
    "IP",
    "M",
    "B",
    "G",
    "EH",
    "BS",
    "CF",
    "NE",
    "L",
    "N",
    "SW",
    "E",
    "W",
]
MONTHS = list(calendar.month_name)[1:]  # English names: the C locale, which bench scripts run in
IBAN_LAYOUT = {
    "GB": "AAAA" + "9" * 14,
    "DE": "9" * 18,
    "FR": "9" * 23,
    "NL": "AAAA" + "9" * 10,
    "ES": "9" * 20,
    "IT": "A" + "9" * 22,
    "IE": "AAAA" + "9" * 14,
    "PL": "9" * 24,
}
BIRTH_CUES = ("date of birth", "born on", "born in")


def raw_data_dir(given: str | None) -> Path:
    if given:
        return Path(given)
    spec = importlib.util.find_spec("presidio_evaluator")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("presidio-evaluator is not installed here: install it (--no-deps is enough) or pass --raw-data")
    return Path(list(spec.submodule_search_locations)[0]) / "data_generator" / "raw_data"


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    digits = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return digits + str((10 - total % 10) % 10)


class Values:
    def __init__(self, raw: Path, rng: random.Random) -> None:
        self.rng = rng
        with (raw / "FakeNameGenerator.com_3000.csv").open(encoding="utf-8-sig") as handle:
            self.people = list(csv.DictReader(handle))
        with (raw / "companies_and_organizations.csv").open(encoding="utf-8-sig") as handle:
            self.organisations = [row["organization"] for row in csv.DictReader(handle)]
        with (raw / "nationalities.csv").open(encoding="utf-8-sig") as handle:
            self.nations = list(csv.DictReader(handle))
        self.record = rng.choice(self.people)

    def next_person(self) -> dict:
        self.record = self.rng.choice(self.people)
        return self.record

    # --- values that are labelled -------------------------------------------------------------------
    def given(self, gender: str | None = None) -> str:
        pool = [p for p in self.people if gender is None or p["Gender"] == gender]
        return self.rng.choice(pool)["GivenName"]

    def surname(self) -> str:
        return self.rng.choice(self.people)["Surname"]

    def full_name(self, gender: str | None = None) -> str:
        person = self.rng.choice([p for p in self.people if gender is None or p["Gender"] == gender])
        if self.rng.random() < 0.15:
            return f"{person['GivenName']} {person['MiddleInitial']}. {person['Surname']}"
        return f"{person['GivenName']} {person['Surname']}"

    def card(self) -> str:
        r = self.rng
        kind = r.choice(["visa", "visa", "mastercard", "mastercard", "amex", "discover"])
        if kind == "amex":
            number = luhn_complete(r.choice(["34", "37"]), 15, r)
            return number if r.random() < 0.6 else f"{number[:4]} {number[4:10]} {number[10:]}"
        prefix = {"visa": "4", "mastercard": r.choice(["51", "53", "55", "2221"]), "discover": "6011"}[kind]
        number = luhn_complete(prefix, 16, r)
        style = r.random()
        if style < 0.55:
            return number
        separator = " " if style < 0.85 else "-"
        return separator.join(number[i : i + 4] for i in range(0, 16, 4))

    def phone(self) -> str:
        r = self.rng
        style = r.random()
        if style < 0.3:  # the record's own number, with its country code
            person = r.choice(self.people)
            return f"+{person['TelephoneCountryCode']} {person['TelephoneNumber']}"
        if style < 0.55:
            return r.choice(
                [
                    f"07{r.randrange(100, 999)} {r.randrange(100000, 999999)}",
                    f"+44 7{r.randrange(100, 999)} {r.randrange(100000, 999999)}",
                    f"0{r.choice(['113', '161', '121', '117', '131'])} {r.randrange(100, 999)} {r.randrange(1000, 9999)}",
                    f"020 {r.randrange(7000, 8999)} {r.randrange(1000, 9999)}",
                ]
            )
        area, exchange, line = r.randrange(201, 989), r.randrange(200, 999), r.randrange(1000, 9999)
        return r.choice(
            [
                f"({area}) {exchange}-{line}",
                f"{area}-{exchange}-{line}",
                f"+1-{area}-{exchange}-{line}",
                f"{area}.{exchange}.{line}",
                f"001-{area}-{exchange}-{line}x{r.randrange(10, 9999)}",
            ]
        )

    def email(self) -> str:
        return self.rng.choice(self.people)["EmailAddress"]

    def iban(self) -> str:
        r = self.rng
        country = r.choice(list(IBAN_LAYOUT))
        bban = "".join(
            r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") if c == "A" else str(r.randrange(10)) for c in IBAN_LAYOUT[country]
        )
        numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
        iban = f"{country}{98 - int(numeric) % 97:02d}{bban}"
        return iban if r.random() < 0.6 else " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))

    def ip(self) -> str:
        r = self.rng
        if r.random() < 0.15:
            return (
                "2001:db8:" + ":".join(f"{r.randrange(65536):x}" for _ in range(3)) + "::" + f"{r.randrange(65536):x}"
            )
        return ".".join(str(r.randrange(1, 255)) for _ in range(4))

    def birthday(self) -> str:
        month, day, year = (int(x) for x in self.rng.choice(self.people)["Birthday"].split("/"))
        return self.rng.choice(
            [
                f"{month}/{day}/{year}",
                f"{day:02d}/{month:02d}/{year}",
                f"{day} {MONTHS[month - 1]} {year}",
                f"{MONTHS[month - 1]} {day}, {year}",
                f"{year}-{month:02d}-{day:02d}",
                f"{day} {MONTHS[month - 1][:3]} {year}",
            ]
        )

    def postcode(self) -> str:
        r = self.rng
        area = r.choice(POSTCODE_AREAS)
        district = str(r.randrange(1, 30))
        return f"{area}{district} {r.randrange(10)}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}"

    # --- values that are not labelled ---------------------------------------------------------------
    def city(self) -> str:
        return self.rng.choice(UK_TOWNS) if self.rng.random() < 0.5 else self.rng.choice(self.people)["City"]

    def street(self) -> str:
        if self.rng.random() < 0.6:
            return self.rng.choice(UK_STREETS)
        return re.sub(r"^\d+\s+|\s+\d+$", "", self.rng.choice(self.people)["StreetAddress"])

    def secondary(self) -> str:
        r = self.rng
        return r.choice(
            [
                f"Flat {r.randrange(1, 40)}",
                f"Apt. {r.randrange(1, 900)}",
                f"Suite {r.randrange(100, 999)}",
                f"Unit {r.randrange(1, 20)}",
            ]
        )

    def nation(self) -> dict:
        return self.rng.choice(self.nations)


def address(values: Values) -> tuple[str, list[tuple[int, int]]]:
    """An address and the spans of any UK postcode in it."""
    r = values.rng
    if r.random() < 0.6:
        head = f"{r.randrange(1, 300)} {values.street()}"
        if r.random() < 0.3:
            head = f"{values.secondary()}, {head}"
        head += f", {r.choice(UK_TOWNS)} "
        code = values.postcode()
        return head + code, [(len(head), len(head) + len(code))]
    person = r.choice(values.people)
    return f"{person['StreetAddress']}, {person['City']}, {person['ZipCode']}, {person['CountryFull']}", []


def fill(template: str, values: Values) -> tuple[str, list[dict]] | None:
    names = re.findall(r"\{\{(\w+)\}\}", template)
    if DROP & set(names):
        return None
    r = values.rng
    birth = any(cue in template.lower() for cue in BIRTH_CUES)
    text, entities, position = "", [], 0
    for match in re.finditer(r"\{\{(\w+)\}\}", template):
        text += template[position : match.start()].replace("\\n", "\n")
        position = match.end()
        key = match.group(1)
        label, value, inner = None, "", []
        if key in PERSON_KEYS:
            label = "PERSON"
            gender = "male" if key.endswith("_male") else "female" if key.endswith("_female") else None
            if key in {"person", "name", "name_male", "name_female"}:
                value = values.full_name(gender)
            elif key.startswith("first_name"):
                value = values.given(gender)
            else:
                value = values.surname()
        elif key == "credit_card_number":
            label, value = "CREDIT_CARD", values.card()
        elif key == "phone_number":
            label, value = "PHONE_NUMBER", values.phone()
        elif key == "email":
            label, value = "EMAIL_ADDRESS", values.email()
        elif key == "iban":
            label, value = "IBAN_CODE", values.iban()
        elif key == "ip_address":
            label, value = "IP_ADDRESS", values.ip()
        elif key == "date_of_birth":
            label, value = ("DATE_OF_BIRTH" if birth else None), values.birthday()
        elif key == "address":
            value, inner = address(values)
        elif key == "postcode":
            label, value = "UK_POSTCODE", values.postcode()
        elif key == "zipcode":
            value = f"{r.randrange(10000, 99999)}"
        elif key == "prefix_male":
            value = r.choice(["Mr.", "Mr", "Dr.", "Sir"])
        elif key == "prefix_female":
            value = r.choice(["Mrs.", "Ms.", "Miss", "Dr.", "Mrs"])
        elif key == "prefix":
            value = r.choice(["Mr.", "Ms.", "Dr."])
        elif key == "city":
            value = values.city()
        elif key == "country":
            value = r.choice(values.people)["CountryFull"]
        elif key == "street_name":
            value = values.street()
        elif key == "building_number":
            value = str(r.randrange(1, 400))
        elif key == "secondary_address":
            value = values.secondary()
        elif key == "organization":
            value = r.choice(values.organisations)
        elif key == "job":
            value = r.choice(values.people)["Occupation"]
        elif key == "url":
            value = f"https://www.{r.choice(values.people)['Domain']}/" + r.choice(
                ["", "about", "p/1234", "share?id=88"]
            )
        elif key == "age":
            value = str(r.randrange(18, 95))
        elif key == "year":
            value = str(r.randrange(1950, 2024))
        elif key in {"nationality", "nation_woman", "nation_man"}:
            nation = values.nation()
            value = {"nationality": nation["nationality"], "nation_woman": nation["woman"]}.get(key, nation["man"])
            value = value.title()
        elif key == "nation_plural":
            value = values.nation()["plural"].title()
        elif key == "state_abbr":
            value = r.choice(values.people)["State"]
        elif key == "day_of_week":
            value = r.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
        elif key == "date_time":
            value = f"{r.randrange(1, 29)} {r.choice(MONTHS)} {r.randrange(2015, 2026)} at {r.randrange(8, 18)}:{r.choice(['00', '15', '30', '45'])}"
        else:
            raise KeyError(f"unmapped template entity {key!r}")
        for start, end in inner:
            entities.append({"type": "UK_POSTCODE", "start": len(text) + start, "end": len(text) + end})
        if label:
            entities.append({"type": label, "start": len(text), "end": len(text) + len(value)})
        text += value
    text += template[position:].replace("\\n", "\n")
    return text, entities


def build(raw: Path, count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    values = Values(raw, rng)
    templates = [line.rstrip("\n") for line in (raw / "templates.txt").read_text(encoding="utf-8").splitlines()]
    templates = [t for t in templates if t.strip() and not (DROP & set(re.findall(r"\{\{(\w+)\}\}", t)))]
    records = []
    while len(records) < count:
        filled = fill(rng.choice(templates), values)
        if filled is None:
            continue
        text, entities = filled
        records.append({"id": f"presidio-evaluator-{len(records):03d}", "text": text, "entities": entities})
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--raw-data", default=None, help="presidio_evaluator/data_generator/raw_data")
    args = parser.parse_args()
    for record in build(raw_data_dir(args.raw_data), args.count, args.seed):
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
