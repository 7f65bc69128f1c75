"""The cast and the words of the demo agency: people, client companies, and what they talk about.

Plain data, no database: ``agency.py`` turns it into a story through the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop

DEMO_PASSWORD = "khata-demo-2026"  # noqa: S105 (documented demo password, printed by the command)

# The names are stored in English and translated where they are shown.
SPECIALTIES: list[tuple[str, str]] = [
    ("usability", gettext_noop("Usability")),
    ("copywriting", gettext_noop("Copywriting")),
    ("analytics", gettext_noop("Analytics")),
    ("seo", gettext_noop("SEO")),
    ("contextual-advertising", gettext_noop("Contextual advertising (PPC)")),
    ("design", gettext_noop("Design")),
    ("development", gettext_noop("Development")),
]


@dataclass(frozen=True)
class Person:
    """One member of the agency's staff."""

    name: str
    role: str  # a people.User.Role value
    language: str = ""
    specialties: tuple[str, ...] = ()


STAFF: list[Person] = [
    Person("Meera Iyer", "head"),
    Person("Arjun Mehta", "am"),
    Person("Kavya Nair", "am", language="hi"),
    Person("Rohan Desai", "am"),
    Person("Ananya Rao", "specialist", specialties=("usability", "design")),
    Person("Vikram Singh", "specialist", language="hi", specialties=("copywriting",)),
    Person("Neha Gupta", "specialist", specialties=("analytics",)),
    Person("Siddharth Joshi", "specialist", specialties=("seo",)),
    Person("Pooja Reddy", "specialist", specialties=("contextual-advertising",)),
    Person("Aditya Kulkarni", "specialist", specialties=("design",)),
    Person("Ishaan Malhotra", "specialist", specialties=("development",)),
    Person("Tanvi Bhatt", "specialist", specialties=("copywriting", "seo")),
    Person("Karan Verma", "specialist", specialties=("development", "usability")),
    Person("Olga Petrova", "specialist", language="ru", specialties=("analytics", "contextual-advertising")),
    Person("Farah Khan", "finance"),
]


@dataclass(frozen=True)
class Company:
    """A client company of the demo agency and where it stands today."""

    display_name: str
    legal_name: str
    country: str
    region: str  # GST state code in India, the city elsewhere
    segment: str
    status: str
    tags: tuple[str, ...]
    services: tuple[str, ...]
    currency: str = ""
    crowd: str = "in"  # whose names its people have: in, de, nl, fr, lv, us, gb


