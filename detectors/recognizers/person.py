"""PERSON: people's names, from spaCy's named entities combined with the cues that introduce a name.

spaCy's small English model finds many names but, on government text, also
tags job titles, departments, streets and towns as people, and tags many
non-English names as organisations or places. This recognizer treats the model
as one kind of evidence among several:

- a spaCy PERSON entity;
- a cue that introduces a person: an honorific ("Mrs"), a greeting ("Dear",
  "Hi"), a form label ("Name:", "Contact:") or a role ("the claimant",
  "patient", "spoke to");
- the shape "J. Surname";
- a capitalised word that is also the local part of a nearby e-mail address
  (contact lists: "Legrand, llegrand@…");
- a name joined by "and" to a name already found, or two names of two words or more joined by "and";
- a name standing as a field of a record that also holds an e-mail address or phone number
  ("Petrović,siobhan@…,0800 …");
- a spaCy entity of another type (ORG, GPE, …) made only of name-like words.

Every candidate is then trimmed of words that are not names (titles, greetings,
field labels) and rejected if what is left reads as a title, an organisation,
legislation, a date, or a place: a street after a house number, a town before a
postcode, a word after "in" or "across", a place-name prefix or suffix
("North …", "…mouth"). The vocabulary is in
:mod:`detectors.recognizers.civil_service_terms`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import regex as re
from presidio_analyzer import EntityRecognizer, RecognizerResult
from spacy.lang.en.stop_words import STOP_WORDS

from detectors.recognizers.base import word_alternatives
from detectors.recognizers.civil_service_terms import (
    ABSTRACT_NOUN_ENDINGS,
    ADDRESS_WORDS,
    BUILDING_WORDS,
    COMPANY_SUFFIXES,
    HEADING_WORDS,
    LEGISLATION_WORDS,
    NOT_A_NAME,
    ORGANISATION_WORDS,
    PLACE_PREFIXES,
    PLACE_SUFFIXES,
    PRODUCT_WORDS,
    STREET_WORDS,
    TITLE_WORDS,
    WORDS_THAT_ARE_ALSO_NAMES,
)
from detectors.recognizers.table_columns import cells
from detectors.recognizers.uk_postcode import PostcodeRecognizer

if TYPE_CHECKING:
    from presidio_analyzer.nlp_engine import NlpArtifacts

# One word of a name: an initial ("J.") or a capitalised word with at least one lower-case letter
# ("Smith", "McKinney", "O'Brien", "Heinz-Werner", "Łodyga"). Written so that the word's first lower-case letter is
# the one that matches \p{Ll}: with [\p{L}'’-]* before it, any of its lower-case letters could, and a run of
# capitalised words made the engine try every combination (2 s per megabyte of "Alice Morgan Alice Morgan …").
NAME_WORD = r"(?:\p{Lu}\.|\p{Lu}[\p{Lu}\p{Lt}\p{Lm}\p{Lo}'’-]*\p{Ll}[\p{L}'’-]*)"
# Lower-case particles inside a name: "Ludwig van Beethoven", "María de la Cruz", "Ahmed bin Rashid".
PARTICLE = r"(?:van|von|der|den|de|del|della|di|da|du|le|la|los|las|bin|ibn|al|el|dos|das|ter|ten|y|Ó|Ní|Nic|Uí|Ua|ap|ab|ferch|verch)"
NAME = rf"{NAME_WORD}(?:[ \t]+(?:{PARTICLE}[ \t]+){{0,2}}{NAME_WORD}){{0,3}}"
# A surname in capitals, as forms write it: "Name: SMITH, John", "Surname: O'NEILL".
CAPITALS_WORD = r"\p{Lu}[\p{Lu}'’-]*\p{Lu}"
_CAPITALS_WORD = re.compile(rf"^{CAPITALS_WORD}$")
_NAME_WORD = re.compile(rf"^{NAME_WORD}$")

HONORIFICS = [
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "lady",
    "lord",
    "rev",
    "reverend",
    "cllr",
    "councillor",
    "judge",
    "sgt",
    "sergeant",
    "pc",
    "dc",
    "di",
    "insp",
    "fr",
    "father",
    "sister",
    "brother",
    "sr",
    "sra",
    "srta",
    "herr",
    "frau",
    "mme",
    "mlle",
]
GREETINGS = ["dear", "hi", "hello", "hey", "morning", "afternoon", "evening", "thanks", "thank you", "cheers"]
LABELS = [
    "name",
    "full name",
    "client name",
    "patient name",
    "customer name",
    "applicant name",
    "surname",
    "forename",
    "forenames",
    "first name",
    "last name",
    "family name",
    "given name",
    "contact",
    "contact name",
    "from",
    "to",
    "cc",
    "signed",
    "author",
    "owner",
    "assigned to",
    "attendee",
    "attendees",
    "present",
    "apologies",
    "in attendance",
    "absent",
    "chair",
    "chaired by",
    "holder",
    "next of kin",
    "account holder",
    "account name",
    "payee",
    "named",
    "called",
    "emergency contact",
    "witness",
    "caller",
]
ROLES = [
    "client",
    "patient",
    "claimant",
    "applicant",
    "tenant",
    "resident",
    "employee",
    "customer",
    "pupil",
    "student",
    "child",
    "service user",
    "user",
    "caller",
    "complainant",
    "appellant",
    "defendant",
    "offender",
    "victim",
    "witness",
    "suspect",
    "colleague",
    "holder",
    "account holder",
    "carer",
    "parent",
    "mother",
    "father",
    "son",
    "daughter",
    "wife",
    "husband",
    "partner",
    "sibling",
    "grandmother",
    "grandfather",
    "guardian",
    "landlord",
    "neighbour",
    "officer",
    "staff member",
    "member of staff",
    "candidate",
    "visitor",
    "learner",
    "recipient",
    "requester",
    "data subject",
    "individual",
    "person",
    "man",
    "woman",
    "boy",
    "girl",
    "mp",
    "pupil",
    "interviewee",
    "contractor",
    "volunteer",
    "student",
]
# Table headers (see table_columns.header_key) over a column of names: "forename", "Last name", "customer_name".
NAME_COLUMNS = frozenset(
    """
