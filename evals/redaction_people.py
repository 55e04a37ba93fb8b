"""People, contact details, dates of birth and street addresses for the redaction set: names
from Faker in several locales (US, Mexican and Spanish, Irish, Indian, Vietnamese) and names
that are also English words or policy words."""

from __future__ import annotations

from datetime import date, timedelta

from evals.redaction_text import (
    AREA_CODES,
    CITIES,
    IRISH,
    MONTHS,
    NAME_WORDS_FIRST,
    NAME_WORDS_LAST,
    SPANISH_STREETS,
    STATE_NAMES,
    STREETS,
    VIET_LAST,
)
from evals.redaction_values import NumberMaker, Piece, strip_accents


class ValueMaker(NumberMaker):
    """Makes :class:`~evals.redaction_values.Piece` values of every type in every shape."""

    # -- people ----------------------------------------------------------------------------------

    def name(self, origin: str | None = None) -> tuple[str, str, str]:
        """(given names, family names, origin) from a locale or the names that are words."""
        origin = origin or self.one(
            ("us", "us", "us", "hispanic", "hispanic", "irish", "indian", "viet", "word")
        )
        f = self.fakers
        if origin == "hispanic":
            faker = f[self.one(("es_MX", "es_ES"))]
            last = faker.last_name()
            last = f"{last} {faker.last_name()}" if self.rng.random() < 0.5 else last
            return faker.first_name(), last, origin
        if origin == "irish":
            if self.rng.random() < 0.5:
                first, last = self.one(IRISH).split(" ", 1)
                return first, last, origin
            return f["en_IE"].first_name(), f[self.one(("en_IE", "ga_IE"))].last_name(), origin
        if origin == "indian":
            return f["en_IN"].first_name(), f["en_IN"].last_name(), origin
        if origin == "viet":
            v = f["vi_VN"]
            given = v.first_name_female() if self.rng.random() < 0.5 else v.first_name_male()
            return f"{v.middle_name()} {given}", self.one(VIET_LAST), origin
        if origin == "word":
            if self.rng.random() < 0.5:
                return self.one(NAME_WORDS_FIRST), f["en_US"].last_name(), origin
            return f["en_US"].first_name(), self.one(NAME_WORDS_LAST), origin
        return f["en_US"].first_name(), f["en_US"].last_name(), "us"

    def person(self, shape: str) -> Piece:
        first, last, origin = self.name("word" if shape == "word" else None)
        full = f"{last} {first}" if origin == "viet" else f"{first} {last}"  # family name first
        before, value = self.label("PERSON"), full
        if shape == "lower":
            value, before = full.lower(), before.lower()
        elif shape == "upper":
            value = full.upper()
        elif shape == "first-only":
            value = first.split()[-1] if origin == "viet" else first.split()[0]
        elif shape == "surname-first":
            value = f"{last}, {first}"
            value = value.upper() if self.rng.random() < 0.5 else value
        elif shape == "initial":
            value = f"{first} {self.one('ABCDEFGHJKLMNPRSTW')}. {last}"
        elif shape == "titled":
            before += self.one(("Mr. ", "Mrs. ", "Ms. ", "Dr. ", "Mr ", "Ms "))
            value = last
        elif shape == "unaccented":
            value = strip_accents(full)
        elif shape == "unlabelled":
            before = ""
        return Piece("PERSON", f"{shape}/{origin}", value, before)

    # -- contact ---------------------------------------------------------------------------------

    def email(self, shape: str) -> Piece:
        first, last, _ = self.name()
        first, last = (strip_accents(p.split()[0]).lower().replace("'", "") for p in (first, last))
        n = self.rng.randint(1, 99)
        local = self.one((f"{first}.{last}", f"{first[0]}{last}", f"{first}{last}",
                          f"{first}_{last}{n}", f"{last}.{first}"))  # fmt: skip
        domain = self.one(("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com",
                           "aol.com", "comcast.net", "proton.me",
                           self.fakers["en_US"].domain_name()))  # fmt: skip
        intranet = self.one(("lenderbank", "localhost", "corp", "mail", "fnb-intranet"))
        value = f"{local}@{domain}"
        at_word = f"{local}(at){domain}" if self.rng.random() < 0.6 else f"{local} (at) {domain}"
        value = {
            "upper": value.upper(), "at-word": at_word, "no-dot-domain": f"{local}@{intranet}",
            "bracketed": f"{local}[at]{domain.replace('.', '[dot]')}",
            "fullwidth-at": value.replace("@", "＠"),
            "spelled": f"{local} at {domain.replace('.', ' dot ')}",
        }.get(shape, value)  # fmt: skip
        before = "mailto:" if shape == "mailto" else self.label("EMAIL_ADDRESS")
        if shape == "spelled":
            before = self.one(("email ", "e-mail: ", "Email is "))
        return Piece("EMAIL_ADDRESS", shape, value, before)

    def phone(self, shape: str) -> Piece:
        area, line = self.one(AREA_CODES), self.digits(4)
        exchange = self.one([f"{n}" for n in range(200, 1000) if n % 100 != 11])
        dashed = f"{area}-{exchange}-{line}"
        value = {
            "dashed": dashed, "dotted": dashed.replace("-", "."),
            "spaced": dashed.replace("-", " "),
            "plus-one": self.one((f"+1 {area} {exchange} {line}", f"+1-{dashed}")),
            "bare-ten": dashed.replace("-", ""), "pasted-dash": self.dashed(dashed),
            "one-dash": self.one((f"1-{dashed}", f"1 ({area}) {exchange}-{line}")),
            "invisible": self.invisible(dashed), "extension": dashed,
        }.get(shape, f"({area}) {exchange}-{line}")  # fmt: skip
        before = "" if shape == "unlabelled" else self.label("PHONE_NUMBER")
        after = self.one((" x12", " ext. 4", " ext 22")) if shape == "extension" else ""
        return Piece("PHONE_NUMBER", shape, value, before, after)

    def birth_date(self, shape: str) -> Piece:
        born = date(1940, 1, 1) + timedelta(days=self.rng.randint(0, 65 * 365))
        m, d, y = born.month, born.day, born.year
        month = MONTHS[m - 1]
        value = {
            "short-year": f"{m}/{d}/{y % 100:02d}", "iso": born.isoformat(),
            "month-name": f"{self.one((month, month[:3]))} {d}, {y}",
            "day-month-short": f"{d} {self.one((month, month[:3]))} {y % 100:02d}",
            "dotted": f"{m:02d}.{d:02d}.{y}", "day-month-year": f"{d} {month} {y}",
            "dashed-month": f"{d:02d}-{month[:3]}-{y}", "bare-eight": f"{m:02d}{d:02d}{y}",
            "pasted-dash": self.dashed(f"{m:02d}-{d:02d}-{y}"), "born-on": f"{month} {d}, {y}",
        }.get(shape, f"{m:02d}/{d:02d}/{y}")  # fmt: skip
        before, after = self.label("DATE_OF_BIRTH"), ""
        if shape == "birth-after":
            before, after = "(", self.one((" birth)", " DOB)", " birthdate)", " - birth)"))
        elif shape == "bare-eight":
            before = self.one(("DOB ", "DOB: ", "dob "))
        elif shape == "born-on":
            before = self.one(("born on ", "Born ", "was born "))
        return Piece("DATE_OF_BIRTH", shape, value, before, after)

    def address(self, shape: str) -> Piece:
        f = self.fakers["en_US"]
        city, state, zip3 = self.one(CITIES)
        state_text = STATE_NAMES[state] if self.rng.random() < 0.2 else state
        tail = f", {city}, {state_text} {zip3}{self.digits(2)}"
        number = str(self.rng.randint(1, 29999))
        # Faker's street names end in a USPS suffix already (Trail, Grove, Extension).
        street = self.one(STREETS) if self.rng.random() < 0.6 else f.street_name()
        bare = self.one([s for s in STREETS if " " in s and not s.startswith("Hwy")])
        nth = self.rng.randint(1, 99)
        ordinal = (
            {1: "st", 2: "nd", 3: "rd"}.get(nth % 10, "th") if nth not in (11, 12, 13) else "th"
        )
        numbered = f"{self.one(('W ', 'E ', ''))}{nth}{ordinal} {self.one(('St', 'Ave', 'Street'))}"
        box = f"{self.one(('P.O. Box', 'PO Box', 'po box'))} {self.rng.randint(1, 9999)}"
        direction = self.one(("N.", "S", "E.", "W", "North", "NW"))
        unit = self.one(("Apt 4B", "Apt. 12", "Unit 305", "Suite 210", "#14", "Apt 2"))
        value = f"{number} {street}{tail}"
        value = {
            "street-only": f"{number} {street}",
            "no-suffix": f"{number} {bare.rsplit(' ', 1)[0]}{tail}",
            "lower": value.lower().replace(",", self.one((",", ""))), "upper": value.upper(),
            "po-box": f"{box}{tail}",
            "unit": f"{number} {street}, {unit}{tail}",
            "directional": f"{number} {direction} {street}{tail}",
            "numbered": f"{number} {numbered}{tail}",
            "spanish": f"{number} {self.one(SPANISH_STREETS)}{tail}",
            "faker": f"{f.street_address()}{tail}",
        }.get(shape, value)  # fmt: skip
        before = self.label("US_STREET_ADDRESS")
        return Piece(
            "US_STREET_ADDRESS", shape, value, before.lower() if shape == "lower" else before
        )