# fmt: off
COMPANIES: list[Company] = [
    Company("Saffron Spice Co.", "Saffron Spice Company Private Limited", "IN", "27", "mid", "active",
            ("d2c", "food", "retainer"), ("SEO", "PPC", "content marketing")),
    Company("Bharat Steelworks", "Bharat Steelworks Limited", "IN", "24", "enterprise", "active",
            ("manufacturing", "b2b", "priority"), ("website redesign", "SEO", "analytics")),
    Company("Kulhad Chai House", "Kulhad Chai House LLP", "IN", "29", "small", "active",
            ("hospitality", "d2c"), ("social media", "local SEO")),
    Company("Nilgiri Naturals", "Nilgiri Naturals Private Limited", "IN", "33", "small", "active",
            ("d2c", "wellness", "retainer"), ("PPC", "email marketing", "content marketing")),
    Company("Ganga Fintech", "Ganga Fintech Solutions Private Limited", "IN", "09", "mid", "active",
            ("fintech", "b2b", "priority"), ("UX audit", "app development", "analytics")),
    Company("Pragati Education Trust", "Pragati Education Trust", "IN", "07", "nonprofit", "active",
            ("edtech", "ngo"), ("website redesign", "content marketing")),
    Company("Kaveri Health", "Kaveri Healthcare Private Limited", "IN", "29", "mid", "active",
            ("healthcare", "retainer"), ("local SEO", "PPC", "UX audit")),
    Company("Rangoli Textiles", "Rangoli Textiles Private Limited", "IN", "08", "mid", "active",
            ("manufacturing", "export"), ("SEO", "website redesign")),
    Company("Deccan Realty", "Deccan Realty Developers Private Limited", "IN", "36", "enterprise", "active",
            ("real-estate", "priority"), ("PPC", "analytics", "landing pages")),
    Company("Monsoon Travels", "Monsoon Travels and Tours Private Limited", "IN", "32", "small", "active",
            ("travel", "hospitality"), ("SEO", "PPC", "content marketing")),
    Company("Tiffin Express", "Tiffin Express Foods Private Limited", "IN", "27", "small", "active",
            ("d2c", "food"), ("app development", "PPC")),
    Company("Shakti Solar", "Shakti Solar Energy Limited", "IN", "06", "enterprise", "active",
            ("energy", "b2b", "retainer"), ("SEO", "content marketing", "analytics")),
    Company("Vidya Learning", "Vidya Learning Technologies Private Limited", "IN", "29", "mid", "active",
            ("edtech", "retainer"), ("PPC", "UX audit", "email marketing")),
    Company("Aangan Home Decor", "Aangan Home Decor Private Limited", "IN", "07", "small", "active",
            ("retail", "d2c"), ("social media", "PPC")),
    Company("Himalayan Trail Outfitters", "Himalayan Trail Outfitters Private Limited", "IN", "05", "small",
            "active", ("retail", "outdoor"), ("SEO", "website redesign")),
    Company("Nagar Seva Digital Mission", "Nagar Seva Digital Mission", "IN", "27", "public", "active",
            ("public-sector",), ("UX audit", "website redesign", "accessibility review")),
    Company("Lotus Diagnostics", "Lotus Diagnostics Private Limited", "IN", "19", "mid", "active",
            ("healthcare",), ("local SEO", "PPC")),
    Company("Zaika Restaurants", "Zaika Restaurants Private Limited", "IN", "07", "mid", "active",
            ("hospitality", "food", "retainer"), ("social media", "local SEO", "content marketing")),
    Company("Coastal Cashews", "Coastal Cashew Exports Private Limited", "IN", "30", "small", "active",
            ("export", "food"), ("website redesign", "SEO"), currency="USD"),
    Company("Indus Logistics", "Indus Logistics Limited", "IN", "24", "enterprise", "active",
            ("logistics", "b2b", "priority"), ("analytics", "app development", "SEO")),
    Company("Bodhi Yoga Studios", "Bodhi Yoga Studios LLP", "IN", "29", "small", "paused",
            ("wellness",), ("social media", "PPC")),
    Company("Chanakya Law Associates", "Chanakya Law Associates LLP", "IN", "07", "small", "paused",
            ("professional-services",), ("content marketing", "SEO")),
    Company("Pashmina House", "Pashmina House Private Limited", "IN", "01", "small", "paused",
            ("retail", "export"), ("PPC", "social media")),
    Company("Kesari Motors", "Kesari Motors Private Limited", "IN", "03", "mid", "paused",
            ("automotive",), ("PPC", "landing pages", "analytics")),
    Company("Amrit Dairy", "Amrit Dairy Producers Company Limited", "IN", "24", "mid", "prospect",
            ("food",), ("website redesign", "content marketing")),
    Company("Neelkanth Pharma", "Neelkanth Pharmaceuticals Limited", "IN", "23", "enterprise", "prospect",
            ("healthcare", "b2b"), ("SEO", "analytics")),
    Company("Sitara Jewellers", "Sitara Jewellers Private Limited", "IN", "33", "mid", "prospect",
            ("retail",), ("PPC", "social media")),
    Company("Tarang Telecom", "Tarang Telecom Limited", "IN", "36", "enterprise", "prospect",
            ("telecom", "b2b"), ("UX audit", "app development")),
    Company("Mitti Ceramics", "Mitti Ceramics LLP", "IN", "08", "small", "prospect",
            ("d2c", "crafts"), ("social media", "SEO")),
    Company("Jugnu Kids Books", "Jugnu Kids Books Private Limited", "IN", "19", "small", "prospect",
            ("edtech", "retail"), ("content marketing", "PPC")),
    Company("Sagar Seafoods", "Sagar Seafoods Private Limited", "IN", "32", "mid", "churned",
            ("export", "food"), ("SEO", "website redesign")),
    Company("Urban Kirana", "Urban Kirana Retail Private Limited", "IN", "27", "small", "churned",
            ("retail", "d2c"), ("PPC", "social media")),
    Company("Prism Insurance Brokers", "Prism Insurance Brokers Private Limited", "IN", "07", "mid",
            "churned", ("fintech",), ("PPC", "landing pages")),
    Company("Vega Fitness", "Vega Fitness Private Limited", "IN", "29", "small", "churned",
            ("wellness", "d2c"), ("social media", "app development")),
    Company("Nordlicht Reisen", "Nordlicht Reisen GmbH", "DE", "Berlin", "mid", "active",
            ("travel", "international"), ("SEO", "PPC", "analytics"), crowd="de"),
    Company("Van Dijk Bloemen", "Van Dijk Bloemen B.V.", "NL", "Aalsmeer", "small", "active",
            ("retail", "international"), ("website redesign", "SEO"), crowd="nl"),
    Company("Maison Lumière", "Maison Lumière SAS", "FR", "Lyon", "mid", "prospect",
            ("retail", "international"), ("UX audit", "content marketing"), crowd="fr"),
    Company("Jūrmala Amber", "Jūrmala Amber SIA", "LV", "Riga", "small", "active",
            ("retail", "international"), ("PPC", "social media"), crowd="lv"),
    Company("Brightwater Analytics", "Brightwater Analytics Inc.", "US", "Austin", "mid", "active",
            ("saas", "international", "priority"), ("app development", "UX audit", "analytics"), crowd="us"),
    Company("Thames & Tandoor", "Thames & Tandoor Ltd", "GB", "London", "small", "paused",
            ("hospitality", "international"), ("local SEO", "social media"), crowd="gb"),
]