name names fullname forename forenames firstname firstnames givenname givennames middlename surname lastname
familyname customer customername client clientname applicant applicantname claimant claimantname employee
employeename staff staffname contact contactname patient patientname tenant tenantname student pupil person
""".split()
)
VERB_CUES = [
    "spoke to",
    "spoke with",
    "spoken to",
    "speak to",
    "talked to",
    "met with",
    "meeting with",
    "call with",
    "phoned",
    "emailed",
    "visited",
    "contacted",
    "complaint from",
    "complaint by",
    "letter from",
    "letter to",
    "email from",
    "email to",
    "message from",
    "message to",
    "e-mail from",
    "text from",
    "whatsapp from",
    "voicemail from",
    "call from",
    "note from",
    "request from",
    "feedback from",
    "reply to",
    "respond to",
    "response to",
    "on behalf of",
    "signed by",
    "written by",
    "sent by",
    "referred by",
    "reported by",
    "raised by",
    "submitted by",
    "approved by",
    "interviewed",
    "application from",
    "appeal by",
    "passed to",
    "ring",
    "call",
    "phone",
    "text",
    "write to",
    "reference for",
    "thank",
    "chase",
    "remind",
    "invite",
    "ask",
    "asked",
    "copy in",
    "cc in",
    "my name is",
    "it's",
    "it is",
    "this is",
    "i'm",
    "i am",
    "introduce",
    "congratulate",
    "welcome",
    "said",
    "starring",
    "featuring",
    "directed by",
    "produced by",
    "performed by",
    "sung by",
    "founded by",
    "named him",
    "named her",
    "name is",
    "surname is",
    "maiden name is",
    "last name is",
    "first name is",
]


# Verbs that open an instruction about a person ("Ring Mrs Adebayo", "Thank Priya"), never part of a name.
IMPERATIVE_CUES = frozenset(
    {
        "ring",
        "call",
        "phone",
        "email",
        "text",
        "ask",
        "thank",
        "chase",
        "remind",
        "invite",
        "tell",
        "contact",
        "message",
        "congratulate",
        "welcome",
        "cc",
        "copy",
    }
)


def _alternatives(words: list[str]) -> str:
    # As a trie: these cues are tried at the start of every word of every text.
    return word_alternatives(words)


_STRONG_CUE = re.compile(
    rf"(?<![\p{{L}}\p{{N}}])(?i:(?:{_alternatives(HONORIFICS)})\.?|(?:{_alternatives(GREETINGS)})|"
    rf"(?:the\s+|our\s+|a\s+|my\s+|your\s+|this\s+)?(?:{_alternatives(ROLES)})[ \t]*:?|(?:{_alternatives(LABELS)})(?:\(s\))?\s*[:?])"
    rf"[ \t]*,?[ \t]*(?P<name>{NAME})"
)
_LABELLED_CAPITALS = re.compile(
    rf"(?<![\p{{L}}\p{{N}}])(?i:surname|last\s+name|family\s+name|full\s+name|name)\s*:[ \t]*"
    rf"(?P<name>{CAPITALS_WORD}(?:,?[ \t]+{NAME_WORD}){{0,2}}"
    rf"|{NAME_WORD}(?:[ \t]+{NAME_WORD}){{0,2}}[ \t]+{CAPITALS_WORD})"
)
_SIGN_OFF = re.compile(
    rf"(?<![\p{{L}}\p{{N}}])(?i:yours\s+sincerely|yours\s+faithfully|kind\s+regards|best\s+regards|warm\s+regards"
    rf"|many\s+thanks|best\s+wishes|regards|thanks|cheers|sincerely|signed)[ \t]*,?[ \t]*\n[ \t]*(?P<name>{NAME})"
)
_WEAK_CUE = re.compile(rf"(?<![\p{{L}}\p{{N}}])(?i:{_alternatives(VERB_CUES)})[ \t]*:?[ \t]+(?P<name>{NAME})")
# Saying what someone is called is as strong as a title: "her maiden name is Pinto", "she named him Silas".
_NAMING = re.compile(
    rf"(?<![\p{{L}}\p{{N}}])(?i:(?:(?:maiden|last|first|family|given|middle|sur)[ \t]?)?name[ \t]+(?:is|was)"
    rf"|named(?:[ \t]+(?:him|her|them))?)[ \t]+(?P<name>{NAME})"
)
_INITIAL_SURNAME = re.compile(
    rf"(?<![\p{{L}}\p{{N}}.])(?P<name>\p{{Lu}}\.[ \t]?(?:\p{{Lu}}\.[ \t]?)?{NAME_WORD}"
    rf"(?:[ \t]+{NAME_WORD})?)"
)
# A title in capitals before a name in capitals, as court lists and forms print them ("APPELLANT: MR OLU ADE").
_CAPITALS_AFTER_TITLE = re.compile(
    rf"(?<![\p{{L}}\p{{N}}])(?:MR|MRS|MS|MISS|MX|DR|PROF|SIR|DAME|CLLR|REV)\.?[ \t]+"
    rf"(?P<name>{CAPITALS_WORD}(?:[ \t]+{CAPITALS_WORD}){{0,3}})(?![\p{{L}}\p{{N}}])"
)
# A title in lower case before a lower-case word, in hurried notes ("ring mrs okafor back").
_LOWER_AFTER_TITLE = re.compile(
    r"(?<![\p{L}\p{N}])(?:mr|mrs|ms|miss|mx)\.?[ \t]+(?P<first>[a-z\u00df-\u017f][a-z\u00df-\u017f'’-]+)"
    r"(?:[ \t]+(?P<second>[a-z\u00df-\u017f][a-z\u00df-\u017f'’-]+))?(?![\p{L}])"
)
_CAPITALISED_RUN = re.compile(rf"(?<![\p{{L}}\p{{N}}])(?P<name>{NAME})")
# A name as written in lists: "Legrand", "Chinwe Okafor", "Okafor, Chinwe".
_LISTED_NAME = re.compile(rf"(?<![\p{{L}}\p{{N}}])(?P<name>(?P<first>{NAME})(?:,[ \t]?(?P<forename>{NAME_WORD}))?)")
# "Carys Pickering and Emeka Akhtar …": two names of two or more words joined by "and".
_NAME_PAIR = re.compile(
    rf"(?<![\p{{L}}\p{{N}}])(?P<left>{NAME_WORD}(?:[ \t]+{NAME_WORD}){{1,3}})[ \t]+(?:and|&)[ \t]+"
    rf"(?P<right>{NAME_WORD}(?:[ \t]+{NAME_WORD}){{1,3}})(?![\p{{L}}\p{{N}}])"
)
_DELIMITER = re.compile(r"[,|\t;]")
_CAPITAL = re.compile(r"\p{Lu}")
_LOCAL_PART_SEPARATORS = re.compile(r"[._+'-]+|\d+")
# A field runs between delimiters; a label before a colon ("CSV row: Legrand") is not part of it.
_FIELD = re.compile(r"(?:^|(?<=[,|\t;:]))[ \t]*(?P<field>[^,|\t;:]+?)[ \t]*(?=[,|\t;]|$)")
_WHOLE_NAME = re.compile(rf"^{NAME}$")
_PHONE_LIKE = re.compile(r"(?:\+|\b0)\d[\d ()-]{8,}\d")
_EMAIL = re.compile(r"([\w.+'-]+)@[\w-]+(?:\.[\w-]+)+")
_COORDINATED_AFTER = re.compile(rf"^[ \t]*(?:,[ \t]*)?(?:and|&|or)[ \t]+(?P<name>{NAME})")
_COORDINATED_BEFORE = re.compile(rf"(?P<name>{NAME})[ \t]*,?[ \t]*(?:and|&|or)[ \t]*$")
_HOUSE_NUMBER_BEFORE = re.compile(r"(?:^|[\s,(])(?:flat\s+|unit\s+|apartment\s+)?\d+[A-Za-z]?,?[ \t]+$", re.IGNORECASE)
_PLACE_PREPOSITION_BEFORE = re.compile(
    r"(?<![\p{L}])(?i:in|across|near|around|throughout|within|outside|towards|via|into|of|at|from)[ \t]+(?:the[ \t]+)?$"
)
# Streets named after people in other languages: "rue Victor Hugo", "via Giuseppe Verdi", "ul. Jana Pawła".
_STREET_PREFIX_BEFORE = re.compile(
    r"(?<![\p{L}])(?:rue|via|viale|calle|avenida|avenue|rua|ul\.|ulica|piazza|plaza|"
    r"praça|plac|strada|boulevard|bd\.|av\.)[ \t]+$",
    re.IGNORECASE,
)
_PEOPLE_IN_BEFORE = re.compile(r"\b(?:copy|cc|loop|bring|rope|include)\s+in[ \t]*$", re.IGNORECASE)
_POSTCODE_AFTER = re.compile(rf"^[ \t]*,?[ \t]*{PostcodeRecognizer.PATTERNS[1].regex}")
_LABEL_AFTER = re.compile(r"^[ \t]*:")
_FIELD_START_BEFORE = re.compile(r"(?:^|[\n;,|])[ \t]*$")
_SENTENCE_START_BEFORE = re.compile(r"(?:^|[\n;,|.!?])[ \t]*$")
_WORD = re.compile(r"[\p{L}\p{N}][\p{L}\p{N}'’.-]*")
# Software words in the prompts of agent frameworks and coding tools: Title Case that spaCy reads as names.
# A head noun of software after the word: "the Bash tool", "a Jupyter kernel", "the Copilot agent".
_SOFTWARE_HEAD_AFTER = re.compile(
    r"^[ \t]+(?:tool|tools|kernel|server|api|sdk|cli|app|plugin|extension|library|package|module|command|shell|"
    r"integration|connector|notebook|agent|function|endpoint|runtime|interpreter|script|repository|repo)\b",
    re.IGNORECASE,
)
# The assistant addressed by its persona's name: "You are Kilo, a careful engineer".
_PERSONA_BEFORE = re.compile(r"\byou[ \t]+are[ \t]+$", re.IGNORECASE)
# A markdown heading line: "## Recommended Workflow", "#### Tools Available".
_HEADING_LINE = re.compile(r"^[ \t]*#{1,6}[ \t]")
# A determiner after a word that opens a field or sentence makes the word a verb: "Fetch the minutes".
_DETERMINER_AFTER = re.compile(
    r"^[ \t]+(?:a|an|the|all|any|every|each|some|this|these|those|its|their|our|your)\b", re.IGNORECASE
)
# A line-initial label of several words ending in a colon, "Action Input:", "Tool Arguments:".
_LABEL_LINE_BEFORE = re.compile(r"(?:^|\n)[ \t]*(?:[-*>\d.)]+[ \t]+)?(?P<words>(?:\p{Lu}[\p{L}]*[ \t]+)+)$")
_IDENTIFIER_CHARS = re.compile(r"[\p{L}\p{N}_]")
# The whole value of a JSON field that holds a topic, not a person: {"title": "Chocolate Chip Cookies"}.
_TOPIC_FIELD_BEFORE = re.compile(
    r"""["'](?:title|tags?|label|category|categories|topic|heading|emoji)["']\s*:\s*\[?\s*["']$"""
)
_VALUE_END_AFTER = re.compile(r"""^["']""")

