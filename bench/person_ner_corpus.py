"""A synthetic training corpus for a PERSON-only NER model (issue 13).

    python3 -m venv /tmp/fk && /tmp/fk/bin/pip install faker==40.54.0
    /tmp/fk/bin/python bench/person_ner_corpus.py --count 12000 --seed 13 > /tmp/person_ner_train.jsonl

Writes one JSON object per line: ``{"text": ..., "spans": [[start, end], ...]}``, the character offsets of every
person's name in the text. Nothing here comes from an evaluation set: the names are Faker's (every locale whose
names are written in Latin script, so Polish, German, Yoruba, Igbo, Hindi-in-English, Spanish double surnames,
Irish, Turkish, Vietnamese …), the places are the GeoNames gazetteer already in the package
(``detectors/recognizers/gazetteers/places.txt``) and Faker's British streets and towns, and the templates,
organisations, public bodies, products and titles are written here by hand.

The documents are short (one to eight lines) and come in the shapes personal data is pasted in: chat exports,
hurried lower-case notes, forms, CSV rows, letters, signatures, e-mail headers, minutes, case notes, address blocks,
"Surname, First" lists. About a third hold no name at all and are made of what a name recognizer mistakes for one:
towns, streets, companies, public bodies, job titles, products, song and film titles, capitalised common nouns at
the start of a line. Names that are also words (``Summer Price``, ``J. Green``) appear as names, and the same words
appear as places and streets (which names are words is decided by Faker's own English word list).

Faker is needed only to write the corpus (a throwaway virtualenv, as above); the gateway never imports this file.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
GAZETTEERS = REPOSITORY / "detectors" / "recognizers" / "gazetteers"

# Locales whose first and last names Faker writes in Latin script.
LOCALES = [
    "en_GB", "en_GB", "en_GB", "en_IE", "ga_IE", "en_US", "en_AU", "en_NZ", "en_CA", "en_IN", "en_IN", "en_PK",
    "en_NG", "en_KE", "en_PH", "yo_NG", "ig_NG", "ha_NG", "tw_GH", "zu_ZA", "pl_PL", "pl_PL", "de_DE", "de_AT",
    "es_ES", "es_MX", "es_CO", "es_AR", "fr_FR", "fr_BE", "it_IT", "pt_PT", "pt_BR", "nl_NL", "nl_BE", "tr_TR",
    "cs_CZ", "sk_SK", "hu_HU", "ro_RO", "hr_HR", "sl_SI", "lt_LT", "lv_LV", "et_EE", "fi_FI", "sv_SE", "no_NO",
    "da_DK", "is_IS", "sq_AL", "bs_BA", "az_AZ", "id_ID", "vi_VN", "fil_PH", "mt_MT", "sw", "uz_UZ",
]  # fmt: skip

HONORIFICS = ["Mr", "Mrs", "Ms", "Miss", "Dr", "Prof", "Mx", "Cllr", "Sir", "Dame", "Rev", "Mr.", "Mrs.", "Dr."]
# Bodies, firms, products and works written as capitalised words: the negatives a name recognizer must leave.
PUBLIC_BODIES = [
    "HM Revenue and Customs", "Natural England", "Historic England", "Sport Wales", "Companies House",
    "HM Land Registry", "the Home Office", "the Cabinet Office", "the Department for Education",
    "the Department for Work and Pensions", "the Ministry of Justice", "the Environment Agency", "the Met Office",
    "Highways England", "National Highways", "the Valuation Office Agency", "the Insolvency Service",
    "the Charity Commission", "the Planning Inspectorate", "Ofsted", "Ofgem", "Ofwat", "the DVLA", "the DVSA",
    "the Rural Payments Agency", "the Crown Prosecution Service", "the Probation Service", "HM Courts and Tribunals",
    "the Student Loans Company", "the Office for National Statistics", "NHS England", "Public Health Wales",
    "Transport for London", "the Forestry Commission", "the Marine Management Organisation", "the Treasury",
    "Number 10", "Whitehall", "Kew Gardens", "the Royal Mint", "the British Library", "the National Archives",
    "the Maritime and Coastguard Agency", "the Legal Aid Agency", "the Pensions Regulator", "Skills England",
    "the Met Police", "Police Scotland", "the Food Standards Agency", "the Health and Safety Executive",
]  # fmt: skip
PRODUCTS = [
    "Microsoft Teams", "Power BI", "SharePoint", "Excel", "Outlook", "Jira", "Confluence", "Salesforce",
    "Oracle Fusion", "ServiceNow", "Google Docs", "Zoom", "Slack", "GitHub Copilot", "Windows Server",
    "Azure DevOps", "Adobe Acrobat", "Tableau", "Notion", "Miro", "Trello", "Chrome", "Firefox", "Kubernetes",
    "Docker Desktop", "Visual Studio Code", "Power Automate", "Dynamics 365", "SAP Concur", "Workday",
]  # fmt: skip
TITLE_WORDS = [
    "Silent", "Golden", "Broken", "Summer", "Winter", "Little", "Wild", "Blue", "Crimson", "Lost", "Secret",
    "Northern", "Midnight", "Electric", "Hidden", "Last", "Quiet", "Paper", "Glass", "Iron", "Velvet", "Hollow",
]  # fmt: skip
TITLE_NOUNS = [
    "River", "Garden", "Hearts", "Light", "Road", "Kingdom", "Tales", "Harbour", "Rain", "Fire", "Stone",
    "Machine", "Symphony", "Horizon", "Shadows", "Bridge", "Letters", "Island", "Promise", "Station", "Mountain",
]  # fmt: skip
JOB_TITLES = [
    "Senior Responsible Owner", "Head of Profession", "Chief Executive", "Permanent Secretary", "Deputy Director",
    "Service Owner", "Product Manager", "Delivery Lead", "Case Officer", "Team Leader", "Policy Adviser",
    "Data Protection Officer", "Senior Information Risk Owner", "Housing Officer", "Director General",
    "Business Partner", "Principal Social Worker", "Finance Manager", "Head of Digital", "Executive Officer",
]  # fmt: skip
COMMON_CAPITALISED = [
    "Urgent", "Reminder", "Update", "Chasing", "Summary", "Background", "Actions", "Decision", "Next steps",
    "Risks", "Budget", "Agenda", "Minutes", "Notes", "Attached", "Thanks", "Please", "Apologies", "Draft",
    "Approved", "Pending", "Closed", "Escalated", "Outstanding", "Overview", "Priority", "Status", "Follow-up",
]  # fmt: skip
COMPANY_SUFFIXES = ["Ltd", "Limited", "plc", "LLP", "Group", "Holdings", "Partners", "Solutions", "Consulting"]
TEAMS = ["Finance", "Housing", "Digital", "Estates", "Benefits", "Commissioning", "Legal", "Procurement", "HR"]
STREET_TYPES = ["Street", "Road", "Lane", "Avenue", "Close", "Way", "Drive", "Crescent", "Gardens", "Place", "Row"]
MESSAGES = [
    "can you send the figures before the board", "running 10 mins late", "who has the latest draft?",
    "agreed, let's go with option B", "I'll pick this up tomorrow", "the meeting with {ORG} moved to Thursday",
    "see attached from {BODY}", "has anyone heard from {P}?", "{P} is off sick today", "ok thanks",
    "please copy in {FIRST}", "the {TOWN} site visit is confirmed", "lol yes", "can we use {PRODUCT} for this",
    "spoke to {P} about the complaint", "I think {FIRST} has it", "the report is on {PRODUCT}",
    "meeting at {STREET} office at 2", "{FIRST} said she'd call back",
]  # fmt: skip
CLEAN_SENTENCES = [
    "The {TOWN} office handled {N} calls last quarter.", "{BODY} has published the new guidance.",
    "Please move the {PRODUCT} licences to the {TEAM} cost centre.", "Our team in {TOWN} is moving to {STREET}.",
    "{JOB} sign-off is needed before {DAY}.", "{CAP}: the paper goes to {BODY} on {DAY}.",
    "{CAP}\nThe contract with {ORG} ends in {MONTH}.", "We listened to {WORK} at the away day.",
    "Can you summarise the film {WORK} in three lines?", "The {TEAM} Team met {ORG} about the {TOWN} depot.",
    "Visitors should use the entrance on {STREET}, {TOWN}.", "{ORG} won the tender for {BODY}.",
    "Traffic on the A{N} near {TOWN} is heavy.", "{CAP} - {TEAM} budget for {TOWN} and {TOWN}",
    "Ask the {JOB} whether {BODY} agrees.", "The {WORK} exhibition opens at {PLACE_BUILDING} in {MONTH}.",
    "Population of {TOWN}: {N},000; of {TOWN}: {N},000.", "{TOWN}, {TOWN} and {TOWN} are in scope for phase 2.",
    "Export the {PRODUCT} report and send it to {BODY}.", "Upgrade {PRODUCT} to version {N}.{N}.",
    "{CAP}. {CAP} by {DAY}.", "The {JOB} of {ORG} will chair.", "Meet at {TOWN} station, by the {STREET} exit.",
    "{STREET} and {STREET} will be closed for resurfacing.", "The {TOWN} and {TOWN} Partnership reports to {BODY}.",
]  # fmt: skip
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "September", "October", "December"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def _latin(word: str) -> bool:
    return bool(word) and all(ch.isascii() or "\u00c0" <= ch <= "\u024f" or ch in "'’- ." for ch in word)


class Vocabulary:
    """Names, places, streets and firms, drawn once from Faker and the package's gazetteers."""

    def __init__(self, rng: random.Random, per_locale: int = 300) -> None:
        from faker import Faker  # the throwaway virtualenv's; see the module docstring

        self.firsts: list[list[str]] = []
        self.lasts: list[list[str]] = []
        for locale in LOCALES:
            fake = Faker(locale)
            fake.seed_instance(rng.randrange(1 << 30))
            firsts = sorted({n for n in (fake.first_name() for _ in range(per_locale)) if _latin(n)})
            lasts = sorted({n for n in (fake.last_name() for _ in range(per_locale)) if _latin(n)})
            if firsts and lasts:
                self.firsts.append(firsts)
                self.lasts.append(lasts)
        # Names that are also English words ("Summer", "Price", "Green"): Faker's English names that are in Faker's
        # own English word list, so that no hand-picked list decides which word-like names the model sees.
        from faker.providers.lorem.en_US import Provider as EnglishWords
        from faker.providers.person.en_GB import Provider as BritishNames
        from faker.providers.person.en_US import Provider as AmericanNames

        words = {w.lower() for w in EnglishWords.word_list}
        firsts_en = {n for p in (BritishNames, AmericanNames) for n in p.first_names}
        lasts_en = {n for p in (BritishNames, AmericanNames) for n in p.last_names}
        self.wordlike_firsts = sorted(n for n in firsts_en if n.lower() in words)
        self.wordlike_lasts = sorted(n for n in lasts_en if n.lower() in words)
        british = Faker("en_GB")
        british.seed_instance(rng.randrange(1 << 30))
        self.streets = sorted({british.street_name() for _ in range(2000)})
        self.towns = sorted({british.city() for _ in range(2000)})
        self.companies = sorted({british.company() for _ in range(1000)})
        self.postcodes = [british.postcode() for _ in range(500)]
        # Ordinary words, capitalised where a sentence starts: Faker's English lorem sentences, job titles and
        # business phrases. Most of what surrounds a name is this; none of it is a name.
        english = Faker("en_US")
        english.seed_instance(rng.randrange(1 << 30))
        self.filler = [english.sentence(nb_words=rng.randint(5, 14)) for _ in range(3000)]
        self.filler += [british.job() for _ in range(800)]
        self.filler += [english.catch_phrase() + "." for _ in range(600)]
        self.filler += [english.bs().capitalize() + "." for _ in range(600)]
        # GeoNames places (folded to lower case in the gazetteer): real towns and countries, title-cased here.
        places = (GAZETTEERS / "places.txt").read_text(encoding="utf-8").split()
        self.places = sorted({p.title() for p in places if p.isascii() and len(p) > 3})

    def person(self, rng: random.Random) -> tuple[str, str]:
        if rng.random() < 0.1 and self.wordlike_lasts:
            first = rng.choice(self.wordlike_firsts + self.firsts[0])
            return first, rng.choice(self.wordlike_lasts)
        index = rng.randrange(len(self.firsts))
        first, last = rng.choice(self.firsts[index]), rng.choice(self.lasts[index])
        if rng.random() < 0.08:
            last = f"{last} {rng.choice(self.lasts[index])}"  # Spanish double surnames, and others
        elif rng.random() < 0.04:
            last = f"{last}-{rng.choice(self.lasts[index])}"
        return first, last

    def town(self, rng: random.Random) -> str:
        return rng.choice(self.towns) if rng.random() < 0.4 else rng.choice(self.places)

    def street(self, rng: random.Random) -> str:
        if rng.random() < 0.6:
            return rng.choice(self.streets)
        # Streets named like people or like words: "Grace Hill Road", "Cook Street", "Victoria Avenue"
        first, last = self.person(rng)
        return f"{rng.choice([first, last, last])} {rng.choice(STREET_TYPES)}"

    def organisation(self, rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.4:
            return rng.choice(self.companies)
        if roll < 0.7:
            _, last = self.person(rng)
            return f"{last} {rng.choice(COMPANY_SUFFIXES)}"  # a firm named after a person is not a person
        return f"{self.town(rng)} {rng.choice(['Council', 'City Council', 'College', 'Hospital', 'Trust'])}"


class Document:
    """A text built piece by piece, with the offsets of the names in it."""

    def __init__(self, case: str) -> None:
        self.parts: list[str] = []
        self.spans: list[tuple[int, int]] = []
        self.length = 0
        self.case = case

    def add(self, piece: str, name: bool = False) -> None:
        if self.case == "lower":
            piece = piece.lower()
        elif self.case == "upper" and name:
            piece = piece.upper()
        if name:
            self.spans.append((self.length, self.length + len(piece)))
        self.parts.append(piece)
        self.length += len(piece)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def name_forms(vocab: Vocabulary, rng: random.Random, style: str | None = None) -> tuple[str, str]:
    """One person written one way; returns (words before the name, the name)."""
    first, last = vocab.person(rng)
    style = (
        style
        or rng.choices(
            ["full", "first", "honorific", "initial", "surname_first", "capitals_surname", "middle", "last"],
            [40, 14, 12, 8, 8, 5, 6, 3],
        )[0]
    )
    if style == "full":
        return "", f"{first} {last}"
    if style == "first":
        return "", first
    if style == "last":
        return "", last
    if style == "honorific":
        return f"{rng.choice(HONORIFICS)} ", rng.choice([last, f"{first} {last}"])
    if style == "initial":
        return "", f"{first[0]}. {last}" if rng.random() < 0.8 else f"{first[0]}.{rng.choice('ABCDJKMRS')}. {last}"
    if style == "surname_first":
        return "", f"{last}, {first}"
    if style == "capitals_surname":
        return "", rng.choice([f"{last.upper()}, {first}", f"{first} {last.upper()}"])
    middle, _ = vocab.person(rng)
    return "", f"{first} {middle} {last}"


def fill(doc: Document, template: str, vocab: Vocabulary, rng: random.Random) -> None:
    """Append ``template`` with its slots filled; {P} {FIRST} {LAST} are names, the rest are not."""
    position = 0
    while position < len(template):
        open_ = template.find("{", position)
        if open_ < 0:
            doc.add(template[position:])
            return
        doc.add(template[position:open_])
        close = template.index("}", open_)
        slot = template[open_ + 1 : close]
        position = close + 1
        if slot == "P":
            before, name = name_forms(vocab, rng)
            doc.add(before)
            doc.add(name, name=True)
        elif slot == "PF":  # a full name
            doc.add(" ".join(vocab.person(rng)), name=True)
        elif slot == "FIRST":
            doc.add(vocab.person(rng)[0], name=True)
        elif slot == "LAST":
            doc.add(vocab.person(rng)[1], name=True)
        elif slot == "MSG":
            fill(doc, rng.choice(MESSAGES), vocab, rng)
        else:
            doc.add(_negative(slot, vocab, rng))


def _negative(slot: str, vocab: Vocabulary, rng: random.Random) -> str:
    values: dict[str, Callable[[], str]] = {
        "TOWN": lambda: vocab.town(rng),
        "STREET": lambda: vocab.street(rng),
        "ADDRESS": lambda: (
            f"{rng.randint(1, 240)} {vocab.street(rng)}, {vocab.town(rng)}, {rng.choice(vocab.postcodes)}"
        ),
        "ORG": lambda: vocab.organisation(rng),
        "BODY": lambda: rng.choice(PUBLIC_BODIES),
        "PRODUCT": lambda: rng.choice(PRODUCTS),
        "WORK": lambda: f"{rng.choice(['The ', ''])}{rng.choice(TITLE_WORDS)} {rng.choice(TITLE_NOUNS)}",
        "JOB": lambda: rng.choice(JOB_TITLES),
        "CAP": lambda: rng.choice(COMMON_CAPITALISED),
        "TEAM": lambda: rng.choice(TEAMS),
        "N": lambda: str(rng.randint(2, 480)),
        "DAY": lambda: rng.choice(DAYS),
        "MONTH": lambda: rng.choice(MONTHS),
        "TIME": lambda: f"{rng.randint(7, 18):02d}:{rng.randint(0, 59):02d}",
        "DATE": lambda: f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1940, 2025)}",
        "PHONE": lambda: f"07{rng.randint(100, 999)} {rng.randint(100000, 999999)}",
        "EMAIL": lambda: (
            f"{rng.choice(['j.smith', 'info', 'casework', 'a.b', 'team'])}{rng.randint(1, 99)}@example.gov.uk"
        ),
        "FILLER": lambda: rng.choice(vocab.filler),
        "PLACE_BUILDING": lambda: f"{vocab.town(rng)} {rng.choice(['Library', 'Museum', 'Hall', 'Town Hall'])}",
    }
    return values[slot]()