# fmt: on

CURRENCY_OF_COUNTRY = {
    "IN": "INR",
    "DE": "EUR",
    "NL": "EUR",
    "FR": "EUR",
    "LV": "EUR",
    "US": "USD",
    "GB": "GBP",
}

# Billing addresses: Indian ones by GST state code, the rest by city.
# fmt: off
ADDRESSES: dict[str, list[str]] = {
    "01": ["Residency Road, Srinagar 190001, Jammu and Kashmir"],
    "03": ["Ferozepur Road, Ludhiana 141001, Punjab"],
    "05": ["Rajpur Road, Dehradun 248001, Uttarakhand"],
    "06": ["Cyber City, DLF Phase 2, Gurugram 122002, Haryana"],
    "07": ["Okhla Industrial Area Phase 1, New Delhi 110020", "Connaught Place, New Delhi 110001",
           "Hauz Khas Village, New Delhi 110016", "Nehru Place, New Delhi 110019"],
    "08": ["Sitapura Industrial Area, Jaipur 302022, Rajasthan", "M I Road, Jaipur 302001, Rajasthan"],
    "09": ["Sector 62, Noida 201309, Uttar Pradesh"],
    "19": ["Salt Lake Sector V, Kolkata 700091, West Bengal", "Park Street, Kolkata 700016, West Bengal"],
    "23": ["Vijay Nagar, Indore 452010, Madhya Pradesh"],
    "24": ["SG Highway, Ahmedabad 380054, Gujarat", "GIDC Sachin, Surat 394230, Gujarat",
           "Anand Vidyanagar Road, Anand 388001, Gujarat"],
    "27": ["Andheri East, Mumbai 400093, Maharashtra", "Lower Parel, Mumbai 400013, Maharashtra",
           "Baner Road, Pune 411045, Maharashtra", "Bandra Kurla Complex, Mumbai 400051, Maharashtra"],
    "29": ["Indiranagar, Bengaluru 560038, Karnataka", "Koramangala, Bengaluru 560034, Karnataka",
           "Jayalakshmipuram, Mysuru 570012, Karnataka", "HSR Layout, Bengaluru 560102, Karnataka"],
    "30": ["Verna Industrial Estate, Goa 403722"],
    "32": ["Marine Drive, Kochi 682031, Kerala", "Willingdon Island, Kochi 682003, Kerala"],
    "33": ["Avinashi Road, Coimbatore 641018, Tamil Nadu", "T. Nagar, Chennai 600017, Tamil Nadu"],
    "36": ["HITEC City, Hyderabad 500081, Telangana", "Banjara Hills, Hyderabad 500034, Telangana"],
    "Berlin": ["Friedrichstraße 68, 10117 Berlin, Germany"],
    "Aalsmeer": ["Legmeerdijk 313, 1431 GB Aalsmeer, Netherlands"],
    "Lyon": ["12 Rue de la République, 69002 Lyon, France"],
    "Riga": ["Brīvības iela 40, Rīga, LV-1050, Latvia"],
    "Austin": ["500 Congress Avenue, Suite 900, Austin, TX 78701, USA"],
    "London": ["221 Brick Lane, London E1 6SA, United Kingdom"],
}
# fmt: on