# spaCy labels under which a person's name is often mis-filed.
OTHER_LABELS = frozenset({"ORG", "GPE", "FAC", "PRODUCT", "WORK_OF_ART", "NORP", "LOC", "EVENT"})

STRONG, NER_PERSON, EMAIL, INITIAL, COORDINATED, WEAK, NER_OTHER, RECORD, PAIRED, CAPITALS = (
    "cue",
    "ner",
    "email",
    "initial",
    "coordinated",
    "weak cue",
    "ner other",
    "record field",
    "paired",
    "capitals",
)
SPEAKER, GIVEN, LOWER, SURNAME_FIRST = "speaker", "given name", "lower-case cue", "surname first"
# Handrail's own PERSON model (detectors/person_model.py, setting detection.trained_person_model): the engine adds its
# spans to the entities under this label.
TRAINED, TRAINED_MODEL_LABEL = "trained model", "HANDRAIL_PERSON"
SCORES = {
    STRONG: 0.85,
    NER_PERSON: 0.85,
    EMAIL: 0.8,
    INITIAL: 0.7,
    COORDINATED: 0.7,
    WEAK: 0.65,
    NER_OTHER: 0.6,
    RECORD: 0.7,
    PAIRED: 0.6,
    CAPITALS: 0.8,
    SPEAKER: 0.85,
    GIVEN: 0.7,
    LOWER: 0.7,
    SURNAME_FIRST: 0.8,
    TRAINED: 0.75,
}


# Gazetteers (see bench/build_gazetteers.py and the README): given names of every Faker locale in Latin script, as
# evidence; places of GeoNames (cities, British towns, countries), as negatives. Both folded by _plain per word.
def _gazetteer(name: str) -> frozenset[str]:
    path = Path(__file__).with_name("gazetteers") / name
    return frozenset(line for line in path.read_text(encoding="utf-8").splitlines() if line)


GIVEN_NAMES = _gazetteer("given_names.txt")
PLACES = _gazetteer("places.txt")
# Surnames the small model misses (English words taken out when the list was built): evidence beside a cue only.
SURNAMES = _gazetteer("surnames.txt")
# English words that are nobody's given name or surname, with their plurals ("Discipline", "Tales"): a span the model
# alone calls a person and that holds only such words is a thing ("Guilty Pleasures", "Cautionary Tales").
VOCABULARY = _gazetteer("vocabulary.txt")
# Bodies named after a nation ("Historic England", "Sport Wales") are organisations, not people.
_NATIONS = frozenset({"england", "scotland", "wales", "ireland", "britain", "uk"})

# A speaker's name at the start of a line of a chat export or transcript, after an optional time stamp:
# "[10:02] Aisling Byrne: …", "12/03/2025, 18:40 - Piotr Zieliński: …", "Jonathan: …"; or alone before a time
# ("Farah Qureshi  10:31 AM", as Slack copies).
_TIMESTAMP = (
    r"(?:\[?\d{1,2}[:.]\d{2}(?::\d{2})?(?:[ \t]?[AaPp]\.?[Mm]\.?)?\]?"
    r"|\[?\d{1,2}/\d{1,2}/\d{2,4},?[ \t]+\d{1,2}:\d{2}(?::\d{2})?\]?)"
)
_SPEAKER_LINE = re.compile(
    rf"(?m)^[ \t>*•-]*(?:(?P<time>{_TIMESTAMP})[ \t]*[-–]?[ \t]*)?(?P<name>{NAME})[ \t]*:[ \t]*\S"
)
_SPEAKER_BEFORE_TIME = re.compile(rf"(?m)^[ \t]*(?P<name>{NAME})[ \t]+\d{{1,2}}:\d{{2}}(?:[ \t]?[AaPp][Mm])?[ \t]*$")
# Hurried notes in lower case: a relation or a contact verb, then a name that is a known given name
# ("dad is terry mcgowan", "saw jodie + twins", "rang sandra kowalski", "nan (edna price)").
LOWER_CUES = [
    "dad",
    "mum",
    "mom",
    "mother",
    "father",
    "son",
    "daughter",
    "grandson",
    "granddaughter",
    "nan",
    "nana",
    "nanna",
    "gran",
    "granny",
    "grandad",
    "grandma",
    "grandpa",
    "grandmother",
    "grandfather",
    "brother",
    "sister",
    "husband",
    "wife",
    "partner",
    "boyfriend",
    "girlfriend",
    "uncle",
    "aunt",
    "auntie",
    "cousin",
    "niece",
    "nephew",
    "friend",
    "neighbour",
    "carer",
    "stepdad",
    "stepmum",
    "baby",
    "child",
    "kid",
    "landlord",
    "landlady",
    "client",
    "tenant",
    "caller",
    "saw",
    "seen",
    "rang",
    "phoned",
    "visited",
    "met",
    "spoke to",
    "spoke with",
    "emailed",
    "texted",
    "told",
    "called",
    "named",
    "for",
]
_LOWER_WORD = r"[a-z\u00df-\u00ff\u0101-\u017f][a-z\u00df-\u00ff\u0101-\u017f'’-]+"
_LOWER_NAME_WORD = re.compile(rf"^{_LOWER_WORD}$")
_LOWER_CUE = re.compile(
    rf"(?<![\p{{L}}\p{{N}}])(?i:{word_alternatives(LOWER_CUES)})(?:[ \t]+(?:is|was|called|named))?(?:[ \t]*[(:,][ \t]*|[ \t]+)"
    rf"(?P<first>{_LOWER_WORD})(?:[ \t]+(?P<second>{_LOWER_WORD}))?(?![\p{{L}}])"
)
_NOT_A_SURNAME = frozenset(
    {
        "today",
        "yesterday",
        "tomorrow",
        "tonight",
        "again",
        "earlier",
        "later",
        "briefly",
        "outside",
        "twice",
        "once",
        "first",
        "last",
        "next",
        "this",
        "that",
        "about",
        "re",
        "regarding",
        "and",
        "at",
        "on",
        "in",
    }
)
# "Okafor, Chinwe", "DUBOIS, Hélène": a surname, a comma, and a known given name.
_SURNAME_FIRST = re.compile(
    rf"(?<![\p{{L}}\p{{N}}])(?P<name>(?P<surname>{NAME_WORD}|{CAPITALS_WORD}),[ \t]+(?P<forename>{NAME_WORD}))"
    rf"(?![\p{{L}}\p{{N}}'’-])"
)
_LIST_GOES_ON = re.compile(rf"[ \t]*(?:,|and\b)[ \t]*{NAME_WORD}")
_NAME_WORD_BEFORE = re.compile(rf"(?<![\p{{L}}\p{{N}}'’-]){NAME_WORD}[ \t]+$")
_NAME_WORD_AFTER = re.compile(rf"[ \t]+{NAME_WORD}(?![\p{{L}}\p{{N}}'’-])")
_LINE_STRUCTURE_AFTER = re.compile(r"^[ \t]*(?:$|\n|[-–|(\t,;])")
# A known given name, capitalised, in the places a name stands: before a surname, as the subject of a verb, as a
# possessive, after "calls me" or "named", or in a list of names.
_GIVEN_THEN_SURNAME = re.compile(rf"(?<![\p{{L}}\p{{N}}'’.-])(?P<name>(?P<first>{NAME_WORD})[ \t]+{NAME_WORD})")
_GIVEN_AS_SUBJECT = re.compile(
    rf"(?<![\p{{L}}\p{{N}}'’.-])(?P<name>{NAME_WORD})(?:(?=[ \t]+(?:is|was|has|had|said|says|shouted|spent|lives|"
    rf"lived|asked|told|wants|wanted|rang|called|agreed|thinks|thought|works|worked|will|would|can|could|should|"
    rf"must|needs|needed|went|came|joined|left|sent|wrote|gave|took|did|does|got|made|began|started|moved|replied|"
    rf"confirmed|emailed|phoned|texted)\b)|(?=['’]s\b)|(?=[ \t]+to[ \t]+[a-z]{{3,}}\b)|(?=,?[ \t]+aged[ \t]+\d))"
)
_GIVEN_AFTER_CUE = re.compile(
    rf"(?<![\p{{L}}])(?i:calls[ \t]+me|call[ \t]+me|called|named(?:[ \t]+(?:him|her|them))?|name[ \t]+is|name['’]s|under|and|to|for|with|from|by|said|told|asked|thank|thanks|tell|son|daughter|kid|child|wife|husband|mum|dad|brother|sister|friend|partner|cc)[ \t]+(?P<name>{NAME_WORD})(?![\p{{L}}'’-])"
)
# A known given name addressed at the start of a sentence ("Kenneth, can I …") or at its end ("…, Katja!").
_GIVEN_ADDRESSED = re.compile(
    rf"(?:(?:^|(?<=[.!?\n])[ \t]*)(?P<name>{NAME_WORD}),[ \t]+(?=(?i:can|could|would|will|please|i|we|you|are|do|did|"
    rf"thanks|thank|have|just|let)\b)|,[ \t]*(?P<last>{NAME_WORD})[ \t]*[!?])"
)
# A line of an action list that opens with a name and a dash or colon before what to do ("Olumide - chase the invoice",
# "* Bea: book room 4.12").
_ACTION_LINE = re.compile(
    rf"(?m)^[ \t]*(?:[-*•>][ \t]*|\d{{1,2}}[.)][ \t]*)?(?P<name>{NAME_WORD}(?:[ \t]+{NAME_WORD})?)[ \t]*[-–—:][ \t]+"
    rf"(?=\p{{Ll}})"
)
_NAME_LIST = re.compile(
    rf"(?<![\p{{L}}\p{{N}}])(?P<list>{NAME_WORD}(?:,[ \t]*{NAME_WORD}){{2,}}(?:,?[ \t]+(?:and|&)[ \t]+{NAME_WORD})?"
    rf"|{NAME_WORD},[ \t]*{NAME_WORD},?[ \t]+(?:and|&)[ \t]+{NAME_WORD})(?![\p{{L}}\p{{N}}])"
)


