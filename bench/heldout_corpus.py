"""Write a labelled held-out corpus, unlike the development corpus, to check that detection generalises.

    python bench/heldout_corpus.py [--count 600] [--seed 7] > heldout.jsonl
    python bench/heldout_corpus.py --handwritten > handwritten.jsonl
    python bench/heldout_corpus.py --respell ../shared/eval/pii/dev.jsonl > respelled.jsonl
    python bench/heldout_corpus.py --respell ../shared/eval/pii/dev.jsonl --names wordlike > wordlike.jsonl

``--respell`` keeps a labelled corpus's sentences but gives every labelled value a
new one of the same type and shape (other names, other numbers with valid check
digits): the same kind of text with values the detectors have never seen.
    python bench/evaluate.py --pii heldout.jsonl --agentic ''

Same record format as ../shared/eval/pii/dev.jsonl (``{"id", "text", "entities"}``)
so the same scorer reads it. Everything here is written independently of the
development corpus: its own templates (casework notes, HR, finance, IT support,
letters, spreadsheets, mixed-case and awkward layouts), its own name lists and
its own identifier generators (valid check digits where the identifier has one).
About 40% of the prompts are clean but full of distractors: dates, money,
references, versions, job titles, departments, places, legislation, and the
words "official" and "secret" used as words.
"""

from __future__ import annotations

import argparse
import calendar
import json
import random
import re
import string
import sys
from pathlib import Path

