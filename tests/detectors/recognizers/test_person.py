"""PERSON needs spaCy, so these go through the whole analyzer (loaded once per session)."""

import pytest

from detectors.recognizers.person import name_bearing_spans


def persons(found, text):
    return [value for kind, value in found(text) if kind == "PERSON"]


@pytest.mark.parametrize(
    "text,name",
    [
        ("Dear Aniela Gradek,\nThank you for your letter.", "Aniela Gradek"),
        ("Mrs Okonkwo rang about her pension.", "Okonkwo"),
        ("The claimant Onveer Sibal gave his passport.", "Onveer Sibal"),
        ("Contact: Griffiths, arthur34@example.org.", "Griffiths"),
        ("Summarise the complaint from Ishwar Mitter who says the council ignored him.", "Ishwar Mitter"),
        ("K. Manning applied for the post.", "K. Manning"),
        ("Name: Eta Prashad; Date of birth: 2013-10-01", "Eta Prashad"),
        ("Patient: Maximilian D'Souza\nNHS No: 752 827 8548", "Maximilian D'Souza"),
        ("CSV row: Legrand,llegrand@example.org.uk,TS8P 8GR", "Legrand"),
        ("Translate: 'Dear Cobo, your appointment is confirmed.'", "Cobo"),
        ("The login alerts show access at 03:12 for user Mitra.", "Mitra"),
        ("Hi, it's Priyanka Chaudhary from the Leeds jobcentre. Can you draft a letter?", "Priyanka Chaudhary"),
        ("Ring Mrs Adebayo before Friday and copy in Tom.", "Tom"),
        ("My name is Oluwaseun Adeyemi and I need help with my appeal.", "Oluwaseun Adeyemi"),
    ],
)
def test_names_with_cues(found, text, name):
    assert name in persons(found, text)


def test_names_joined_by_and(found):
    names = persons(found, "Heinz-Werner Tlustek and Jodie Phillips both applied for the apprenticeship.")
    assert names == ["Heinz-Werner Tlustek", "Jodie Phillips"]


@pytest.mark.parametrize(
    "text",
    [
        "Write a briefing for the Senior Responsible Owner on the households in temporary accommodation across "
        "Michaelmouth.",
        "Summarise this: MoJ received 70,260 applications last year.",
        "Create an agenda for the Cabinet Office quarterly review meeting on Wednesday 26 May.",
        "Explain the difference between the Care Act 2014 and the Equality Act 2010 for a new starter.",
        "Write three survey questions about satisfaction with services in Lake Laurenland.",
        "Briefing for the Director of Public Health: the programme is behind schedule.",
        "Draft a thank-you message from the Lord Chancellor to the Permanent Secretary.",
        "Create a checklist for a Data Protection Impact Assessment under UK GDPR.",
        "Hi all,\nChasing again on the FOI. Thanks",
        "Postcode: SW1A 2AA",
    ],
)
def test_civil_service_words_are_not_people(found, text):
    assert persons(found, text) == []


def test_addresses_are_not_people(found):
    text = "We will write to you again at 21 Maurice Harbor, Bethfurt, GL65 1SA."
    assert persons(found, text) == []


def test_email_local_part_is_not_a_separate_person(found):
    assert found("email simon.edwards@outlook.com") == [("EMAIL_ADDRESS", "simon.edwards@outlook.com")]


def test_name_bearing_spans_skip_prose_without_names():
    text = "The programme is late. Please summarise the risks.\nI spoke to Priya Shah today. The Minister agreed."
    spans = name_bearing_spans(text)
    assert [text[start:end] for start, end in spans] == ["I spoke to Priya Shah today."]
    assert name_bearing_spans("Summarise the risks for the Senior Responsible Owner.") == []
    opening_pair = "Cécile Masse and Ekbal Chand applied."
    assert name_bearing_spans(opening_pair) == [(0, len(opening_pair))]


def test_surname_comma_forename_beside_their_email(found):
    text = "Please turn this into a table:\nOkafor, Chinwe | c.okafor@lambeth.gov.uk"
    assert [value for kind, value in found(text) if kind == "PERSON"] == ["Okafor, Chinwe"]


