"""Street addresses and PO boxes, as typed in any case."""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern

from app.question.recognizers.labelled import LabelledRecognizer
from app.question.vocabulary import STATE_CODES, STATE_NAMES, words

# USPS Publication 28 street suffixes (names and standard abbreviations), plurals included.
_SUFFIXES = words(
    """alley aly annex anx arcade arc avenue ave av bayou byu beach bch bend bnd bluffs?
blf bottom btm boulevard blvd branch br bridge brg brooks? brk burg bypass byp camp cp canyon cyn
cape cpe causeway cswy centers? ctr circles? cir cliffs? clf club clb commons? cmn corners? cor
course crse courts? ct coves? cv creek crk crescent cres crest crst crossing xing crossroads? xrd
curve curv dale dl dam dm divide dv drives? dr estates? est expressway expy extensions? ext falls?
fls ferry fry fields? fld flats? flt fords? frd forest frst forges? frg forks? frk fort ft freeway
fwy gardens? gdn gateway gtwy glens? gln greens? grn groves? grv harbors? hbr haven hvn heights
hts highway hwy hills? hl hollow holw inlet inlt islands? is isle junctions? jct keys? ky knolls?
knl lakes? lk land landing lndg lane ln lights? lgt loaf lf locks? lck lodge ldg loop mall manors?
mnr meadows? mdw mews mills? ml mission msn motorway mtwy mount mt mountains? mtn neck nck orchard
orch oval overpass opas parks? parkways? pkwy pass passage psge path pike pines? pne places? pl
plains? pln plaza plz points? pt ports? prt prairie pr radial radl ramp ranch rnch rapids? rpd
rest rst ridges? rdg river riv roads? rd route rte row rue run shoals? shl shores? shr skyway
skwy springs? spg spur squares? sq station sta stravenue stra streams? strm streets? st summit smt
terrace ter throughway trwy trace trce track trak trafficway trfy trail trl trailer trlr tunnel
tunl turnpike tpke underpass upas unions? un valleys? vly via viaduct vis views? vw villages? vlg
ville vl vista walks? wall ways? way wells? wl"""
)
SUFFIX = "(?i:" + "|".join(sorted(_SUFFIXES, key=len, reverse=True)) + r")\b\.?"
_STATE = rf"(?:{'|'.join(STATE_CODES)}|(?i:{'|'.join(STATE_NAMES)}))\b\.?"
_ANY_STATE = rf"(?i:{'|'.join(STATE_CODES)}|{'|'.join(STATE_NAMES)})\b\.?"
_ZIP = r"\d{5}(?:-\d{4})?(?!\d)"
_CAP = r"(?:\p{Lu}[\p{Ll}\p{M}'’]+|\p{Lu}{2,}|\d{1,3}(?:st|nd|rd|th))"  # Main, MLK, 5th
_DIRECTION = r"(?:(?i:[NSEW]|North|South|East|West|NE|NW|SE|SW)\.?\s+)"
_UNIT = r"(?:,?\s+(?i:Apt|Apartment|Unit|Suite|Ste|Fl|Floor|Rm|#)\.?\s*#?\s*[A-Z0-9-]+)"
_CITY = rf"(?:,?\s+{_CAP}(?:\s{_CAP}){{0,2}},?\s+{_STATE})"
_NOT_A_CITATION = r"(?<!(?i:Chapter|Section|Sec\.|Part|Title|Article|Art\.|Form|§)\s*)"
_STOP = (
    r"(?:at|in|on|of|for|to|and|or|the|a|an|is|are|was|were|with|from|by|per|under|over|if|as"
    r"|it|its|this|that|than|then|be|has|have|had|do|does|did|can|will|would|should|may|not|no"
    r"|our|we|my|your|their|his|her|what|which|who|how|when|where|why|months?|years?|days?"
    r"|units?|loans?)"
)
_WORD = rf"(?!{_STOP}\b)[\p{{L}}\p{{M}}\d'’.#-]+"
_START = r"(?<![\w$.,/-])\d{1,6}(?:-\d{1,4})?[a-z]?"
_PO_BOX = r"\b(?:p\.?\s?o\.?|post\s+office)\s*box\s+\d{1,6}\b"


class UsStreetAddressRecognizer(LabelledRecognizer):
    """Street addresses: number, street name, USPS suffix (``St``, ``Ave``, ``Greens``...),
    then an optional unit, city, state and ZIP; and PO boxes. Any address that ends in a
    state and a ZIP code counts, suffix or not and in any case (``18966 Sunset, Dallas, TX
    75201``, ``1200 main st austin tx 78701``). Without a ZIP, an address typed in lower
    case counts only after an address label (``lives at 3136 willow creek ln``), so ``within
    30 days way past due`` or ``chapter 7 bankruptcy court`` stay in the question."""

    ENTITY = "US_STREET_ADDRESS"
    PATTERNS = (
        Pattern(
            "Street address",
            rf"{_NOT_A_CITATION}\b\d{{1,6}}(?:-\d{{1,4}})?[A-Z]?\s+{_DIRECTION}?(?:{_CAP}\s+){{1,3}}"
            rf"{SUFFIX}(?:\s+(?:[NS][EW]|[NSEW])\b)?{_UNIT}?{_CITY}?(?:,?\s+{_ZIP})?",
            0.6,
        ),
        Pattern(
            "Address ending in state and ZIP",
            rf"{_NOT_A_CITATION}(?i:(?:{_START}|{_PO_BOX})[\s,]+(?:{_WORD}[\s,]+){{0,8}}?)"
            rf"{_ANY_STATE},?\s+{_ZIP}",
            0.6,
        ),
        Pattern(
            "Street in any case (lower case needs a label)",
            rf"{_NOT_A_CITATION}(?i:{_START}\s+{_DIRECTION}?(?:{_WORD}\s+){{1,3}}){SUFFIX}",
            0.6,
        ),
        Pattern("PO box", rf"(?i:{_PO_BOX}){_CITY}?(?:,?\s+{_ZIP})?", 0.6),
    )  # fmt: skip
    CONTEXT = (
        "address", "street", "property", "subject property", "lives at", "living at",
        "located at", "home at", "resides at", "mailing address", "property at",
    )  # fmt: skip
    FLAGS = regex.DOTALL | regex.MULTILINE  # case matters: street names are capitalised

    def needs_label(self, matched: str) -> bool:
        """Lower case without a ZIP code: "30 days way" is not an address on its own."""
        return (
            not any(c.isupper() for c in matched)
            and regex.search(r"\d{5}(?:-\d{4})?$", matched) is None
        )