def _plain(word: str) -> str:
    """Lower case without accents or punctuation: "Zimoląg" → "zimolag"."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if ch.isalpha() and not unicodedata.combining(ch))


def _key(word: str) -> str:
    """A word as the word lists hold it: lower case, without surrounding punctuation or a possessive ("Service's")."""
    key = word.lower().strip(".,'’-")
    return key[:-2] if key.endswith(("'s", "’s")) else key


class PersonRecognizer(EntityRecognizer):
    """Names of people. Needs the spaCy NER results in ``nlp_artifacts``."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="PersonRecognizer")

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        found: dict[tuple[int, int], float] = {}
        for start, end, evidence in self._candidates(text, nlp_artifacts):
            for piece_start, piece_end in _pieces(text, start, end, evidence):
                span = self._accepted(text, piece_start, piece_end, evidence)
                if span is not None:
                    found[span] = max(found.get(span, 0.0), SCORES[evidence])
        for start, end, evidence in self._direct(text):
            found[(start, end)] = max(found.get((start, end), 0.0), SCORES[evidence])
        for start, end in list(found):
            for other in self._coordinated(text, start, end):
                found.setdefault(other, SCORES[COORDINATED])
        return [self._result(start, end, score) for (start, end), score in _merge(found).items()]

    # -- candidates --------------------------------------------------------------------------------------------
    def _candidates(self, text: str, nlp_artifacts: NlpArtifacts | None) -> Iterator[tuple[int, int, str]]:
        non_person: list[tuple[int, int]] = []
        for ent in getattr(nlp_artifacts, "entities", None) or ():
            if ent.label_ in ("PERSON", "PER"):
                yield ent.start_char, ent.end_char, NER_PERSON
            elif ent.label_ == TRAINED_MODEL_LABEL:
                yield ent.start_char, ent.end_char, TRAINED
            elif ent.label_ in OTHER_LABELS:
                yield ent.start_char, ent.end_char, NER_OTHER
                non_person.append((ent.start_char, ent.end_char))
        for match in _STRONG_CUE.finditer(text):
            if not _names_a_thing(text, match.start()):
                yield *match.span("name"), STRONG
        for match in _SIGN_OFF.finditer(text):
            yield *match.span("name"), STRONG
        for match in _NAMING.finditer(text):
            yield *match.span("name"), STRONG
        for match in _LABELLED_CAPITALS.finditer(text):
            if not _names_a_thing(text, match.start()):
                yield *match.span("name"), CAPITALS
        for match in _CAPITALS_AFTER_TITLE.finditer(text):
            yield *match.span("name"), CAPITALS
        if "\n" in text:
            for start, end in cells(text, NAME_COLUMNS):
                yield start, end, RECORD
        for match in _WEAK_CUE.finditer(text):
            start, end = match.span("name")
            # One word after "message to" is a name unless the model read it as a place or organisation.
            if (
                " " in text[start:end].strip()
                or not any(s <= start < e for s, e in non_person)
                or (_plain(text[start:end]) in SURNAMES and _plain(text[start:end]) not in PLACES)
            ):
                yield start, end, WEAK
        for match in _INITIAL_SURNAME.finditer(text):
            yield *match.span("name"), INITIAL
        if "@" in text:
            yield from self._email_named(text)
        yield from self._record_fields(text)
        yield from self._speakers(text)
        yield from self._given_names(text)
        for match in _NAME_PAIR.finditer(text):
            # Both sides must read as names: "Lake Laurenland and Port Seanborough" are two places.
            if all(self._accepted(text, match.start(group), match.end(group), PAIRED) for group in ("left", "right")):
                yield *match.span("left"), PAIRED
                yield *match.span("right"), PAIRED

    @staticmethod
    def _speakers(text: str) -> Iterator[tuple[int, int, str]]:
        """Speakers' names in a chat export or transcript."""
        if ":" in text:
            lines = [m for m in _SPEAKER_LINE.finditer(text) if _key(m.group("name")) not in _LABEL_WORDS]
            timed = [m for m in lines if m.group("time")]
            untimed = [m for m in lines if not m.group("time")]
            for match in timed:
                yield *match.span("name"), SPEAKER
            # Without time stamps, a transcript: two lines or more, one of the speakers a known given name.
            names = {_plain(m.group("name").split()[0]) for m in untimed}
            if len(untimed) >= 2 and len(names) >= 2 and names & GIVEN_NAMES:
                for match in untimed:
                    yield *match.span("name"), SPEAKER
        for match in _SPEAKER_BEFORE_TIME.finditer(text):
            yield *match.span("name"), SPEAKER

    @staticmethod
    def _given_names(text: str) -> Iterator[tuple[int, int, str]]:
        """A capitalised known given name where a name stands."""

        def given(word: str, names: frozenset[str] = GIVEN_NAMES) -> bool:
            key = _key(word)
            plain = _plain(word)
            return (
                plain in names
                and plain not in PLACES
                and key not in STOP_WORDS
                and key not in NOT_A_NAME
                and key not in HEADING_WORDS
                and key not in STREET_WORDS
            )

        for match in _GIVEN_THEN_SURNAME.finditer(text):
            second = _key(match.group("name").split()[-1])
            if second in STOP_WORDS or (second in _WORDS and second not in WORDS_THAT_ARE_ALSO_NAMES):
                continue  # "Carry Me", "Grace Street"
            if given(match.group("first")):
                yield *match.span("name"), GIVEN
        for pattern in (_GIVEN_AS_SUBJECT, _GIVEN_AFTER_CUE):
            for match in pattern.finditer(text):
                name = match.group("name")
                if (given(name) or given(name, SURNAMES)) and _key(name) not in WORDS_THAT_ARE_ALSO_NAMES:
                    yield *match.span("name"), GIVEN
        for match in _GIVEN_ADDRESSED.finditer(text):
            group = "name" if match.group("name") else "last"
            if given(match.group(group)) and _key(match.group(group)) not in WORDS_THAT_ARE_ALSO_NAMES:
                yield *match.span(group), GIVEN
        if "\n" in text:
            # Lines whose head is no English word, place or label; in a list where at least half open with a known
            # given name or surname, the others are names too ("Olumide" beside "Bea" and "Stanisław").
            lines = [
                match
                for match in _ACTION_LINE.finditer(text)
                if not any(
                    _plain(word) in VOCABULARY
                    or _plain(word) in PLACES
                    or _key(word) in _WORDS
                    or _key(word) in STOP_WORDS
                    or _key(word) in _LABEL_WORDS
                    for word in match.group("name").split()
                )
            ]
            heads = [
                m for m in lines if given(m.group("name").split()[0]) or given(m.group("name").split()[0], SURNAMES)
            ]
            for match in lines if heads and len(heads) * 2 >= len(lines) else heads:
                yield *match.span("name"), GIVEN
        for match in _NAME_LIST.finditer(text):
            items = list(_NAME_WORD_IN_LIST.finditer(match.group("list")))
            known = sum(given(m.group()) or given(m.group(), SURNAMES) for m in items)
            if known * 2 >= len(items) and not any(
                _key(m.group()) in _WORDS or (_plain(m.group()) in PLACES and _plain(m.group()) not in GIVEN_NAMES)
                for m in items
            ):
                for item in items:
                    yield match.start("list") + item.start(), match.start("list") + item.end(), GIVEN

    @staticmethod
    def _direct(text: str) -> Iterator[tuple[int, int, str]]:
        """Names the other checks cannot read: in lower case after a cue, and "Surname, Forename"."""
        for match in _LOWER_AFTER_TITLE.finditer(text):
            first, second = match.group("first"), match.group("second")
            if first in STOP_WORDS or _key(first) in _WORDS:
                continue
            end = match.end("first")
            # "mrs jane okafor": a second word when the first is a known given name.
            if (
                second
                and _plain(first) in GIVEN_NAMES
                and second not in STOP_WORDS
                and second not in _NOT_A_SURNAME
                and _key(second) not in _WORDS
            ):
                end = match.end("second")
            yield match.start("first"), end, LOWER
        for match in _LOWER_CUE.finditer(text):
            first = match.group("first")
            if _plain(first) not in GIVEN_NAMES or first in STOP_WORDS or first in _WORDS or len(first) < 3:
                continue
            end = match.end("first")
            second = match.group("second")
            if (
                second
                and len(second) >= 3
                and second not in STOP_WORDS
                and second not in _NOT_A_SURNAME
                and (second not in _WORDS or second in WORDS_THAT_ARE_ALSO_NAMES)
            ):
                end = match.end("second")
            if end > match.end("first") and _plain(text[match.start("first") : end]) in PLACES:
                continue  # "visited santa cruz"; a lone name after a relation ("stepdad (gary)") stays a name
            yield match.start("first"), end, LOWER
        if "," in text:
            for match in _SURNAME_FIRST.finditer(text):
                surname, forename = match.group("surname"), match.group("forename")
                if (
                    _plain(forename) not in GIVEN_NAMES
                    or _plain(forename) in PLACES
                    or _key(forename) in _WORDS
                    or _key(forename) in STOP_WORDS
                ):
                    continue
                key = _key(surname)
                if key in _WORDS or key in STOP_WORDS or key in _LABEL_WORDS or _plain(surname) in PLACES:
                    continue
                if (
                    _plain(surname) in GIVEN_NAMES
                    and _plain(surname) not in SURNAMES
                    and _LIST_GOES_ON.match(text, match.end("name"))
                ):
                    continue
                if _NAME_WORD_BEFORE.search(text, max(0, match.start() - 40), match.start()) or _NAME_WORD_AFTER.match(
                    text, match.end("name")
                ):
                    continue  # "Henrike Vogel, Tomasz Wróbel": the comma is between two whole names  # "Wiktor, Aurelia, Benedikt": a list of first names, not one name surname first
                start = match.start("name")
                if _HOUSE_NUMBER_BEFORE.search(text[max(0, start - 40) : start]):
                    continue  # "212 Dosseringen, Lincoln": a street and a town
                if _SENTENCE_START_BEFORE.search(text[max(0, start - 20) : start]) and not _LINE_STRUCTURE_AFTER.match(
                    text[match.end("name") : match.end("name") + 3]
                ):
                    continue  # "Yesterday, John said …" opens a sentence; a record line does not go on like that
                yield start, match.end("name"), SURNAME_FIRST

    @staticmethod
    def _email_named(text: str) -> Iterator[tuple[int, int, str]]:
        for email in _EMAIL.finditer(text):
            window_start = max(0, email.start() - 80)
            # A name starts with a capital: most addresses have none before them (and a text can hold thousands).
            if not _CAPITAL.search(text, window_start, email.start()):
                continue
            local = _plain(email.group(1))
            local_parts = set(_LOCAL_PART_SEPARATORS.split(email.group(1).lower()))
            for run in _LISTED_NAME.finditer(text, window_start, email.start()):
                words = [w for w in run.group("first").split() if _key(w) not in NOT_A_NAME]
                first_in = any(len(_plain(w)) >= 3 and _plain(w) in local for w in words)
                forename = run.group("forename")
                if forename and _key(forename) not in NOT_A_NAME:
                    plain = _plain(forename)
                    if first_in and (plain in local or plain[:1] in local_parts):
                        yield run.start("name"), run.end("name"), EMAIL  # "Okafor, Chinwe" for c.okafor@
                        continue
                    if len(plain) >= 3 and plain in local:
                        yield run.start("forename"), run.end("forename"), EMAIL
                if first_in:
                    yield run.start("first"), run.end("first"), EMAIL

    @staticmethod
    def _record_fields(text: str) -> Iterator[tuple[int, int, str]]:
        """Names standing as a field of a delimited record that also holds an e-mail address or phone number."""
        position = 0
        for line in text.split("\n"):
            if _DELIMITER.search(line) and (_EMAIL.search(line) or _PHONE_LIKE.search(line)):
                fields = list(_FIELD.finditer(line))
                # The name leads the record ("Name, email, phone") or stands just before the e-mail address.
                for index, field in enumerate(fields):
                    leads = index == 0 or (index == 1 and ":" in line[fields[0].end() : field.start()])
                    before_email = index + 1 < len(fields) and "@" in fields[index + 1].group("field")
                    if (leads or before_email) and _WHOLE_NAME.match(field.group("field")):
                        yield position + field.start("field"), position + field.end("field"), RECORD
            position += len(line) + 1

    def _coordinated(self, text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
        after = _COORDINATED_AFTER.match(text[end : end + 80])
        if after:
            span = self._accepted(text, end + after.start("name"), end + after.end("name"), COORDINATED)
            if span:
                yield span
        window = max(0, start - 80)
        before = _COORDINATED_BEFORE.search(text[window:start])
        if before:
            span = self._accepted(text, window + before.start("name"), window + before.end("name"), COORDINATED)
            if span:
                yield span

    # -- checks ------------------------------------------------------------------------------------------------
    def _accepted(self, text: str, start: int, end: int, evidence: str) -> tuple[int, int] | None:
        """The candidate trimmed to its name words, or None when it is not a person's name."""
        words = [(m.start() + start, m.end() + start, m.group()) for m in _WORD.finditer(text[start:end])]
        if "\n" in text[start:end]:  # a name never runs over a line break ("Ewan Rhys\nSurname: …")
            if evidence in (NER_PERSON, NER_OTHER):
                return None  # the model ran two lines together: it has not read either as a name
            words = [w for w in words if "\n" not in text[words[0][0] : w[0]]]
        # The trained model also reads notes in lower case: such a name is kept when it starts with a known given name.
        lower_case = (
            evidence == TRAINED and bool(words) and text[start:end].islower() and _plain(words[0][2]) in GIVEN_NAMES
        )

        # Trim words that are not names (a greeting or title swallowed by the entity, a trailing "'s"), except a
        # word that is also a name when it stands beside a name: "Dean Walsh", "Donald Price", "K. London".
        def name_like(word: str) -> bool:
            return bool(
                _NAME_WORD.match(word)
                or (evidence == CAPITALS and _CAPITALS_WORD.match(word.rstrip(",")))
                or (lower_case and _LOWER_NAME_WORD.match(word) and _key(word) not in STOP_WORDS)
            )

        while words and (not name_like(words[0][2]) or _not_a_name(words, 0, evidence)):
            words.pop(0)
        while len(words) > 1 and _plain(words[0][2]) in IMPERATIVE_CUES:
            words.pop(0)  # "Ring Mrs Adebayo": the model swallowed the verb that opens the sentence
        dropped_head = False
        while words and (
            not name_like(_strip_possessive(words[-1][2])) or _not_a_name(words, len(words) - 1, evidence)
        ):
            dropped_head = dropped_head or _key(words[-1][2]) in (TITLE_WORDS | ORGANISATION_WORDS | LEGISLATION_WORDS)
            words.pop()
        if dropped_head and (
            evidence == NER_OTHER
            or all(
                _key(w[2]) in _WORDS
                or _plain(w[2]) in VOCABULARY
                or (_plain(w[2]) in PLACES and _plain(w[2]) not in GIVEN_NAMES)
                for w in words
            )
        ):
            return None  # "The Finance Team", "Housing Benefit Office": the head noun makes it an organisation
        if evidence == NER_OTHER and not all(name_like(w[2]) for w in words):
            return None  # "Tour de France": lower-case words inside an organisation or event
        if not words or len(words) > 4:
            return None
        start, end = words[0][0], words[-1][1]
        if text[end - 2 : end] in ("'s", "’s"):
            end -= 2
        keys = [_key(w[2]) for w in words]
        if all(len(k) <= 1 for k in keys):  # initials alone
            return None
        if all(k in _WORDS for k in keys) and (
            evidence == NER_OTHER or (evidence in (NER_PERSON, COORDINATED, TRAINED) and keys[-1] in STREET_WORDS)
        ):
            return None  # "Park Lane": vocabulary, whatever the model says
        # An entity the model filed as an organisation keeps every word's ordinary reading ("Natural England").
        named = [k for i, k in enumerate(keys) if not _also_a_name(words, i, evidence)]
        if any(
            k in TITLE_WORDS or k in ORGANISATION_WORDS or k in LEGISLATION_WORDS or k in PRODUCT_WORDS for k in named
        ):
            return None
        if evidence in (NER_OTHER, WEAK, RECORD, PAIRED, GIVEN, SPEAKER, TRAINED) and any(
            k in NOT_A_NAME or k in HEADING_WORDS for k in named
        ):
            return None
        if evidence not in (STRONG, EMAIL, INITIAL, CAPITALS, SPEAKER):
            plain = [_plain(w[2]) for w in words]
            if " ".join(plain) in PLACES and (len(plain) > 1 or plain[0] not in GIVEN_NAMES):
                return None  # "Milton Keynes", "Hull", "United Kingdom": places whatever the model says
            if len(plain) > 1 and plain[-1] in _NATIONS:
                return None  # "Historic England"
        if evidence == NER_OTHER and len(words) < 2:
            return None
        if evidence in (NER_PERSON, NER_OTHER, TRAINED, COORDINATED, PAIRED) and all(
            _plain(w[2]) in VOCABULARY for w in words
        ):
            return None  # "Discipline", "Tube Snake Boogie": words, not anybody's name
        if (
            evidence == NER_PERSON
            and len(words) == 2
            and _plain(words[1][2]) in PLACES
            and keys[1] not in WORDS_THAT_ARE_ALSO_NAMES
            and _plain(words[1][2]) not in GIVEN_NAMES
            and _plain(words[1][2]) not in SURNAMES
            and _plain(words[0][2]) not in GIVEN_NAMES
        ):
            return None  # "Petty France": a street or building named after a place, not a person
        if evidence not in (STRONG, EMAIL, INITIAL, CAPITALS, SPEAKER, RECORD) and _not_a_person(
            text, start, end, keys, [_plain(w[2]) for w in words]
        ):
            return None
        if evidence == TRAINED:
            if len(words) < 2 and (lower_case or _plain(words[0][2]) not in GIVEN_NAMES or keys[0] in STOP_WORDS):
                return None  # a lone word only the trained model calls a name ("Suite", "Maybe") must be a given name
            if any(_plain(w[2]) in PLACES and _plain(w[2]) not in GIVEN_NAMES for w in words):
                return None  # "Croydon Primary", "Asia Pacific": named after a place, so a body or a region
            if any(_plain(w[2]) in VOCABULARY for w in words):
                return None  # "Labor Day", "Spreadsheet Reader", "Safer Streets": an English word that is nobody's name
        if self._is_place(text, start, end, keys, evidence, _also_a_name(words, len(words) - 1, evidence)):
            return None
        if (
            evidence != SPEAKER
            and _LABEL_AFTER.match(text[end : end + 3])
            and _FIELD_START_BEFORE.search(text[max(0, start - 20) : start])
        ):
            return None  # "Postcode:" is a field label
        if evidence in (NER_PERSON, NER_OTHER, WEAK, GIVEN, PAIRED, COORDINATED) and _software_words(
            text, start, end, [_plain(w[2]) for w in words]
        ):
            return None
        opens_sentence = _SENTENCE_START_BEFORE.search(text[max(0, start - 20) : start])
        if (
            evidence in (NER_PERSON, TRAINED)
            and len(words) == 1
            and opens_sentence
            and keys[0].endswith(("ing", "ed", "ly", "ise", "ize"))
        ):
            return None  # "Chasing again." opens a sentence; it is not a name
        return start, end

    @staticmethod
    def _is_place(text: str, start: int, end: int, keys: list[str], evidence: str, last_is_a_name: bool) -> bool:
        before = text[max(0, start - 40) : start]
        if _HOUSE_NUMBER_BEFORE.search(before) or _STREET_PREFIX_BEFORE.search(before):
            return True  # "21 Maurice Street", "40 rue Victor Hugo"
        if _POSTCODE_AFTER.match(text[end : end + 12]):
            return True  # the town in "…, Bethfurt, GL65 1SA"
        if keys == ["box"] and _PO_BEFORE.search(before):
            return True  # "P.O. Box 126": the initials are the Post Office
        if evidence in (STRONG, EMAIL, INITIAL):
            return False
        if any(key in ADDRESS_WORDS for key in keys) or _HOUSE_NUMBER_AFTER.match(text[end : end + 8]):
            return True  # "Rue de la Sarthe", "Victoria Road", "Veenoord 99, Rotterdam"
        if _MOTION_BEFORE.search(before):
            return True  # "flew to Larnaka", "moved here from København"
        if len(keys) > 1 and keys[-1] in BUILDING_WORDS and _plain(keys[0]) not in GIVEN_NAMES:
            return True  # "Kingsway House"; "Frank Hall" is a name
        following = _NEXT_WORD.match(text[end : end + 20])
        if following and _key(following.group(1)) in BUILDING_WORDS and following.group(1).islower():
            return True  # "the Elizabeth line"
        if following and following.group(1)[0].isupper() and _key(following.group(1)) in _EPONYM_HEADS:
            return True  # "the Alan Turing Institute", "the Rosalind Franklin Building": named after a person
        if following and (_key(following.group(1)) in ADDRESS_WORDS or _STREET_ABBREVIATION.match(text, end)):
            return True  # "Szilágyi Erzsébet fasor 96.", "Jaber Ibn Hayen St."
        if _NUMERIC_POSTCODE_AFTER.match(text[end : end + 16]):
            return True  # the town in "…, Balatonalmádi, 8223, Hungary"
        if len(keys) > 1 and keys[0] in PLACE_PREFIXES:
            return True  # "North Joshside", "Lake James"
        if keys[-1] in STREET_WORDS and evidence != NER_PERSON and not last_is_a_name:
            return True
        # "Michaelmouth"; a surname such as Rutherford or Creighton ends the same way, so only a word standing alone.
        if len(keys) == 1 and keys[0].endswith(PLACE_SUFFIXES) and len(keys[0]) > (5 if evidence != NER_PERSON else 7):
            return True
        if _PEOPLE_IN_BEFORE.search(before):
            return False  # "copy in Tom", "loop in Priya": people are brought in, places are not
        if _PLACE_PREPOSITION_BEFORE.search(before) and evidence not in (INITIAL,):
            # "services in Graceville", "across East Edwardchester"; "from" and "at" only with a place-like label
            preposition = before.rstrip().rsplit(None, 1)[-1].lower()
            if preposition == "the":
                preposition = before.rstrip().rsplit(None, 2)[-2].lower()
            if preposition not in ("from", "at", "of") or evidence == NER_OTHER:
                return True
        return False

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult(
            entity_type="PERSON",
            start=start,
            end=end,
            score=score,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,  # type: ignore[has-type]  # set by Presidio's base class
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY: True,
            },
        )