def test_name_fields_of_a_contact_record(found):
    text = (
        "CSV row: Petrović,siobhan@dwp.gov.uk,0800 608 6092,NE9 5JN\nRow 2: Finance Team,Leeds,0113 496 0000\n"
        "Row 3: Thackeray,0800 608 6093,NE9 5JN"
    )
    assert [value for kind, value in found(text) if kind == "PERSON"] == ["Petrović", "Thackeray"]


def test_two_names_joined_by_and(found):
    text = "Carys Pickering and Emeka Aidan Akhtar both applied. Lake Laurenland and Port Seanborough did not."
    assert [value for kind, value in found(text) if kind == "PERSON"] == ["Carys Pickering", "Emeka Aidan Akhtar"]


def test_one_word_after_a_weak_cue(found):
    assert persons(found, "Write a Teams message to Priyanka asking about Friday.") == ["Priyanka"]
    assert [v for k, v in found("Send a letter to Ofsted about the inspection.") if k == "PERSON"] == []


@pytest.mark.parametrize(
    "text,names",
    [
        ("Dear Dean Walsh, thank you.", ["Dean Walsh"]),
        ("Summarise this case note: Client Donald Price, DOB 4 April 1978.", ["Donald Price"]),
        ("Fiona Bishop and Harry King both applied for the apprenticeship.", ["Fiona Bishop", "Harry King"]),
        ("Turn these notes into a summary: spoke to Jane Hill (07700 900123) re housing repair.", ["Jane Hill"]),
        ("Patient K. London (NHS no. 4268447334) was discharged.", ["K. London"]),
    ],
)
def test_surnames_and_given_names_that_are_also_words(found, text, names):
    assert persons(found, text) == names


def test_those_words_alone_are_still_words(found):
    assert persons(found, "Ask the Bishop of Durham and the Dean about the King's visit to Park Lane.") == []


@pytest.mark.parametrize(
    "text,name",
    [
        ("Please reply to the letter from Ludwig van der Berg about his council tax.", "Ludwig van der Berg"),
        ("Kind regards,\nSiobhan Kelly\nHousing Officer", "Siobhan Kelly"),
        ("Surname: O'NEILL\nForename: Patrick", "O'NEILL"),
        ("Name: SMITH, John; DOB: 01/02/1970", "SMITH, John"),
    ],
)
def test_particles_sign_offs_and_capitals(found, text, name):
    assert name in persons(found, text)


def test_lower_case_words_inside_an_event_are_not_a_name(found):
    assert persons(found, "Write a blog post about the Tour de France coming to Yorkshire.") == []


def test_sign_off_from_a_team_is_not_a_person(found):
    assert persons(found, "Thanks,\nThe Finance Team") == []


# Issue 13: evidence beyond spaCy's small model. Wording differs from bench/data/handwritten_batch4.txt.
@pytest.mark.parametrize(
    "text,name",
    [
        ("Tidy up this chat:\n[14:05] Mairead Quinlan: the van is late again\n[14:07] Dev: noted", "Mairead Quinlan"),
        ("03/04/2024, 09:12 - Tomasz Wróbel: can you send the form", "Tomasz Wróbel"),
        ("Ruth: are we still on for ten?\nKofi: yes, room 4\nRuth: great", "Kofi"),
        ("Emeka Obi  2:41 PM\nhas the invoice gone out?", "Emeka Obi"),
        ("home visit: mum is bernadette walsh, works days", "bernadette walsh"),
        ("rang kieran re the rent, no answer", "kieran"),
        ("stepdad (gary) was present throughout", "gary"),
        ("Attendees:\nOyelowo, Tunde - chair\nStrand, Ingrid - minutes", "Oyelowo, Tunde"),
        ("The deed names the buyer as KOWALCZYK, Marek and his sister.", "KOWALCZYK, Marek"),
        ("Oskar said the report would be late.", "Oskar"),
        ("Please pass this to Leontyne Mabuza in the finance team.", "Leontyne Mabuza"),
    ],
)
def test_names_from_speakers_lower_case_and_surname_first(found, text, name):
    assert name in persons(found, text)


