"""Words that look like names in civil-service text but are not people.

Capitalised words in government writing are mostly job titles, departments,
legislation, programmes and places. spaCy's small model tags many of them as
PERSON (or tags a person's name as ORG), so the PERSON recognizer checks
candidates against these lists. They are general vocabulary of UK public-sector
writing, not strings from any evaluation corpus.
"""

from __future__ import annotations

# Roles and titles: "the Senior Responsible Owner", "Director of Public Health".
TITLE_WORDS = frozenset(
    """
minister ministers secretary secretaries state director directors deputy chief executive executives officer officers
head heads teacher teachers permanent senior responsible owner owners monitoring constable commissioner commissioners
chair chairman chairwoman chairperson president vice leader leaders manager managers councillor councillors mayor clerk
registrar inspector inspectors superintendent lead principal governor governors trustee trustees auditor auditors
controller comptroller treasurer solicitor solicitors counsel ombudsman coroner nurse nurses consultant consultants
caseworker caseworkers adviser advisers advisor advisors analyst analysts assistant assistants coordinator
coordinators administrator administrators partner partners member members speaker clerk whip parliamentary
undersecretary under private principal specialist specialists practitioner practitioners worker workers
officer-in-charge staff colleague colleagues team teams board boards committee committees panel panels cabinet
general attorney advocate chancellor exchequer baroness baron earl duke bishop archbishop king queen prince
princess majesty highness honourable hon peer dean provost rector vicar chaplain commander captain colonel brigadier
admiral marshal lieutenant accounting accountable sponsor sponsors champion champions steward stewards
""".split()
)

# Organisations and the words that make a phrase an organisation.
ORGANISATION_WORDS = frozenset(
    """
hmrc dwp dfe dhsc moj mod fcdo dsit desnz defra dcms dluhc mhclg dft dbt hmt hmg nhs ons cqc hse ico cps hmcts hmpps
ukhsa dvla dvsa ofsted ofqual ofgem ofwat ofcom ukri ukvi hmpo fco dfid beis decc dcsf dcms nao pac gds cddo hmlr
cabinet office home treasury department departments ministry ministries agency agencies authority authorities
council councils borough county district parish parliament commons lords whitehall government governments
service services trust trusts foundation foundations commission commissions executive directorate directorates
unit units division divisions group groups partnership partnerships university universities college colleges
school schools academy academies hospital hospitals surgery practice court courts tribunal tribunals bank banks
society societies association associations institute institutes institution centre center centres network
ltd limited plc llp inc corporation company companies holdings consortium federation union unions office offices
police constabulary fire rescue prison prisons probation registry land companies house met mint museum library
programme programmes project projects scheme schemes fund funds initiative initiatives taskforce forum
strategy framework plan review inquiry audit report reports bill guidance policy policies standards standard
""".split()
)

# Legislation and named schemes.
LEGISLATION_WORDS = frozenset(
    """
act acts regulation regulations order orders bill directive code codes rules charter convention treaty statute
schedule section gdpr ukgdpr equality freedom information data protection care children families housing welfare
reform universal credit pip esa jsa pension pensions benefit benefits allowance tax vat paye council-tax
""".split()
)

# Places: compass words and prefixes of place names, and street types.
PLACE_PREFIXES = frozenset(
    """
north south east west new port lake upper lower great little saint st mount fort glen north-east north-west
south-east south-west central greater royal old
""".split()
)
STREET_WORDS = frozenset(
    """
street st road rd lane ln avenue ave drive dr close way place court crescent grove gardens terrace square hill hills
park parks row walk mews green common harbor harbour lakes island islands underpass loop curve inlet forks fork via
spurs spur meadow meadows view views rise vale bridge bridges circle circles trail track ridge ridges heights estate
estates wharf quay parade passage alley boulevard plaza point points ports cove coves creek crossing field fields
glens haven knoll knolls landing manor manors mill mills orchard pass pike plains plain ramp run shoal shoals shore
shores spring springs station summit trace tunnel turnpike valley valleys vista well wells bypass causeway centre
junction light lights lock locks motorway oval pines prairie radial ranch rapids rest route skyway square squares
stravenue stream throughway trafficway underpass viaduct villages village ville wall walks ways burg burgs
cliff cliffs club corner corners crest dale dam divide expressway extension falls ferry flat flats ford fords forest
forge forges freeway garden gateway harbors highway hollow isle junctions key keys lodge mall mountain mountains neck
orchard path plaza port prairie ridge river road roads shoal spur squares stream terrace trail union unions
""".split()
)
PLACE_SUFFIXES = (
    "mouth",
    "side",
    "ville",
    "bury",
    "borough",
    "burgh",
    "shire",
    "chester",
    "caster",
    "cester",
    "fort",
    "haven",
    "town",
    "stad",
    "furt",
    "berg",
    "burg",
    "heim",
    "dorf",
    "stadt",
    "hausen",
    "view",
    "port",
    "land",
    "wick",
    "by",
    "thorpe",
    "minster",
    "pool",
    "bridge",
    "field",
    "ford",
    "ham",
    "ton",
    "worth",
    "stead",
    "combe",
    "mere",
)