# "Tool Name:", "File name:", "named" after a thing: the label names a thing, not a person.
_THING_BEFORE_LABEL = re.compile(
    r"\b(?:tool|file|function|method|product|project|company|organi[sz]ation|business|trading|team|field|variable|"
    r"class|module|package|host|server|service|app|application|model|brand|site|street|place|town|village|school|"
    r"branch|scheme|document|folder|directory|repo|repository|dataset|table|column|event|course|program|programme|"
    r"command|action|argument|parameter|key|device|machine|queue|topic|channel|workspace)[ \t]*$",
    re.IGNORECASE,
)
_NAME_LABEL = re.compile(r"(?i:name|named|called)\b")


def _names_a_thing(text: str, cue_start: int) -> bool:
    """Does the cue at ``cue_start`` read "name:" after a thing's noun ("Tool Name: Fetch Minutes")?"""
    return bool(_NAME_LABEL.match(text, cue_start)) and bool(
        _THING_BEFORE_LABEL.search(text[max(0, cue_start - 30) : cue_start])
    )


_IDENTIFIER = re.compile(r"(?<![\p{L}\p{N}_])\p{L}[\p{L}\p{N}]*(?:_[\p{L}\p{N}]+|\p{Ll}\p{Lu}[\p{L}\p{N}]*)+")