@pytest.mark.parametrize(
    "text",
    [
        "Subject: budget\nAction: agree the figures\nOwner: finance",
        "Date: 4 May\nVenue: Room 2\nAgenda: estates",
        "we saw the figures yesterday and rang back later",
        "Yesterday, Peter said the figures were fine.",
        "Please book rooms in Milton Keynes and Kingston upon Hull for the roadshow.",
        "The office moved from 12 Rue Victor Hugo last spring.",
        "Guidance from Historic England and Sport Wales is attached.",
        "Figures for Stockton-on-Tees, Darlington and Hartlepool are below.",
        "Thanks, Sarah",
    ],
)
def test_new_evidence_does_not_take_places_labels_or_words(found, text):
    names = persons(found, text)
    if text == "Yesterday, Peter said the figures were fine.":
        assert "Yesterday, Peter" not in names
    elif text == "Thanks, Sarah":
        assert "Thanks, Sarah" not in names
    else:
        assert names == []


def test_gazetteers_are_loaded_and_folded():
    from detectors.recognizers.person import GIVEN_NAMES, PLACES, SURNAMES

    assert len(GIVEN_NAMES) > 10_000 and len(PLACES) > 10_000 and len(SURNAMES) > 10_000
    # English words are taken out of the surnames: "Date was agreed" has no person in it.
    assert "korhonen" in SURNAMES and not {"date", "list", "key", "case"} & SURNAMES
    assert "helene" in GIVEN_NAMES and "milton keynes" in PLACES and "kingston upon hull" in PLACES
    assert all(name == name.lower() and " " not in name for name in list(GIVEN_NAMES)[:500])


@pytest.mark.parametrize(
    "text,name",
    [
        ("TRIBUNAL LIST\nCLAIMANT: MRS FOLAKE ADEYEMI-BROWN\nVenue: Court 3", "FOLAKE ADEYEMI-BROWN"),
        ("pls call mr kowalczyk back re the overpayment", "kowalczyk"),
        ("'We need the forms,' said Radek to the officer.", "Radek"),
        ("The film was directed by Ingrid Solberg in 1994.", "Ingrid Solberg"),
        ("What's your surname? Oyelowo", "Oyelowo"),
        ("Her maiden name is Castellano, she says.", "Castellano"),
        ("The carer (Niamh, aged 52) asked about respite.", "Niamh"),
        ("Action: Tariq to draft the letter by Monday.", "Tariq"),
        ("Please forward the minutes to Ingrid before noon.", "Ingrid"),
        ("Dominika, could you check the totals?", "Dominika"),
        ("Forename(s): Ewan Rhys\nSurname: Pugh", "Ewan Rhys"),
        ("staff_id,first_name,last_name\n88,Ilse,Vermeulen\n89,Kwabena,Asante", "Vermeulen"),
        ("Her family name is Okwuosa, not Okwuosah.", "Okwuosa"),
        ("Produced By:   Henrike Albers", "Henrike Albers"),
        ("Korhonen began the review in March.", "Korhonen"),
        ("The partners: Nieminen, Oduya and Lindqvist.", "Nieminen"),
    ],
)
def test_names_with_cues_added_for_unseen_text(found, text, name):
    assert name in persons(found, text)


# --- words in agent-framework and coding-tool prompts (issue 14) ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # a software head noun after the word
        "Use the Grep tool to find the function.",
        "Open the file with the Vim editor, then use the Bash tool.",
        # the assistant's persona
        "You are Juno, a meticulous coding assistant.",
        "You are Atlas, a senior developer on this project.",
        # a markdown heading without a known given name
        "## Recommended Workflow\n\nThis workflow should be followed.",
        # a Title Case echo of an identifier in the same text
        '2. browse_website: Browse Website, args: "url": "<url>"',
        # "name:" after a thing's noun
        "Tool Name: Lookup the tenancy\nTool Description: finds a tenancy",
        "Tool Name: Query Register\nTool Description: reads a register",
    ],
)
def test_software_words_in_framework_prompts_are_not_names(found, text):
    assert persons(found, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Use the Bash tool to email Gareth Pugh about the fix.", "Gareth Pugh"),
        ("### Case notes for Olivia Brennan\n\nShe phoned twice.", "Olivia Brennan"),
        ("Name: Fatima Begum\nTool Name: Send Letter", "Fatima Begum"),
        ("Observation: the tenant is Hamza Qureshi, who moved in May.", "Hamza Qureshi"),
        ("You are writing to Dorota Nowak about her claim.", "Dorota Nowak"),
        ("Aisling Byrne: can you check the rota?\nCiaran Doyle: yes", "Aisling Byrne"),
    ],
)
def test_names_beside_framework_words_are_still_found(found, text, name):
    assert name in persons(found, text)