FIRST = """Aaliyah Abdul Ada Adebayo Agnieszka Ahmed Aidan Aisha Akira Alasdair Alejandro Alessia Alfie Amara
Amelie Anders
Andrzej Angus Anjali Annika Antoine Arjun Astrid Aurelio Ayodele Beatriz Bernadette Bilal Bogdan Bronwen Caitlin Callum
Carys Chidi Chloe Ciaran Colm Dafydd Dariusz Deepa Declan Dermot Dorota Eamon Efua Eilidh Elif Emeka Enzo Esther Fatima
Fergus Fionnuala Florin Folake Gareth Gerwyn Grzegorz Gwen Hamza Hannelore Harpreet Hiroshi Ifeoma Imogen Ines Isla
Jadwiga Jamal Jasmin Javier Joanna Kamala Kasia Kwame Lachlan Leila Lorcan Luca Magdalena Mairead Malik Marta Maximilian
Mehmet Mohammed Morag Nadia Niamh Nikolai Nkechi Oisin Olamide Olufemi Oskar Pawel Pradeep Priya Rashid Rhiannon Rohan
Ruairi Saoirse Sanjay Seren Siobhan Stanislav Sunita Tadhg Tomasz Uchenna Ulrike Vikram Wojciech Xavier Yusuf Zainab
Zofia Zoltan Brenda Keith Maureen Trevor Gladys Norman Sheila Derek Wendy Clive Pauline Graham Lynne Barry
Denise""".split()
LAST = """Abara Achterberg Adeyemi Ahmadi Akhtar Albrecht Armitage Bachmann Balogun Banerjee Barraclough Bergström
Bhattacharya Blackwood Błaszczyk Bogdanović Brannigan Castellanos Chaudhry Chowdhury Ciobanu Creighton Czarnecki
D'Souza Dąbrowski Delacroix Donaghy Drummond Dunleavy Eastwood Ekwueme Fairbairn Farouk Fitzgerald Gallacher
Gonçalves Grabowski Haldane Hartigan Hoffmann Iqbal Jablonski Jankowski Kaczmarek Kavanagh Kowalczyk Krishnamurthy
Lindqvist Llewellyn MacAulay MacLeod Mahmood Maguire McAllister McGillivray Menéndez Mirza Moreau Mukherjee Murtagh
Nakamura Ndlovu Nwachukwu O'Callaghan O'Driscoll Okonkwo Olawale Ozturk Pemberton Petrović Quinlan Rahman Rasmussen
Rutherford Sandoval Schäfer Sheridan Siddiqui Sokołowski Szymański Thorburn Trevelyan Uddin Vasquez Wainwright
Whitfield Wiśniewski Yilmaz Zielińska Ramsbottom Featherstone Higginbotham Pickering Ogunleye Thackeray""".split()
# Names that are also ordinary words or titles, the hardest case for PERSON (``--names wordlike``).
WORDLIKE_FIRST = """Dean Grace Mark Will May June Rose Hope Faith Joy Frank Jack Bill Ray Earl Duke Chase Sandy
April Summer
Angel Guy Miles Christian Victoria Florence Georgia Austin Jordan Lincoln Paris""".split()
WORDLIKE_LAST = """Price Bishop King Hill Green White Young Ward Day Page Law Grant Hall Wood Cook Baker Banks
Knight Mason
Carter Turner Fisher Hunter Lane Marsh Bell Rose Little Long Stone Black Field Moss Power Love Church Cross House Mills
Wells Chapman Walker Booth Major North West English French Holland Summers Winter Marshall Chamberlain Steward Judge
Dean Lord Case Card Fox Lamb Bird Sharp Rich Archer Porter Parker Butler Miller Taylor Castle Brook Ford Gate""".split()
TOWNS = """Aberystwyth Basingstoke Carlisle Dundee Enniskillen Falkirk Gloucester Harrogate Inverness Kettering
Llandudno
Merthyr Tydfil Northallerton Oban Peterborough Rotherham Swindon Truro Wrexham Yeovil""".split()
STREETS = [
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Avenue",
    "Mill Close",
    "Queens Drive",
    "Elm Grove",
    "Park Crescent",
    "King's Walk",
    "Castle View",
]
DEPARTMENTS = [
    "the Department for Work and Pensions",
    "HM Revenue and Customs",
    "the Ministry of Defence",
    "Defra",
    "the Department for Transport",
    "the Foreign, Commonwealth and Development Office",
    "DCMS",
    "the Crown Prosecution Service",
    "HM Courts and Tribunals Service",
    "the Met Office",
    "Companies House",
    "the Land Registry",
    "UKHSA",
    "the Valuation Office Agency",
    "Natural England",
]
TITLES = [
    "the Director General",
    "the Chief Operating Officer",
    "the Deputy Director",
    "the Head of Profession",
    "the Chief Financial Officer",
    "the Parliamentary Under-Secretary",
    "the Accounting Officer",
    "the Data Protection Officer",
    "the Senior Information Risk Owner",
    "the Lord Chancellor",
    "the Chancellor of the Exchequer",
    "the Attorney General",
    "the Cabinet Secretary",
]
LAWS = [
    "the Human Rights Act 1998",
    "the Mental Capacity Act 2005",
    "the Localism Act 2011",
    "the Children Act 1989",
    "the Modern Slavery Act 2015",
    "the Public Sector Equality Duty",
    "the Official Secrets Act 1989",
    "the Environmental Information Regulations 2004",
    "the Procurement Act 2023",
    "the Online Safety Act 2023",
]


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    for check in string.digits:
        candidate = body + check
        total = 0
        for index, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError


class Make:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def person(self) -> str:
        r = self.rng
        first, last = r.choice(FIRST), r.choice(LAST)
        return r.choice(
            [
                f"{first} {last}",
                f"{first} {last}",
                f"{first[0]}. {last}",
                f"{first} {r.choice(FIRST)} {last}",
                f"{first} {last}-{r.choice(LAST)}",
            ]
        )

    def surname(self) -> str:
        return self.rng.choice(LAST)

    def email(self, name: str | None = None) -> str:
        r = self.rng
        parts = (name or f"{r.choice(FIRST)} {r.choice(LAST)}").lower().replace("'", "").replace(".", "").split()
        local = r.choice([".".join(parts), parts[0][0] + parts[-1], "_".join(parts), parts[-1] + str(r.randint(1, 99))])
        domain = r.choice(
            [
                "gmail.com",
                "outlook.com",
                "dwp.gov.uk",
                "nhs.net",
                "councilmail.org.uk",
                "icloud.com",
                "proton.me",
                "company.co.uk",
                "btinternet.com",
            ]
        )
        return f"{local}@{domain}"

    def phone(self) -> str:
        r = self.rng
        d = lambda n: "".join(r.choice(string.digits) for _ in range(n))  # noqa: E731
        return r.choice(
            [
                f"07{d(3)} {d(6)}",
                f"07{d(9)}",
                f"+44 7{d(3)} {d(3)} {d(3)}",
                f"020 {d(4)} {d(4)}",
                f"0131 {d(3)} {d(4)}",
                f"01{d(3)} {d(6)}",
                f"+44 (0)20 {d(4)} {d(4)}",
                f"+49 30 {d(8)}",
                f"+91 98{d(3)} {d(5)}",
                f"+1 (212) 555-{d(4)}",
                f"0800 {d(3)} {d(4)}",
                f"07{d(3)}-{d(3)}-{d(3)}",
                f"+353 1 {d(3)} {d(4)}",
                f"028 9{d(3)} {d(4)}",
            ]
        )

    def nino(self) -> str:
        r = self.rng
        first = r.choice("ABCEGHJKLMNOPRSTWXYZ")
        second = r.choice("ABCEGHJKLMNPRSTWXYZ")
        while first + second in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
            second = r.choice("ABCEGHJKLMNPRSTWXYZ")
        digits = "".join(r.choice(string.digits) for _ in range(6))
        suffix = r.choice("ABCD")
        text = r.choice(
            [
                f"{first}{second}{digits}{suffix}",
                f"{first}{second} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}",
                f"{first}{second} {digits} {suffix}",
            ]
        )
        return text.lower() if r.random() < 0.15 else text

    def nhs(self) -> str:
        r = self.rng
        while True:
            digits = [r.randint(0, 9) for _ in range(9)]
            digits[0] = r.choice([4, 6, 7])
            check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
            check = 0 if check == 11 else check
            if check != 10:
                s = "".join(map(str, digits)) + str(check)
                return r.choice([s, f"{s[:3]} {s[3:6]} {s[6:]}", f"{s[:3]}-{s[3:6]}-{s[6:]}"])

    def postcode(self) -> str:
        r = self.rng
        area = r.choice(["SW", "NE", "B", "M", "LS", "CF", "EH", "G", "BT", "PL", "OX", "CB", "NW", "SE", "KY", "DN"])
        outward = area + str(r.randint(1, 20 if len(area) == 2 else 99))
        inward = str(r.randint(0, 9)) + "".join(r.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(2))
        return r.choice([f"{outward} {inward}", f"{outward} {inward}", f"{outward}{inward}"])

    def passport(self) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(9))

    def licence(self, surname: str) -> str:
        r = self.rng
        letters = "".join(ch for ch in surname.upper() if ch.isalpha())[:5].ljust(5, "9")
        month = r.randint(1, 12) + r.choice([0, 50])
        core = f"{r.randint(0, 9)}{month:02d}{r.randint(1, 28):02d}{r.randint(0, 9)}"
        initials = r.choice(string.ascii_uppercase) + r.choice(string.ascii_uppercase + "9")
        check = "".join(r.choice(string.ascii_uppercase + string.digits) for _ in range(2))
        return r.choice([f"{letters}{core}{initials}9{check}", f"{letters} {core} {initials}9 {check}"])

    def sort_code(self) -> str:
        r = self.rng
        a, b, c = (f"{r.randint(0, 99):02d}" for _ in range(3))
        return r.choice([f"{a}-{b}-{c}", f"{a} {b} {c}"])

    def account(self) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(8))

    def iban(self) -> str:
        r = self.rng
        letters = lambda n: "".join(r.choice(string.ascii_uppercase) for _ in range(n))  # noqa: E731
        digits = lambda n: "".join(r.choice(string.digits) for _ in range(n))  # noqa: E731
        country, bban = r.choice(
            [
                ("GB", letters(4) + digits(14)),
                ("DE", digits(18)),
                ("FR", digits(23)),
                ("IE", letters(4) + digits(14)),
            ]
        )
        numeric = int("".join(str(int(ch, 36)) for ch in bban + country + "00"))
        compact = f"{country}{98 - numeric % 97:02d}{bban}"
        return r.choice([compact, " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))])

    def card(self) -> str:
        r = self.rng
        prefix, length = r.choice(
            [("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15), ("6011", 16)]
        )
        number = luhn_complete(prefix, length, r)
        if length == 16:
            return r.choice(
                [
                    number,
                    " ".join(number[i : i + 4] for i in range(0, 16, 4)),
                    "-".join(number[i : i + 4] for i in range(0, 16, 4)),
                ]
            )
        return r.choice([number, f"{number[:4]} {number[4:10]} {number[10:]}"])

    def ip(self) -> str:
        r = self.rng
        if r.random() < 0.25:
            return ":".join(f"{r.randint(0, 65535):x}" for _ in range(8))
        if r.random() < 0.15:
            return f"2001:db8::{r.randint(1, 65535):x}:{r.randint(1, 65535):x}"
        return ".".join(str(r.randint(1, 254)) for _ in range(4))

    def date(self) -> str:
        r = self.rng
        day, month, year = r.randint(1, 28), r.randint(1, 12), r.randint(1935, 2015)
        name = calendar.month_name[month]
        return r.choice(
            [
                f"{day:02d}/{month:02d}/{year}",
                f"{day} {name} {year}",
                f"{day} {name[:3]} {year}",
                f"{year}-{month:02d}-{day:02d}",
                f"{day}.{month}.{year}",
                f"{name} {day}, {year}",
            ]
        )

    def marking(self) -> str:
        return self.rng.choice(
            [
                "OFFICIAL",
                "OFFICIAL-SENSITIVE",
                "OFFICIAL SENSITIVE",
                "OFFICIAL-SENSITIVE COMMERCIAL",
                "OFFICIAL-SENSITIVE PERSONAL",
                "OFFICIAL-SENSITIVE: LOCSEN",
                "SECRET",
                "TOP SECRET",
                "TOP SECRET UK EYES ONLY",
                "OFFICIAL – SENSITIVE",
            ]
        )

    def credential(self) -> str:
        r = self.rng
        alnum = string.ascii_letters + string.digits
        s = lambda n, chars=alnum: "".join(r.choice(chars) for _ in range(n))  # noqa: E731
        return r.choice(
            [
                f"AKIA{s(16, string.ascii_uppercase + string.digits)}",
                f"ghp_{s(36)}",
                f"gho_{s(36)}",
                f"xoxp-{s(11, string.digits)}-{s(11, string.digits)}-{s(24)}",
                f"sk-ant-api03-{s(40)}",
                f"sk-{s(48)}",
                f"AIza{s(35)}",
                f"glpat-{s(20)}",
                f"hf_{s(34)}",
                f"eyJ{s(20)}.eyJ{s(30)}.{s(43)}",
            ]
        )

    def password(self) -> str:
        r = self.rng
        word = r.choice(["Winter", "Autumn", "Thames", "Cardiff", "Welcome", "Dragon", "Purple"])
        return word + str(r.randint(10, 9999)) + r.choice("!$#%&*?")


# Templates: {TYPE} is a labelled value of that finding type ({SURNAME} and {PASSWORD} are PERSON and CREDENTIAL
# values of another shape); {lower-case} fields are unlabelled filler.
POSITIVE_TEMPLATES = [
    "Can you summarise the attached case for {PERSON}? She was born on {DATE_OF_BIRTH} and lives in {town}.",
    "Mrs {SURNAME} rang about her pension. Her National Insurance number is {UK_NINO}. Please draft a reply "
    "explaining the delay.",
    "Forward the minutes to {EMAIL_ADDRESS} and copy in {EMAIL_ADDRESS}.",
    "Patient: {PERSON}\nNHS No: {UK_NHS}\nD.O.B: {DATE_OF_BIRTH}\nPlease write a referral letter to the memory clinic.",
    "Please ring {PERSON} back on {PHONE_NUMBER} about the planning application.",
    "Address for correspondence: {house} {street}, {town} {UK_POSTCODE}. Make this into a formal letter header.",
    "ID check for {PERSON}: passport no. {UK_PASSPORT}. Is this enough for right to work?",
    "Driver {SURNAME} (licence {UK_DRIVING_LICENCE}) was caught speeding. Write the warning letter.",
    "Pay the grant into sort code {UK_SORT_CODE} acc no {UK_BANK_ACCOUNT} and confirm by email.",
    "Supplier bank details changed to {IBAN_CODE}. Is this a fraud risk?",
    "Customer paid with card {CREDIT_CARD} but the refund failed. What next?",
    "Firewall blocked {IP_ADDRESS} repeatedly overnight. Explain what this might mean.",
    "{SECURITY_MARKING}\nRe: estates rationalisation. Turn these notes into a one-page summary.",
    "Protective marking: {SECURITY_MARKING}. Draft a cover note for the submission.",
    "This paper is classified {SECURITY_MARKING} - can I paste it into a chatbot?",
    'Here is my config, why won\'t it connect?\nTOKEN = "{CREDENTIAL}"\nURL = https://api.example.com',
    "I accidentally pasted {CREDENTIAL} into Teams. How do I rotate it?",
    "New starter login - username: jsmith, password: {PASSWORD}. Write the welcome email.",
    "The wifi password for the Leeds office is {PASSWORD} - put it in a poster.",
    "Meeting notes: {PERSON} and {PERSON} agreed the risk register. Summarise the actions.",
    "From: {PERSON}\nSent: Tuesday\nSubject: overdue FOI\n\nHi {SURNAME},\nChasing again. Thanks",
    "name,email,phone\n{PERSON},{EMAIL_ADDRESS},{PHONE_NUMBER}\nTurn this into a mail merge.",
    "Safeguarding concern: child {PERSON}, date of birth {DATE_OF_BIRTH}, attends St Mary's Primary. Draft the "
    "referral.",
    "Write a reference for {PERSON}, who worked with us at {department} for five years.",
    "Mr {PERSON} (NINO {UK_NINO}, tel {PHONE_NUMBER}) disputes the overpayment. Summarise his appeal.",
    "Translate for the family: 'Dr {SURNAME} will see your son at 10am.'",
    "Update the record: new address {house} {street}, {town}, {UK_POSTCODE}, phone {PHONE_NUMBER}.",
    "Our tenant {PERSON} says her email {EMAIL_ADDRESS} was hacked. What advice should I give?",
    "SSH key for the build server:\n{PEM}\nIs it safe to email this?",
    "Card ending in 4421 was declined; the full number is {CREDIT_CARD}.",
]
CLEAN_TEMPLATES = [
    "Draft a submission for {title} on the spending review; the deadline is {date}.",
    "Explain the main duties under {law} to a new caseworker.",
    "Compare how {department} and {department} publish transparency data.",
    "Summarise the consultation responses from {town} and {town} in a table.",
    "Invoice {ref} for {money} was paid on {date}. Write a note for the finance team.",
    "The official figures show {percent}% of claims were processed within {days} days. Write a press line.",
    "What's the secret of a good ministerial submission? Keep it brief.",
    "Upgrade Python to {version} on the analytics server and list the risks.",
    "Our contact centre number is on GOV.UK. Write guidance telling staff to direct callers there.",
    "Write an agenda for the {committee} on {date}.",
    "Reference {ref}: explain how to close a duplicate record in the case management system.",
    "Give me an Excel formula to convert dates like {date} to financial years.",
    "Is it OK to use Microsoft Copilot for OFFICIAL information? Answer with the relevant guidance.",
    "Write a blog post about {event} for the intranet.",
    "The team in {town} handled {count} calls last quarter, up {percent}%. Draft a thank-you message from {title}.",
    "Turn this into plain English: 'The Secretary of State may by regulations make provision under section {days}.'",
    "Rewrite for clarity: the Head of Digital and the Deputy Director of Estates met on {date} to agree the roadmap.",
    "List five top tips for keeping secrets out of source code repositories.",
    "Version {version} of the app is due on {date}. Draft release notes.",
    "Summarise the Official Secrets Act for a staff induction.",
    "We spent {money} on agency staff in Q{quarter} {year}. Is that high?",
    "Write three interview questions for a Senior Policy Adviser post at {department}.",
    "Explain the difference between OFFICIAL and SECRET classifications in two sentences.",
    "Room {room} at {building} is booked for the workshop.",
    "What does 'Universal Credit managed migration' mean? Explain to a member of the public.",
    "Create a checklist for a Data Protection Impact Assessment under UK GDPR.",
]
PEM = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz\n"
    "c2gtZWQyNTUxOQAAACDx7yJ2b3pDQ5lY0fM2nqA8b2cZ6sP0XkqV1u9tH4rLwAAAAJg\n-----END OPENSSH PRIVATE KEY-----"
)
_FIELD = re.compile(r"\{([A-Za-z_]+)\}")


def fill(template: str, make: Make) -> tuple[str, list[dict]]:
    """The template with every field filled in, and the labelled spans."""
    r = make.rng
    surname = make.surname()
    filler = {
        "PERSON": make.person,
        "SURNAME": lambda: surname,
        "EMAIL_ADDRESS": make.email,
        "PHONE_NUMBER": make.phone,
        "UK_NINO": make.nino,
        "UK_NHS": make.nhs,
        "UK_POSTCODE": make.postcode,
        "UK_PASSPORT": make.passport,
        "UK_DRIVING_LICENCE": lambda: make.licence(surname),
        "UK_SORT_CODE": make.sort_code,
        "UK_BANK_ACCOUNT": make.account,
        "IBAN_CODE": make.iban,
        "CREDIT_CARD": make.card,
        "IP_ADDRESS": make.ip,
        "DATE_OF_BIRTH": make.date,
        "SECURITY_MARKING": make.marking,
        "CREDENTIAL": make.credential,
        "PASSWORD": make.password,
        "PEM": lambda: PEM,
        "town": lambda: r.choice(TOWNS),
        "street": lambda: r.choice(STREETS),
        "house": lambda: str(r.randint(1, 200)),
        "department": lambda: r.choice(DEPARTMENTS),
        "title": lambda: r.choice(TITLES),
        "law": lambda: r.choice(LAWS),
        "date": make.date,
        "ref": lambda: r.choice(
            [
                f"REF-{r.randint(10000, 99999)}",
                str(r.randint(10**9, 10**10 - 1)),
                f"PO{r.randint(100000, 999999)}",
                f"SR/{r.randint(2019, 2026)}/{r.randint(100, 9999)}",
                f"ticket #{r.randint(10000, 99999)}",
            ]
        ),
        "money": lambda: r.choice(
            [
                f"£{r.randint(1, 999)},{r.randint(100, 999)}",
                f"£{r.randint(2, 90)}m",
                f"£{r.randint(10, 9999)}.{r.randint(10, 99)}",
            ]
        ),
        "percent": lambda: str(r.randint(2, 98)),
        "days": lambda: str(r.randint(5, 200)),
        "version": lambda: f"{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 99)}",
        "committee": lambda: r.choice(
            ["Audit and Risk Committee", "Executive Board", "Programme Board", "People Committee"]
        ),
        "event": lambda: r.choice(["Windrush Day", "Black History Month", "Pride Month", "Armed Forces Day"]),
        "count": lambda: f"{r.randint(1000, 99999):,}",
        "quarter": lambda: str(r.randint(1, 4)),
        "year": lambda: str(r.randint(2020, 2026)),
        "room": lambda: f"{r.randint(1, 9)}.{r.randint(10, 99)}",
        "building": lambda: r.choice(["Caxton House", "Quadrant House", "Bishopsgate", "2 Marsham Street"]),
    }
    labels = {"SURNAME": "PERSON", "PASSWORD": "CREDENTIAL", "PEM": "CREDENTIAL"}
    text, entities, position = "", [], 0
    for field in _FIELD.finditer(template):
        text += template[position : field.start()]
        name = field.group(1)
        value = filler[name]()
        if name.isupper():
            entities.append({"type": labels.get(name, name), "start": len(text), "end": len(text) + len(value)})
        text += value
        position = field.end()
    return text + template[position:], entities


def build(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    make = Make(rng)
    records = []
    for index in range(count):
        template = rng.choice(CLEAN_TEMPLATES if rng.random() < 0.4 else POSITIVE_TEMPLATES)
        text, entities = fill(template, make)
        records.append({"id": f"heldout-{index:04d}", "text": text, "entities": entities})
    return records


HANDWRITTEN = Path(__file__).with_name("data") / "handwritten_prompts.txt"
_MARK = re.compile(r"\[\[([A-Z_]+):(.*?)\]\]")


def handwritten(path: Path = HANDWRITTEN) -> list[dict]:
    """Prompts written by hand, one per line, values marked ``[[TYPE:value]]``."""
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip() or line.startswith("#"):
            continue
        line = line.replace("\\n", "\n")
        text, entities, position = "", [], 0
        for mark in _MARK.finditer(line):
            text += line[position : mark.start()]
            entities.append({"type": mark.group(1), "start": len(text), "end": len(text) + len(mark.group(2))})
            text += mark.group(2)
            position = mark.end()
        text += line[position:]
        records.append({"id": f"handwritten-{number:03d}", "text": text, "entities": entities})
    return records


def respell(path: Path, seed: int) -> list[dict]:
    rng = random.Random(seed)
    make = Make(rng)
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        text, entities, position = "", [], 0
        for entity in sorted(record["entities"], key=lambda e: e["start"]):
            text += record["text"][position : entity["start"]]
            value = new_value(make, entity["type"], record["text"][entity["start"] : entity["end"]])
            entities.append({"type": entity["type"], "start": len(text), "end": len(text) + len(value)})
            text += value
            position = entity["end"]
        text += record["text"][position:]
        records.append({"id": record["id"], "text": text, "entities": entities})
    return records


def new_value(make: Make, kind: str, old: str) -> str:
    """A fresh value of ``kind`` shaped like ``old`` where the shape matters (initials, one-word names)."""
    r = make.rng
    if kind == "PERSON":
        words = old.split()
        if len(words) == 1:
            return make.surname()
        if len(words[0]) == 2 and words[0].endswith("."):
            return f"{r.choice(FIRST)[0]}. {make.surname()}"
        return " ".join([r.choice(FIRST) for _ in words[:-1]] + [make.surname()])
    makers = {
        "EMAIL_ADDRESS": make.email,
        "PHONE_NUMBER": make.phone,
        "UK_NINO": make.nino,
        "UK_NHS": make.nhs,
        "UK_POSTCODE": make.postcode,
        "UK_PASSPORT": make.passport,
        "UK_SORT_CODE": make.sort_code,
        "UK_BANK_ACCOUNT": make.account,
        "IBAN_CODE": make.iban,
        "CREDIT_CARD": make.card,
        "IP_ADDRESS": make.ip,
        "DATE_OF_BIRTH": make.date,
        "SECURITY_MARKING": make.marking,
        "UK_DRIVING_LICENCE": lambda: make.licence(make.surname()),
        "CREDENTIAL": lambda: make.password() if len(old) < 16 else make.credential(),
    }
    return makers[kind]() if kind in makers else old


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--handwritten", action="store_true", help=f"write the prompts of {HANDWRITTEN.name} instead")
    parser.add_argument("--handwritten-file", metavar="TXT", help="like --handwritten, another file of that format")
    parser.add_argument("--respell", metavar="GOLD", help="rewrite a labelled corpus with new values")
    parser.add_argument(
        "--names",
        choices=["varied", "wordlike"],
        default="varied",
        help="'wordlike': every name made of words that are also ordinary words (Will Bell)",
    )
    args = parser.parse_args()
    if args.names == "wordlike":
        FIRST[:], LAST[:] = WORDLIKE_FIRST, WORDLIKE_LAST
    if args.respell:
        records = respell(Path(args.respell), args.seed)
    else:
        records = (
            handwritten(Path(args.handwritten_file))
            if args.handwritten_file
            else handwritten()
            if args.handwritten
            else build(args.count, args.seed)
        )
    for record in records:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