@lru_cache(maxsize=16)
def _identifiers(text: str) -> frozenset[str]:
    """The snake_case and camelCase identifiers in a text, as lower-case snake_case ("readRegister" → "read_register")."""
    return frozenset(
        re.sub(r"(?<=\p{Ll})(?=\p{Lu})", "_", match.group()).lower() for match in _IDENTIFIER.finditer(text)
    )


def _software_words(text: str, start: int, end: int, plain: list[str]) -> bool:
    """Is the candidate a software word in a framework's prompt rather than a person's name?

    Each rule reads the shape around the words, not the words: a software head noun after them, the assistant's
    persona, a markdown heading or a multi-word label line without a known given name, a Title Case echo of an
    identifier the text also holds ("browse_website: Browse Website"), a verb opening a field ("Fetch the minutes").
    """
    before, after = text[max(0, start - 80) : start], text[end : end + 40]
    if _SOFTWARE_HEAD_AFTER.match(after) or _PERSONA_BEFORE.search(before):
        return True
    if _TOPIC_FIELD_BEFORE.search(before) and _VALUE_END_AFTER.match(after):
        return True  # a title, tag or label given as a JSON value
    if _IDENTIFIER_CHARS.match(text[end : end + 1] or " ") or (start and _IDENTIFIER_CHARS.match(text[start - 1])):
        return True  # part of an identifier: "Fetch_minutes", "readRegister"
    known_name = any(word in GIVEN_NAMES for word in plain)
    line_start = text.rfind("\n", 0, start) + 1
    if not known_name and _HEADING_LINE.match(text[line_start:start]):
        return True
    label = _LABEL_LINE_BEFORE.search(before)
    if not known_name and label and after.lstrip(" \t").startswith(":"):
        return True  # "Action Input:": the candidate ends a label whose first words are not a name
    # The whole Title Case run around the candidate, written as an identifier elsewhere in the text.
    run_start = start
    while True:
        previous = re.search(r"(\p{Lu}\p{Ll}*)[ \t]+$", text[max(0, run_start - 30) : run_start])
        if not previous:
            break
        run_start -= len(previous.group(0))
    run_end = end
    while True:
        following = re.match(r"[ \t]+(\p{Lu}\p{Ll}*)", text[run_end : run_end + 30])
        if not following:
            break
        run_end += len(following.group(0))
    parts = text[run_start:run_end].split()
    if len(parts) > 1 and "_".join(part.lower() for part in parts) in _identifiers(text):
        return True
    if len(plain) == 1 and not known_name and _DETERMINER_AFTER.match(after):
        return re.search(r"(?:^|[\n;,|.!?:])[ \t]*$", before) is not None
    return False