# Each family: templates whose slots are filled per document. Several lines per document are joined with "\n".
FAMILIES: dict[str, list[str]] = {
    "chat": [
        "[{TIME}] {P}: {MSG}",
        "{DATE}, {TIME} - {P}: {MSG}",
        "{PF}  {TIME}\n{MSG}",
        "{FIRST}: {MSG}",
        "<{PF}> {MSG}",
    ],
    "notes": [
        "dad is {PF}, mum {FIRST}",
        "saw {FIRST} + twins at {TOWN}",
        "rang {PF} re rent arrears",
        "nan ({PF}) lives at {ADDRESS}",
        "spoke w/ {FIRST} - wants callback",
        "hv done, {FIRST} and baby ok, partner {PF} not in",
        "landlord {PF} says repairs done",
        "{PF} called again, chasing",
        "tell {FIRST} the {TOWN} mtg is off",
        "visited {STREET}, no answer",
        "carer is {FIRST}",
    ],
    "form": [
        "Name: {PF}\nDate of birth: {DATE}\nAddress: {ADDRESS}",
        "Surname: {LAST}\nForename(s): {FIRST}\nTown: {TOWN}",
        "Full name: {P}\nEmployer: {ORG}\nPhone: {PHONE}",
        "Applicant: {PF}\nNext of kin: {PF}\nGP: Dr {LAST}",
        "Case officer: {P}\nTeam: {TEAM}\nOffice: {STREET}, {TOWN}",
    ],
    "csv": [
        "name,email,phone,town\n{PF},{EMAIL},{PHONE},{TOWN}\n{PF},{EMAIL},{PHONE},{TOWN}",
        "{LAST}, {FIRST} | {EMAIL} | {TEAM}",
        "{PF}\t{TOWN}\t{DATE}",
        "id,surname,forename,dob\n{N},{LAST},{FIRST},{DATE}\n{N},{LAST},{FIRST},{DATE}",
        "town,population\n{TOWN},{N}000\n{TOWN},{N}000",
    ],
    "letter": [
        "Dear {P},\n\nThank you for your letter about {STREET}. {BODY} will reply by {DAY}.\n\n"
        "Yours sincerely,\n{PF}\n{JOB}, {BODY}",
        "Dear Sir or Madam,\n\nI write on behalf of my neighbour {PF} of {ADDRESS}.\n\nKind regards\n{PF}",
        "Hi {FIRST},\n\nQuick one - can you check the {PRODUCT} export?\n\nThanks,\n{FIRST}",
    ],
    "signature": [
        "Best,\n{PF}\n{JOB} | {BODY}\nTel: {PHONE}",
        "Cheers\n{FIRST}\n\n{PF}\n{TEAM} Team, {ORG}",
        "--\n{PF} ({JOB})\n{STREET}, {TOWN}",
    ],
    "email": [
        "From: {PF} <{EMAIL}>\nTo: {PF}\nSubject: {CAP} - {TOWN} visit",
        "From: {BODY}\nTo: {P}\nCc: {PF}\nSubject: {WORK}",
    ],
    "minutes": [
        "Attendees: {PF}, {PF}, {P} ({ORG})\nApologies: {PF}\n{CAP}: agreed to brief {BODY}.",
        "Present: {FIRST}, {FIRST}, {FIRST} and {FIRST}\nAction: {FIRST} to update {PRODUCT}.",
    ],
    "prose": [
        "{P} from the {TOWN} office said the {PRODUCT} rollout is late.",
        "I met {PF} at {ORG} in {TOWN} last week.",
        "{LAST} is the named contact at {BODY}.",
        "Ask {FIRST} and {FIRST} to review the {WORK} paper.",
        "Please copy in {FIRST} and the {JOB}.",
        "My client, {PF}, was born on {DATE} and lives on {STREET}.",
        "The complaint from {P} concerns {BODY} and the {TOWN} depot.",
        "According to {PF}, {ORG} missed the deadline.",
        "{FIRST}'s manager at {ORG} approved it.",
        "Can you draft a reply to {P} about the {PRODUCT} outage?",
        "The case was passed to {PF} under {PF}.",
        "{PF} calls me {FIRST}, and I work on {STREET}.",
        "Thanks to {FIRST} for the {TOWN} numbers.",
        "{PF} began the review in {MONTH}; {LAST} finished it.",
    ],
    "address": [
        "{PF}\n{ADDRESS}",
        "{P}\nFlat {N}, {STREET}\n{TOWN}",
        "Deliver to: {PF}, {ADDRESS}",
    ],
}
FAMILY_WEIGHTS = {
    "chat": 12, "notes": 10, "form": 10, "csv": 8, "letter": 8, "signature": 6, "email": 6, "minutes": 6,
    "prose": 22, "address": 6, "embedded": 10,
}  # fmt: skip