CALENDAR_WORDS = frozenset(
    """
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september
october november december jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed weds thu thur thurs fri
sat sun christmas easter spring summer autumn winter
""".split()
)

# Words that start sentences or label fields; capitalised, but not names.
COMMON_WORDS = frozenset(
    """
a an the this that these those it its i we you he she they my our your their his her please thanks thank hi hello
dear regards summarise summarize write draft create explain give update translate rewrite help turn compare list make
check can could would should will what why how when where who which whose is are was were be been do does did have has
had let use show tell find provide prepare produce suggest review analyse analyze describe outline identify convert
format fix tidy improve shorten expand read reply respond send add remove change edit correct generate plan note
notes name names postcode address phone email date reference ref number tel mobile dob telephone client patient
employee customer claimant applicant tenant user case subject re fwd fw cc bcc attn attachment attached minutes agenda
briefing summary report letter memo email e-mail csv row column table yes no ok okay also and or but if then so
because after before during today tomorrow yesterday new next last first second third final annual quarterly monthly
weekly daily total budget spend cost price invoice payment refund account sort code iban card passport licence
national insurance nhs ni mr mrs ms miss dr prof sir dame lord lady rev mx classification official sensitive secret top
personal commercial data privacy security risk risks issue issues action actions decision decisions key main
upgrade install configure deploy run set build schedule book arrange organise organize calculate estimate assess
evaluate recommend propose design develop test research investigate consider confirm approve reject accept sign
submit share publish print save open close delete archive merge split sort filter count sum map proofread simplify
clarify rephrase reword paraphrase extract classify categorise categorize rank prioritise prioritize recommend
brainstorm outline structure organise answer ask tell remind invite welcome announce advise inform notify
all everyone everybody madam both friends there sirs attendees attendee apologies present absent minutes actions
""".split()
)

# Countries and the places that most often open a sentence in UK government text.
PLACE_NAMES = frozenset(
    """
english welsh scottish irish british uk gb england wales scotland northern ireland london europe european
""".split()
)

NOT_A_NAME = TITLE_WORDS | ORGANISATION_WORDS | LEGISLATION_WORDS | CALENDAR_WORDS | COMMON_WORDS | PLACE_NAMES

# Software and services staff name in prompts; spaCy often tags them as organisations or people.
PRODUCT_WORDS = frozenset(
    """
google microsoft excel word teams outlook sharepoint powerpoint power amazon aws azure apple chatgpt openai copilot
claude gemini python linux windows github gitlab slack zoom docs sheets drive onedrive jira confluence salesforce
oracle sap tableau notion dropbox android iphone ipad linkedin twitter facebook youtube whatsapp webui librechat
""".split()
)

NOT_A_NAME = NOT_A_NAME | PRODUCT_WORDS