_SEGMENT_END = re.compile(r"(?<=[.!?])[ \t]+(?=\S)|\n+")
_CAPITALISED_WORD = re.compile(rf"(?<![\p{{L}}\p{{N}}'’-]){NAME_WORD}")


def name_bearing_spans(text: str, words_of_any_case: bool = False) -> list[tuple[int, int]]:
    """The sentences or lines of ``text`` where a name could be, as (start, end) offsets, adjacent ones merged.

    Named-entity recognition is most of the analyzer's time, and it can only find a name in a sentence with a
    capitalised word. Words that are never names here (titles, departments, months, field labels) do not count,
    nor does the capital that opens a sentence unless the next word is capitalised too ("Cécile Masse and …").

    With ``words_of_any_case`` (for Handrail's own model, which also reads notes in lower case and names that open a
    sentence) a sentence counts when it holds a word that may be a name: capitalised, or in lower case and a known
    given name, and in either case no English word, stop word or word of the civil service's vocabulary.
    """
    holds_name = _may_hold_any_name if words_of_any_case else _may_hold_name
    spans: list[tuple[int, int]] = []
    position = 0
    for boundary in [*_SEGMENT_END.finditer(text), None]:
        end = boundary.start() if boundary else len(text)
        if end > position and holds_name(text, position, end):
            if spans and not text[spans[-1][1] : position].strip():
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((position, end))
        position = boundary.end() if boundary else len(text)
    return spans


def _may_hold_name(text: str, start: int, end: int) -> bool:
    words = list(_CAPITALISED_WORD.finditer(text, start, end))
    opening = len(text[start:end]) - len(text[start:end].lstrip(" \t\"'‘“(*-•"))
    for index, word in enumerate(words):
        if _key(word.group()) in NOT_A_NAME or _key(word.group()) in HEADING_WORDS:
            continue
        if word.start() == start + opening:  # the capital that opens the sentence
            following = words[index + 1] if index + 1 < len(words) else None
            if following is None or text[word.end() : following.start()].strip(" \t,"):
                continue
        return True
    return False


def _may_hold_any_name(text: str, start: int, end: int) -> bool:
    for word in _ANY_WORD.finditer(text, start, end):
        value = word.group()
        plain, key = _plain(value), _key(value)
        if len(plain) < 2 or plain in VOCABULARY or key in STOP_WORDS or key in NOT_A_NAME or key in HEADING_WORDS:
            continue
        if value[0].isupper() or (plain in GIVEN_NAMES and key not in _WORDS and len(plain) >= 3):
            return True
    return False


