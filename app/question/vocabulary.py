"""The words redaction must know: policy vocabulary that is never personal data on its own, the
words that introduce a person, and how to tell an English word from a name.

Policy vocabulary (agencies, programs, products, regulations, states, the banks and card
brands underwriters name) survives redaction. Some of it is also people's names (Will, Grace,
Chase, Austin, Virginia): such a word is dropped when it is all a name span holds, and kept
inside a longer name ("Grace Kim").
"""

from __future__ import annotations

import unicodedata
from typing import Any


def words(text: str) -> list[str]:
    """The whitespace-separated words of a word list written as one string."""
    return text.split()


STATE_NAMES = (
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut",
    "Delaware", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa",
    "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan",
    "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire",
    "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio",
    "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota",
    "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "Washington", "West Virginia",
    "Wisconsin", "Wyoming", "District of Columbia", "Puerto Rico", "Guam",
)  # fmt: skip
STATE_CODES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
    "VA", "WA", "WV", "WI", "WY", "DC", "PR", "GU", "VI",
)  # fmt: skip

# Policy vocabulary that must survive redaction (spaCy's small model tags some as PERSON).
_POLICY_WORDS = (
    "US-federal", "federal", "Fannie Mae", "Freddie Mac", "Ginnie Mae", "Fannie", "Freddie",
    "Ginnie", "Mae", "Mac", "FHA", "VA", "USDA", "SBA", "SBA 7(a)", "7(a)", "HUD", "CFPB", "FHFA",
    "OCC", "FDIC", "NCUA", "IRS", "FEMA", "Federal Reserve", "HELOC", "HELOCs", "mortgage",
    "auto", "jumbo", "conforming", "ARM", "DTI", "LTV", "CLTV", "HCLTV", "FICO", "DSCR", "PTI",
    "Tier", "PITI", "PMI", "MI", "MIP", "AUS", "DU", "LP", "LPA", "Desktop Underwriter",
    "Loan Product Advisor", "Selling Guide", "Servicing Guide", "Seller Guide", "Handbook",
    "HomeReady", "Home Possible", "ECOA", "TILA", "RESPA", "HMDA", "TRID", "FCRA", "ATR", "QM",
    "Reg", "Regulation", "Reg B", "Reg Z", "Regulation B", "Regulation Z", "CFR", "USC", "UCC",
    "Art", "Article", "Section", "Sec", "Chapter", "Appendix", "Schedule", "Schedule C",
    "Schedule E", "Form", "Exhibit", "Part", "Title", "Texas Constitution", "W-2", "W2", "1099",
    "K-1", "VOE", "VOD", "LLC", "LLPA", "NMLS", "KYC", "AML", "OFAC", "Borrower", "Co-Borrower",
    "Coborrower", "Applicant", "Guarantor", "Underwriter", "Lender", "Servicer", "Cash-Out",
    "Refinance", "Refi", "Escrow", "Appraisal", "Appraiser", "Homestead", "Veteran", "Veterans",
    "Lien", "Max", "Min", "Maximum", "Minimum", "Email", "E-mail", "Call", "Phone", "Text",
    "Contact", "Please", "Hi", "Hello", "Dear", "Thanks", "Per", "Re", "Note", "Verify",
    "Confirm", "Check", "Ask",
    # Banks, card brands and programs underwriters name; memo shorthand.
    "Chase", "Wells Fargo", "Wells", "Fargo", "BofA", "Bank of America", "Citi", "Citibank",
    "USAA", "Navy Federal", "PennyMac", "Rocket", "Visa", "Mastercard", "MasterCard", "Amex",
    "American Express", "Discover", "Sapphire", "Signature", "HOPE NOW", "Dodd-Frank",
    "Ref", "Thx", "FYI", "Fwd", "Attn", "Pls", "Q", "ABA", "DL", "ITIN", "EIN", "SSN", "DOB",
    "VVOE", "CIP", "CFL", "MLA", "MAPR", "AMI", "NSF", "NSFs", "CRE", "Grace", "Bill", "Mark",
    "Rich", "Faith", "Penny", "Price", "Banks", "Hope", "Frank", "Will", "June", "April", "May",
    "Austin", "Dallas", "Houston", "Denver", "Phoenix", "Charlotte", "Jackson", "Madison",
    "Orlando", "Tyler", "Lincoln", "Raleigh", "Laredo", "El Paso", "San Antonio",
)  # fmt: skip
POLICY_TERMS: frozenset[str] = frozenset(
    term.casefold() for term in (*STATE_NAMES, *STATE_CODES, *_POLICY_WORDS)
)
"""Policy vocabulary (case-folded) that is never personal data on its own."""
NAME_LIKE: frozenset[str] = frozenset(
    [name.casefold() for name in STATE_NAMES]
    + words(
        "max mae mac guam will may june april grace bill mark rich faith penny price banks hope "
        "frank chase austin dallas houston denver phoenix charlotte jackson madison orlando "
        "tyler lincoln raleigh laredo wells"
    )
)
"""Policy words that are also people's names: dropped alone, never trimmed off a name."""