# Ordinary words that are capitalised in headings, events and programme names ("Impact Assessment", "Armed Forces
# Day"). A spaCy ORG or EVENT made of such words is not a mis-filed name.
HEADING_WORDS = frozenset(
    """
impact assessment assessments day days week weeks month months year years history armed forces force black white
pride awareness remembrance heritage national international local regional global annual digital transformation
change climate net zero energy security safety health wellbeing mental physical public private social economic
growth levelling up investment infrastructure capital revenue spending budget finance financial management
performance delivery operations operational strategic corporate business continuity resilience emergency response
recovery planning transport education skills training learning development research innovation science technology
justice crime prison victims courts legal law enforcement border immigration asylum citizenship passport visa
employment jobs work pensions retirement disability disabled carers children young people adult adults family
families housing homes home homelessness rough sleeping community communities neighbourhood environment environmental
water air waste recycling food farming rural urban coastal marine nature wildlife countryside culture media sport arts
tourism trade industry industrial market markets competition consumer consumers standards quality inspection
regulation regulatory compliance governance risk assurance internal external audit counter fraud corruption
procurement commercial contract contracts supplier suppliers framework frameworks agreement agreements memorandum
understanding statement statements annual accounts green white paper papers consultation consultations response
responses evidence data information records records management knowledge analysis analytics insight insights
statistics statistical survey census population index indices outcome outcomes value money efficiency productivity
reform reforms modernisation transformation improvement improvements excellence award awards ceremony conference
summit forum festival event events launch campaign campaigns initiative week fund grant grants scheme schemes pilot
pilots project projects programme programmes portfolio portfolios office hub centre centres platform platforms
portal service services system systems network networks cloud cyber artificial intelligence machine learning
model models tool tools app apps website websites online internet email phone contact centre helpline
first second third fourth fifth one two three four five ten hundred thousand million billion
spring summer autumn winter morning afternoon evening night
great good best better new old young senior junior general special key core main major minor total full part
operation operations exercise briefing submission update meeting minutes agenda note notes subject
""".split()
)

# Given names and surnames that are also titles or ordinary words. Beside another name ("Dean Walsh", "Fiona
# Bishop", "Donald Price", "K. London") they are kept as part of the name; alone they are still words.
WORDS_THAT_ARE_ALSO_NAMES = frozenset(
    """
dean earl duke king prince major chase will bill may june april august rose grace faith hope joy mark pat sue ray rob
frank jack bob sandy bishop price law grant day page hall hill green white black young little long wood stone marsh
bird fox lamb cook baker banks bank judge knight chamberlain ward bell carter mason parker turner porter fisher hunter
archer rich sharp north south west east english welsh scott london french holland england wales ireland lord lane
field fields brook brooks park parks chapel church cross ford gate house moss mills mill well wells case card fair
love power clay steward stewards marshal marshall bailey butler miller taylor walker
summer winter spring autumn new best good hart lee christian major angel guy miles noble dick sterling
""".split()
)

# Street words that open or close a street's name in other languages ("Rue de la Sarthe", "Søndre Havnevej"), and
# English ones that are never surnames. A span holding one is an address, whatever the model says.
ADDRESS_WORDS = frozenset(
    """
rue via viale vicolo piazza piazzetta largo corso rua avenida avenue calle carrer camino paseo plaza praça travessa
strasse straße gasse weg allee platz ring damm ufer chaussee vej vejen gade gaden gata gatan vägen väg stig straat
laan plein gracht kade utca út fasor tér körút ulica aleja plac ulice náměstí cesta trg ulitsa prospekt
road avenue boulevard crescent terrace wynd
""".split()
)

# Words that end a company's name ("Fintech Acquisition Corp.", "Wolf Minerals Limited").
COMPANY_SUFFIXES = frozenset(
    """
inc incorporated corp corporation co company ltd limited plc llc llp lp gmbh ag sa sas srl spa bv nv oy ab as asa
holdings group bancorp partners associates
""".split()
)

# Nouns that follow a name to make it a building, route or venue ("Kingsway House", "the Elizabeth line").
BUILDING_WORDS = frozenset(
    """
house tower towers building buildings centre center station line hall court chambers arena stadium theatre theater
college school academy hospital library museum gallery hotel inn bridge quay wharf dock docks barracks
""".split()
)

# Endings of abstract and activity nouns, never of a given name or surname standing alone ("Wisdom", "Transportation").
ABSTRACT_NOUN_ENDINGS = ("tion", "sion", "ness", "ment", "ity", "ism", "ship", "dom", "ance", "ence", "hood")