_ANY_WORD = re.compile(r"(?<![\p{L}\p{N}'’-])\p{L}[\p{L}'’-]*")
_WORDS = NOT_A_NAME | WORDS_THAT_ARE_ALSO_NAMES | STREET_WORDS | HEADING_WORDS
# Field labels, roles and greetings that stand before a colon or a comma as a name would ("Caller:", "Thanks, Sam").
_LABEL_WORDS = (
    frozenset(LABELS)
    | frozenset(ROLES)
    | frozenset(GREETINGS)
    | frozenset(HONORIFICS)
    | frozenset(
        {
            "bot",
            "user",
            "assistant",
            "system",
            "agent",
            "adviser",
            "advisor",
            "operator",
            "me",
            "you",
            "note",
            "notes",
            "subject",
            "date",
            "time",
            "re",
            "action",
            "summary",
            "update",
            "question",
            "answer",
            "q",
            "a",
        }
    )
)
_NAME_WORD_IN_LIST = re.compile(NAME_WORD)


def _also_a_name(words: list[tuple[int, int, str]], index: int, evidence: str) -> bool:
    """A word such as Dean, Price or London that is a name here: part of a longer name, or introduced by a cue.

    Not when the model filed the phrase as an organisation or place ("Natural England"), and not a lone word that
    only the model calls a person ("Dean" at the start of a sentence).
    """
    if _key(words[index][2]) not in WORDS_THAT_ARE_ALSO_NAMES or evidence == NER_OTHER:
        return False
    return len(words) > 1 or evidence in (STRONG, EMAIL, INITIAL, RECORD, WEAK)


def _not_a_name(words: list[tuple[int, int, str]], index: int, evidence: str) -> bool:
    return _key(words[index][2]) in NOT_A_NAME and not _also_a_name(words, index, evidence)


def _is_initial(word: str) -> bool:
    return len(word) == 2 and word[1] == "." and word[0].isupper()


def _strip_possessive(word: str) -> str:
    return word[:-2] if word.endswith(("'s", "’s")) else word


# Between two words of one name there is only space, a hyphen or an initial's full stop. A comma, colon, semicolon,
# quote, bracket, bar or slash separates two names ("Esat, Margrét, Michelle", `Roelien:"I'm Nusa`), and so does a
# possessive ("Eriksen's Cautionary Tales": what follows belongs to the person).
_SEPARATOR = re.compile(r"[,;:\"“”«»()\[\]|/]")
_SEPARATOR_NO_COMMA = re.compile(r"[;:\"“”«»()\[\]|/]")


def _pieces(text: str, start: int, end: int, evidence: str) -> Iterator[tuple[int, int]]:
    """The candidate cut where one name ends and another may begin.

    An e-mail's "Okafor, Chinwe" is one name written surname first, so there a comma does not cut.
    """
    separator = _SEPARATOR_NO_COMMA if evidence == EMAIL else _SEPARATOR
    piece_start = start
    previous_end: int | None = None
    for match in _WORD.finditer(text, start, end):
        if previous_end is not None and (
            separator.search(text, previous_end, match.start()) or text[previous_end - 2 : previous_end] in ("'s", "’s")
        ):
            yield piece_start, previous_end
            piece_start = match.start()
        previous_end = match.end()
    if previous_end is None:
        yield start, end
    else:
        yield piece_start, end


def _merge(found: dict[tuple[int, int], float]) -> dict[tuple[int, int], float]:
    """Overlapping spans of one name become their union, with the best score."""
    merged: dict[tuple[int, int], float] = {}
    current: tuple[int, int, float] | None = None
    for (start, end), score in sorted(found.items()):
        if current and start < current[1]:
            current = (current[0], max(current[1], end), max(current[2], score))
        else:
            if current:
                merged[current[:2]] = current[2]
            current = (start, end, score)
    if current:
        merged[current[:2]] = current[2]
    return merged


_HOUSE_NUMBER_AFTER = re.compile(r"^[ \t]+\d{1,4}[a-zA-Z]?\.?(?:,|[ \t]*(?:\n|$))")
_MOTION_BEFORE = re.compile(
    r"(?i:\b(?:flew|flown|fly|flies|flying|moved|moving|move|travelled|traveled|travelling|relocated|drove|driven|"
    r"emigrated|returned|headed|commutes?|commuted)(?:[ \t]+(?:here|back|over|down|up|out|away))?[ \t]+"
    r"(?:to|from|into)[ \t]*$)"
)
# What is named after a person: the head noun after the name.
_EPONYM_HEADS = frozenset(
    "institute building hospital centre center museum library room suite wing hall house school college university "
    "academy prize award awards lecture trust foundation fund memorial stadium theatre gallery bridge airport station "
    "scholarship fellowship medal unit ward clinic laboratory lab auditorium".split()
)
_NEXT_WORD = re.compile(r"^[ \t]+(\p{L}+)")
_FOLLOWING_CAPITALISED = re.compile(r"(?:['’]s)?(?:[ \t]+([\p{Lu}][\p{L}\p{N}&.-]*)){1,4}")
_COPULA_BEFORE = re.compile(r"(?i:\b(?:am|is|are|was|were|be)[ \t]+$)")
_NATIONALITY_AFTER = re.compile(
    r"^[ \t]+(?i:food|cuisine|people|citizens?|nationals?|national|government|descent|origin|heritage)\b"
)
_FUNCTION_WORDS = frozenset("of the to in and me you for on with at by from my your is it a an".split())
_TITLE_RUN_WORD = re.compile(r"[\p{Lu}\p{N}][\p{L}\p{N}'’-]*")


def _not_a_person(text: str, start: int, end: int, keys: list[str], plain: list[str]) -> bool:
    """Readings of a name-shaped span that the shape alone cannot rule out."""
    if "&" in text[start:end]:
        return True  # "Mystery & Suspense", "Marks & Spencer": one person's name never holds an ampersand
    following = _FOLLOWING_CAPITALISED.match(text, end)
    if following and any(_key(word) in COMPANY_SUFFIXES for word in following.captures(1)):
        return True  # "Fintech Acquisition Corp.", "Francesca's Holdings Corporation"
    if _in_title_case_run(text, start, end):
        return True  # "Carry Me Back To Belgium", "Jack In The Box": a title, not a person
    if len(keys) == 1 and plain[0] not in GIVEN_NAMES:
        word = keys[0]
        if word.endswith(ABSTRACT_NOUN_ENDINGS):
            return True  # "Wisdom", "Transportation"
        if re.search(rf"(?<![\p{{L}}]){re.escape(word)}(?![\p{{L}}])", text):
            return True  # "Salesperson of the Month" beside "a driven salesperson": a word, in lower case elsewhere
        if word.endswith("ing") and _DETERMINER_BEFORE.search(text[max(0, start - 8) : start]):
            return True  # "the Training administrator": a modifier, not a name
        if word.endswith(("ian", "ean", "ese", "ish")) and (
            _COPULA_BEFORE.search(text[max(0, start - 12) : start]) or _NATIONALITY_AFTER.match(text[end : end + 16])
        ):
            return True  # "I am Zimbabwean", "Belarusian food"
    return False


def _in_title_case_run(text: str, start: int, end: int) -> bool:
    """Whether the span sits in a run of capitalised words (on one line, no punctuation) that holds a capitalised
    function word after its first word: titles of songs, films and books ("Carry Me Back To Belgium")."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    left = text[line_start:start].split(" ")
    right = text[end:line_end].split(" ")
    run = [w for w in text[start:end].split(" ") if w]
    for word in reversed(left[:-1] if left and left[-1] == "" else left):
        if not _TITLE_RUN_WORD.fullmatch(word):
            break
        run.insert(0, word)
    for word in right[1:] if right and right[0] == "" else right:
        if not _TITLE_RUN_WORD.fullmatch(word):
            break
        run.append(word)
    return len(run) >= 3 and any(word.lower() in _FUNCTION_WORDS for word in run[1:])


_STREET_ABBREVIATION = re.compile(r"[ \t]+(?i:st|rd|ave|blvd|sq)\.(?![\p{L}])")
_NUMERIC_POSTCODE_AFTER = re.compile(r"^[ \t]*,[ \t]*\d{3,5}(?:-\d{3})?[ \t]*,")
_PO_BEFORE = re.compile(r"(?i:\bp\.?[ \t]?o\.?[ \t]*$)")
_DETERMINER_BEFORE = re.compile(r"(?i:\b(?:the|a|an)[ \t]+$)")