# Names of the client companies' people, by crowd.
INDIAN_FIRST = [
    "Priya",
    "Rahul",
    "Sneha",
    "Amit",
    "Deepika",
    "Suresh",
    "Anjali",
    "Manish",
    "Kavita",
    "Rajesh",
    "Nisha",
    "Harish",
    "Pallavi",
    "Gaurav",
    "Shreya",
    "Vivek",
    "Meenakshi",
    "Nikhil",
    "Ritu",
    "Sanjay",
    "Divya",
    "Abhishek",
    "Lakshmi",
    "Farhan",
    "Zoya",
    "Imran",
    "Gurpreet",
    "Harpreet",
    "Tenzin",
    "Arvind",
]
INDIAN_LAST = [
    "Sharma",
    "Patel",
    "Iyer",
    "Menon",
    "Chatterjee",
    "Banerjee",
    "Reddy",
    "Naidu",
    "Kapoor",
    "Agarwal",
    "Shah",
    "Pillai",
    "Mukherjee",
    "Chauhan",
    "Thakur",
    "Qureshi",
    "Siddiqui",
    "Gill",
    "Sandhu",
    "Bose",
    "Pandey",
    "Mishra",
    "Tiwari",
    "Jain",
    "Khanna",
    "Hegde",
    "Nambiar",
    "D'Souza",
    "Fernandes",
    "Rathore",
]
FOREIGN_NAMES: dict[str, list[tuple[str, str]]] = {
    "de": [("Lena", "Hoffmann"), ("Jonas", "Becker"), ("Katrin", "Schulz"), ("Maximilian", "Wagner")],
    "nl": [("Sanne", "de Vries"), ("Daan", "Bakker"), ("Femke", "Jansen"), ("Joris", "van Leeuwen")],
    "fr": [("Camille", "Moreau"), ("Julien", "Lefèvre"), ("Élodie", "Girard"), ("Thomas", "Roux")],
    "lv": [("Irina", "Volkova"), ("Dmitrijs", "Sokolovs"), ("Anna", "Bērziņa"), ("Jānis", "Ozoliņš")],
    "us": [("Emily", "Carter"), ("Jason", "Miller"), ("Megan", "Brooks"), ("Tyler", "Morgan")],
    "gb": [("Charlotte", "Evans"), ("Oliver", "Hughes"), ("Amelia", "Wright"), ("Harry", "Patel")],
}
# Russian speakers among the contacts: the Latvian client's people, and a travel desk in Kochi.
RUSSIAN_SPEAKERS = {"Irina Volkova", "Dmitrijs Sokolovs", "Svetlana Kuznetsova"}
# People a company has besides the generated ones: (name, stakeholder role, position, mailbox).
EXTRA_CONTACTS: dict[str, list[tuple[str, str, str, str]]] = {
    "Monsoon Travels": [("Svetlana Kuznetsova", "day_to_day", "Russia & CIS desk lead", "svetlana")],
    "Nagar Seva Digital Mission": [("राजेश वर्मा", "approver", "Joint Commissioner (IT)", "rajesh.verma")],
    "Amrit Dairy": [("सुनीता पटेल", "decision_maker", "Chairperson", "sunita.patel")],
}
# Contacts who write in Devanagari prefer Hindi.
HINDI_SCRIPT = frozenset(chr(code) for code in range(0x0900, 0x0980))
# The contacts who sign in to the portal: company → stakeholder role of the one who does.
PORTAL_COMPANIES: dict[str, str] = {
    "Saffron Spice Co.": "champion",
    "Ganga Fintech": "day_to_day",
    "Vidya Learning": "champion",
    "Nordlicht Reisen": "champion",
    "Jūrmala Amber": "decision_maker",
}
# Regions where many contacts prefer Hindi (GST state codes of the Hindi belt).
HINDI_REGIONS = {"03", "05", "06", "07", "08", "09", "23"}

POSITIONS: dict[str, list[str]] = {
    "decision_maker": ["Managing Director", "Founder & CEO", "Director", "Chief Executive Officer"],
    "champion": ["Head of Marketing", "Brand Manager", "Marketing Manager", "Growth Lead"],
    "payer": ["Chief Financial Officer", "Finance Controller", "Accounts Manager"],
    "approver": ["Chief Operating Officer", "Procurement Lead", "Head of Legal"],
    "day_to_day": [
        "Digital Marketing Executive",
        "E-commerce Manager",
        "Content Lead",
        "Marketing Coordinator",
    ],
    "user": ["Sales Coordinator", "Customer Support Lead", "Store Operations Manager"],
}