PERSON_LABEL = (
    r"(?:(?:primary|secondary|co-?)?\s*(?:borrower|applicant)s?(?:(?:'?s)?\s+names?)?|"
    r"co-?signer|cosigner|guarantor|customer|(?:my\s+)?client|member|spouse|wife|husband|"
    r"the\s+buyer|buyer|name|full\s+name|"
    r"mr|mrs|ms|miss|mx|dr|sr|sra|srta)"
)
"""Words that introduce a person: ``Borrower``, ``co-borrower``, ``my client``, ``Ms.``."""
TITLES = frozenset(words("mr mrs ms miss mx dr sr sra srta"))

NOT_NAMES: frozenset[str] = frozenset(
    words(
        """home equity loan loans line lines credit guide section table mortgage bank banks policy
    underwriting supplement memo memorandum bulletin lending insurance flood income reserve
    reserves matrix eligibility notice program fund funds business personal auto vehicle
    property state states federal national first second new used out rate term fixed
    adjustable primary residence investment condo unit units what when where which who how why
    does do can is are the a an and or of for to in on with our we my your their this that
    these those may might must shall should will would chapter part article appendix exhibit
    schedule form title act rule regulation constitution county city department office division
    committee board officer manager director chief senior underwriter team review approval
    exception compliance legal risk file files name names information info details data
    signature signatures service portal concessions contribution contributions history score
    scores debt debts assets asset employment employer job pay paystub paystubs statement
    statements account accounts number numbers id ssn dob email phone address status report
    letter letters gift gifts documents document docs requirement requirements question
    questions borrower borrowers applicant applicants customer customers client clients member
    members spouse signer cosigner guarantor buyer seller tenant owner employee wife husband
    fiancé fiancée fiance fiancee partner son daughter mother father parents parent relative
    relatives sister brother cousin uncle aunt friend landlord mr mrs ms miss mx dr
    co-borrower co-borrowers coborrower coborrowers co-applicant co-applicants co-signer
    co-signers"""
    )
)
"""Capitalised words that are never part of a name ("Applicant Income", "Borrower File")."""

FIELD_WORDS: frozenset[str] = frozenset(
    words(
        """ssn ssns social soc ss itin ein fein tin tax dob birth born birthdate birthday email
    e-mail mail mailto phone cell mobile tel telephone ph fax text call acct account a/c
    checking savings routing aba rtn loan ln app application card cc visa mastercard amex
    discover dl dln license licence lic driver driver's drivers address property lives home
    located mailing zip"""
    )
)
"""Labels of other personal data: a name never runs into them."""


def is_english(word: str, english: frozenset[str]) -> bool:
    """Whether ``word`` (lower case) is in ``english`` as it is or as an inflection of a word
    there ("called", "rentals", "applies")."""
    word = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    forms = {word}
    for suffix, base in (("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""),
                         ("ed", "e"), ("d", ""), ("ing", ""), ("ing", "e")):  # fmt: skip
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            forms.add(word[: -len(suffix)] + base)
    return not forms.isdisjoint(english)


def english_words(nlp: Any) -> frozenset[str]:
    """The English words of the loaded spaCy model's lemmatizer tables (WordNet's noun, verb,
    adjective and adverb index), or none when the model has no such tables."""
    try:
        lookups = nlp.get_pipe("lemmatizer").lookups
        index = lookups.get_table("lemma_index")
    except (KeyError, ValueError, AttributeError):
        return frozenset()
    return frozenset(word for key in index for word in index[key])