def embedded(doc: Document, vocab: Vocabulary, rng: random.Random) -> None:
    """An ordinary sentence with a name put somewhere in it: the name must be read from its own words."""
    words = rng.choice(vocab.filler).split()
    cut = rng.randrange(len(words) + 1)
    doc.add(" ".join(words[:cut]) + (" " if cut else ""))
    fill(doc, rng.choice(["{PF}", "{P}", "{PF}", "{FIRST}", "{PF} and {PF}"]), vocab, rng)
    doc.add((" " if cut < len(words) else "") + " ".join(words[cut:]))


def document(vocab: Vocabulary, rng: random.Random) -> tuple[str, list[tuple[int, int]]]:
    if rng.random() < 0.4:  # no name at all: only what a recognizer mistakes for one
        doc = Document("lower" if rng.random() < 0.15 else "normal")
        for index in range(rng.randint(1, 4)):
            if index:
                doc.add(rng.choice(["\n", " ", "\n\n"]))
            fill(doc, rng.choice(CLEAN_SENTENCES) if rng.random() < 0.5 else "{FILLER}", vocab, rng)
        return doc.text, doc.spans
    family = rng.choices(list(FAMILY_WEIGHTS), list(FAMILY_WEIGHTS.values()))[0]
    case = "lower" if family == "notes" else rng.choices(["normal", "lower", "upper"], [88, 8, 4])[0]
    doc = Document(case)
    if rng.random() < 0.3:  # ordinary words first
        fill(doc, "{FILLER}", vocab, rng)
        doc.add(rng.choice(["\n", " ", "\n\n"]))
    lines = rng.randint(1, 4 if family in ("chat", "prose", "notes", "embedded") else 1)
    for index in range(lines):
        if index:
            doc.add("\n" if family != "embedded" else " ")
        if family == "embedded":
            embedded(doc, vocab, rng)
        else:
            fill(doc, rng.choice(FAMILIES[family]), vocab, rng)
    if rng.random() < 0.4:  # some context that is not a name
        doc.add(rng.choice(["\n", " "]))
        fill(doc, rng.choice(CLEAN_SENTENCES) if rng.random() < 0.5 else "{FILLER}", vocab, rng)
    return doc.text, doc.spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=12000)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    vocab = Vocabulary(rng)
    for _ in range(args.count):
        text, spans = document(vocab, rng)
        sys.stdout.write(json.dumps({"text": text, "spans": spans}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