@pytest.mark.parametrize(
    "text",
    [
        "The depot is on Via dei Mille, next to the market.",
        "Post it to Kastanjevej 12, Odense.",
        "The minister flew to Tallinn on Friday.",
        "Staff in Exchequer House will move floors.",
        "Delays on the Jubilee line again this morning.",
        "Orion Shipping Holdings Ltd has filed its accounts.",
        'Her favourite track is "Dancing In The Rain Again" from 1987.',
        "Values like Integrity and Leadership are in the framework.",
        "We hired a planner last year; the Planner of the Year award went to her team.",
        "I am Venezuelan but I have lived here since 2004.",
        "Genres: Drama & Romance, Crime & Thriller",
        "Write to P.O. Box 77, Swansea.",
        "Send it to Kossuth Lajos utca 12., Budapest.",
        "Deliver to 4 Harbour View, Mossvale, 2577, Australia",
        "Ask the Housing officer and the Licensing team to reply.",
        "Date was agreed and the List is attached.",
        "Ask the Health and Safety Executive's inspectors for the report.",
        "The office at Little Britain will reopen on Monday.",
    ],
)
def test_places_companies_titles_and_words_are_not_people(found, text):
    assert persons(found, text) == []


@pytest.mark.parametrize(
    "text",
    [
        'Example titles:\n- { "title": "Chocolate Chip Cookies" },\n- { "title": "Music Streaming" }',
        '{"tags": ["Garden Waste"], "label": "Council Tax"}',
    ],
)
def test_a_title_or_tag_given_as_a_json_value_is_not_a_name(found, text):
    assert persons(found, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ('{"name": "Grace Okafor", "title": "Housing appeal"}', "Grace Okafor"),
        ('{"title": "Appeal", "text": "Grace Okafor rang twice"}', "Grace Okafor"),
        ('{"title": "Call from Mr Tomasz Nowak"}', "Tomasz Nowak"),
    ],
)
def test_names_in_other_json_values_are_still_found(found, text, name):
    assert name in persons(found, text)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Volunteers on the rota: Wiktor, Aurelia, Benedikt and Saoirse.", ["Wiktor", "Aurelia", "Benedikt"]),
        ("Shortlisted: Henrike Vogel, Tomasz Wróbel, Adaeze Nwosu.", ["Henrike Vogel", "Tomasz Wróbel"]),
        ('Marit:"I spoke to Jorunn about it".', ["Jorunn"]),
        ("We read Annika Lindholm's Winter Letters at the book group.", ["Annika Lindholm"]),
    ],
)
def test_a_comma_quote_or_possessive_ends_a_name(found, text, names):
    got = persons(found, text)
    for name in names:
        assert name in got
    assert not any(("," in value or '"' in value or "Winter" in value) for value in got)


@pytest.mark.parametrize(
    "text",
    [
        "Qualities such as Candour and Discipline matter in this post.",
        'The team song was "Broken Kettle Blues" by the staff choir.',
        "We all read Cautionary Tales at school.",
    ],
)
def test_ordinary_english_words_are_not_a_name_on_the_models_word_alone(found, text):
    assert persons(found, text) == []


def test_english_words_that_are_names_stay_names(found):
    assert "Grace Cook" in persons(found, "Grace Cook rang about the boiler.")
    assert "Brooks" in persons(found, "Mr Brooks rang about the boiler.")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Passport holder: Rhodri ap Iorwerth, see the booking.", "Rhodri ap Iorwerth"),
        ("Present: Siân Pugh (chair)\nApologies: Gurpreet Bains", "Gurpreet Bains"),
        ("In attendance: Ngozi Eze, Lorcan Daly", "Lorcan Daly"),
        ("Actions:\nWojciech - send the figures\nChiamaka - book the room\nTobenna - chase legal", "Tobenna"),
        ("Actions:\n* Wojciech: send the figures\n* Annelise: book the room", "Annelise"),
    ],
)
def test_minutes_and_action_lists(found, text, name):
    assert name in persons(found, text)


@pytest.mark.parametrize(
    "text",
    [
        "Actions:\nFinance - check the totals\nLeeds - confirm the venue\nMonday: send the pack",
        "The seminar is at the Grace Hopper Institute, then tea in the Mary Seacole Building.",
        "A call from Leeds City Council about the bins.",
    ],
)
def test_action_heads_eponyms_and_councils_are_not_people(found, text):
    assert persons(found, text) == []