SUMMARIES: dict[str, list[str]] = {
    "call": [
        "Weekly check-in with {first}: {service} is on track; they asked for a simpler monthly report.",
        "Call with {first} about the {month} {service} numbers: leads up {pct}%, cost per lead steady.",
        "{first} called about a dip in traffic; explained the search update and the recovery plan.",
        "Quick call with {first} to confirm the brief for the next {service} sprint.",
        "{first} raised concerns about response times on tickets; promised a named point of contact.",
        "Discussed the festive-season campaign calendar with {first}; Diwali creatives needed early.",
        "Budget call with {first}: they want to shift {pct}% of spend from social to {service}.",
        "{first} shared feedback from their sales team: leads from {service} are better qualified.",
        "Call with {first} on invoice queries; walked through the retainer hours used in {month}.",
        "Introduced our new analyst to {first}; agreed on the KPIs for {service}.",
    ],
    "email": [
        "Sent the {month} {service} report to {first} with three recommendations.",
        "{first} emailed approval for the revised landing page copy.",
        "Shared the draft content calendar for next month with {first} for sign-off.",
        "{first} asked for a quote for adding {service} to the retainer; sent the estimate.",
        "Followed up with {first} on pending access to their analytics account.",
        "Sent {first} the summary of changes made after their feedback on the homepage.",
        "{first} flagged a broken checkout link; fix confirmed by our developer the same day.",
        "Emailed {first} the competitor benchmark for {service}.",
    ],
    "meeting": [
        "Quarterly business review with {first}: {service} results, next quarter's goals, and budget.",
        "Workshop with {first} and their team to map the customer journey for the new site.",
        "Strategy meeting with {first}: agreed to test {service} in two new cities.",
        "Kick-off meeting for {service} with {first}; roles and timelines agreed.",
        "Review of the UX findings with {first}; they accepted seven of nine recommendations.",
        "Met {first} to present the annual plan; they want a clearer link to revenue.",
        "Creative review with {first}: two concepts shortlisted for the campaign.",
    ],
    "visit": [
        "Visited {first} at their office; toured the new warehouse and met the sales head.",
        "On-site photo shoot coordinated with {first} for the product catalogue.",
        "Visited the client's flagship store with {first} to plan in-store QR campaigns.",
        "Lunch with {first}; relationship is warm, they hinted at a bigger budget next year.",
    ],
    "note": [
        "Note: {first} is moving to a new role next quarter; build the relationship with their deputy.",
        "Note: the client prefers WhatsApp for quick approvals; email for anything formal.",
        "Note: {first} mentioned a competitor agency pitched them last week.",
        "Internal note: {service} results are ahead of plan; good moment to propose an upsell.",
        "Note: payment of last month's invoice was late again; keep finance in the loop.",
        "Note: {first} appreciated the quick turnaround on the campaign changes.",
    ],
}

NEXT_STEPS: list[str] = [
    "Send the revised {service} proposal",
    "Share the monthly report deck",
    "Book the quarterly review",
    "Get sign-off on the content calendar",
    "Send the updated estimate",
    "Fix the tracking on the contact form",
    "Share the competitor benchmark",
    "Schedule the creative review",
    "Confirm next month's ad budget",
    "Introduce the new designer",
    "Send meeting notes and action items",
    "Follow up on the pending invoice",
    "Prepare the keyword research for {service}",
    "Set up access to the analytics account",
    "Deliver the UX audit findings",
]

PAUSE_REASONS = [
    "budget freeze until the new financial year",
    "their marketing head left and the post is vacant",
    "the product relaunch was postponed",
]
CHURN_REASONS = [
    "the group moved marketing in-house",
    "a cheaper agency won the retender",
    "they were unhappy with lead quality from paid search",
    "the company was acquired and the new owner has its own agency",
]
PROSPECT_OPENERS = [
    "Intro call with {first}: they need help with {service}; sent our credentials deck.",
    "Discovery meeting with {first}: mapped their goals for {service} and current pain points.",
    "Sent {first} a proposal for {service} with three package options.",
]

# What the demo agency prints on the letterhead of its contracts, acts and reports.
# ``Any``: the dict is spread into ``agency_update``, whose other keywords (a logo, a flag) are not text.
AGENCY_DETAILS: dict[str, Any] = {
    "legal_name": "Khata Agency Private Limited",
    "address": "4th floor, Orchid Tower, Bandra Kurla Complex\nMumbai 400051, Maharashtra, India",
    "tax_id": "27AAPFU0939F1ZV",
    "registration_number": "U74999MH2020PTC123456",
    "bank_details": "HDFC Bank, Bandra Kurla Complex branch\nA/c 50200012345678 · IFSC HDFC0000123",
    "email": "accounts@khata-agency.example",
    "phone": "+91 22 4000 1234",
    "website": "https://khata-agency.example",
    "document_footer": "Khata Agency Private Limited · CIN U74999MH2020PTC123456 · GSTIN 27AAPFU0939F1ZV",
    "terms": (
        "Invoices are payable within 15 days of the act's acceptance. Work not disputed within five "
        "working days of an act being sent is taken as accepted."
    ),
}
