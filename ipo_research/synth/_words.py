"""Word banks of the synthetic export: states, fake names and open-text sentences.

Private to :mod:`ipo_research.synth.generator`. Everything personal here is invented: organization
names use made-up places, phone numbers use the 555-01xx block reserved for fiction, and email
addresses use the reserved ``example.org`` domain.
"""

from __future__ import annotations

__all__ = [
    "STATE_WEIGHTS", "WFP_STATES", "PLACES", "ORG_CORES", "FIRST_NAMES", "LAST_NAMES", "AREA_CODES",
    "OTHER_NETWORKS", "OTHER_CONSTITUENCIES", "OTHER_OBSTACLES", "LESSON_OPENINGS", "LESSON_THEMES",
    "VISION_OPENINGS", "VISION_BODIES", "VISION_SECOND_PARAGRAPH",
]

# USPS code -> relative weight of IPOs based there (names: ipo_research.survey.states). The weights are
# the generator's assumption: more organizations in large, union-dense and WFP states. The order
# (alphabetical by state name) is part of the seeded draw: keep it.
STATE_WEIGHTS = {
    "AL": 1, "AK": 0, "AZ": 2, "AR": 0, "CA": 8, "CO": 3, "CT": 3, "DE": 1, "DC": 2, "FL": 4,
    "GA": 2, "HI": 0, "ID": 0, "IL": 5, "IN": 1, "IA": 2, "KS": 1, "KY": 1, "LA": 2, "ME": 2,
    "MD": 3, "MA": 4, "MI": 4, "MN": 4, "MS": 1, "MO": 2, "MT": 1, "NE": 1, "NV": 2, "NH": 1,
    "NJ": 3, "NM": 2, "NY": 8, "NC": 3, "ND": 0, "OH": 4, "OK": 0, "OR": 3, "PA": 5, "RI": 1,
    "SC": 1, "SD": 0, "TN": 1, "TX": 4, "UT": 0, "VT": 1, "VA": 3, "WA": 3, "WV": 1, "WI": 3,
    "WY": 0,
}
# Working Families Party organizations concentrate where the party has a ballot line or chapter.
WFP_STATES = ("NY", "CT", "OR", "NJ", "PA", "MD", "DC", "WI", "RI", "NM")

PLACES = (
    "Riverbend", "Eastlake", "North Cedar", "Harbor City", "Millbrook", "Westfield Valley",
    "South Prairie", "Granite Falls", "Lakeshore", "Pine Hollow", "Red Clay", "Bayview",
    "Ironwood", "Three Rivers", "Sunset Park", "Old Mill", "Coal Creek", "Magnolia",
    "High Plains", "Cottonwood", "Delta", "Blue Ridge", "Clearwater", "Fairmount",
)
ORG_CORES = (
    "Action Alliance", "Families United", "Organizing Project", "Together", "Power Project",
    "Community Coalition", "Neighbors for Justice", "Working Families", "United for Change",
    "Rising", "Voters Organized", "People's Assembly", "Forward", "Leadership Network",
)
FIRST_NAMES = (
    "Maria", "James", "Aisha", "Luis", "Keisha", "Tom", "Mei", "Darnell", "Rosa", "Kevin",
    "Fatima", "Jorge", "Linda", "Andre", "Priya", "Samuel", "Tanya", "Hector", "Grace", "Omar",
    "Yolanda", "Brian", "Lupe", "Marcus", "Ana", "Dwayne", "Nadia", "Carlos", "Erin", "José",
)
LAST_NAMES = (
    "Example", "Sample", "Testwood", "Placeholder", "Fakename", "Demo", "Mockley", "Fictive",
    "Madeup", "Doe", "Roe", "Specimen", "Dummy", "Notreal", "Pretendez", "Inventa",
)
AREA_CODES = ("212", "312", "215", "313", "414", "503", "612", "617", "702", "713", "404", "510")

OTHER_NETWORKS = (
    "Jobs with Justice", "Right to the City Alliance", "National Domestic Workers Alliance",
    "Alliance for a Just Society", "Grassroots Global Justice Alliance", "USAction",
)
OTHER_CONSTITUENCIES = (
    "Formerly incarcerated people and their families", "Domestic workers", "Veterans",
    "People with disabilities", "Public housing residents", "Farmworkers",
)
OTHER_OBSTACLES = (
    "Voter ID law and purges in our state", "Gerrymandered districts", "Turnover on our board",
    "Finding office space we can afford", "Conflicts with allied unions",
)

# Open text: each answer joins an opening with one or two theme sentences. Themes named in the
# README (funding, staff capacity, candidate pipeline, data, coalition, independence from party).
LESSON_OPENINGS = (
    "The biggest lesson for us:", "Honestly,", "What we learned is simple:", "",
    "2016 showed us that", "Looking back on the cycle,", "Our members told us clearly that",
)
LESSON_THEMES = {
    "funding": (
        "we cannot depend on money that shows up in September; we need year-round funding.",
        "foundation money dried up after the primaries and we had to lay off canvassers.",
    ),
    "staff_capacity": (
        "our staff were stretched far too thin and we burned out key organizers by October.",
        "we need more organizers on staff, not more volunteers to manage.",
    ),
    "candidate_pipeline": (
        "we need to grow our own candidates instead of endorsing whoever shows up.",
        "the candidate pipeline is everything; two of our leaders won because we trained them early.",
    ),
    "data": (
        "our data was a mess and we could not tell which doors we had already knocked.",
        "we need our own voter file and analytics, not borrowed lists.",
    ),
    "coalition": (
        "no one wins alone: our coalition with the tenants' union carried the ballot measure.",
        "we need deeper coalitions across race and region, including rural counties.",
    ),
    "independence": (
        "the party will not save us; we have to build independent power.",
        "depending on the Democratic Party's coordinated campaign left our base unmoved.",
    ),
    "base": (
        "deep canvassing in our own neighborhoods works better than TV ads.",
        "our base turned out where we had organized for years, and stayed home where we had not.",
    ),
}
VISION_OPENINGS = (
    "By 2020", "In four years", "Our vision:", "By the 2020 election", "We see a future where",
)
VISION_BODIES = (
    "we will have 10,000 dues-paying members and a city council majority we helped elect.",
    "we will run a year-round field program in every county of the state.",
    "we will have our own ballot line and a bench of candidates from our base.",
    "we will have won paid sick days and a $15 minimum wage, and held the people who passed them accountable.",
    "we will be a multiracial, member-funded organization independent of any party.",
    "we will have chapters in three new cities and a statewide (c)(4) and PAC.",
    "we’ll govern: our members on the school board, the county board and in the legislature.",
)
VISION_SECOND_PARAGRAPH = (
    "To get there we need multi-year general-support funding and more staff.",
    "We also want to share data and training with other IPOs in the region.",
    "Nuestra base será la que decida, en español y en inglés.",
)
