"""The policy side of the redaction set: lending questions dense with figures, section numbers,
product names and words that look like names, and the ways a question carries personal data.

In a stem, ``⟦...⟧`` marks a figure or section number and ``«...»`` a policy term: both must come
through redaction unchanged, and the set records their spans as ``keep`` items.
"""

from __future__ import annotations

STEMS = (
    "what is the max DTI under ⟦B3-6-02⟧ with ⟦12 months⟧ of reserves?",
    "does ⟦12 CFR 1026.43(e)(2)⟧ let us go to ⟦45%⟧ DTI on a QM loan?",
    "can we use «Chase» statements older than ⟦60 days⟧ under ⟦B3-4.2-01⟧?",
    "is a ⟦620⟧ FICO enough for a «HELOC» at ⟦85%⟧ CLTV in Texas per ⟦TX-5.1⟧?",
    "«Will» «Fannie Mae» accept a gift from a fiancé under ⟦B3-4.3-04⟧?",
    "do we need a «VVOE» within ⟦10 business days⟧ of closing?",
    "what LLPA applies at ⟦740⟧ with ⟦75%⟧ LTV on a ⟦2-unit⟧ investment property?",
    "how many months of bank statements for a self-employed borrower, ⟦12⟧ or ⟦24⟧?",
    "is the conforming limit ⟦$806,500⟧ for a one-unit in ⟦2025⟧?",
    "max CLTV on a «HELOC» behind a «Freddie Mac» first lien per ⟦HE-3.2⟧?",
    "can the «Visa» balance of ⟦$4,200⟧ be excluded if it is paid off at closing?",
    "do «ABA» disclosures under ⟦RESPA § 1024.15⟧ apply to our title affiliate?",
    "is a «TX» «DL» acceptable ID for the CIP check or do we need a passport?",
    "what reserves does ⟦B3-4.1-01⟧ require for a ⟦$1.25M⟧ loan?",
    "does the Texas ⟦12-day⟧ notice under ⟦§50(a)(6)(M)⟧ apply to a refinance?",
    "can an «ITIN» borrower get a personal loan up to ⟦$25,000⟧?",
    "is a ⟦2019⟧ Chapter ⟦7⟧ discharge too recent for a conventional loan?",
    "what is the max PTI for Tier ⟦A⟧ auto loans, ⟦15%⟧ or ⟦20%⟧?",
    "does ⟦CA-2.2⟧ require a «CFL» license for a ⟦$9,000⟧ consumer loan?",
    "«Rich» in reserves but thin credit: does ⟦12 months⟧ PITI offset a ⟦640⟧ score?",
    "do «Banks» have to price the LLPA into the rate per the ⟦2026-04⟧ bulletin?",
    "what does «PennyMac» require for a ⟦5/1⟧ ARM qualifying rate?",
    "good «faith» estimate tolerance is ⟦10%⟧ for which fees under ⟦1026.19(e)(3)(ii)⟧?",
    "is a «Wells Fargo» ⟦401(k)⟧ loan counted in DTI?",
    "can we close a ⟦50(a)(6)⟧ loan at the borrower's house?",
    "is the «Grace» period on the «HELOC» ⟦15 days⟧ or ⟦10 days⟧?",
    "what DSCR do we need on an «SBA» ⟦7(a)⟧ loan above ⟦$150,000⟧?",
    "does «Dodd-Frank» «ATR» apply to a ⟦$40,000⟧ HELOC on a second home?",
    "how long after a short sale, ⟦4 years⟧ or ⟦7 years⟧?",
    "what flood deductible cap applies after bulletin ⟦2026-04⟧ effective ⟦2026-04-15⟧?",
    "is PMI required above ⟦80%⟧ LTV on a ⟦30-year⟧ fixed loan?",
    "what is the fee cap on a Texas cash-out, ⟦2%⟧ of ⟦$350,000⟧?",
    "do we average ⟦24 months⟧ of overtime per ⟦B3-3.1-01⟧?",
    "can student loans in deferment use ⟦0.5%⟧ of the balance?",
    "what score does Tier ⟦B⟧ need for a ⟦72-month⟧ used car contract?",
    "is a ⟦$2,500⟧ deposit large enough to need sourcing on a ⟦$4,000⟧ monthly income?",
    "does ⟦Reg B § 1002.9(a)(1)⟧ give us ⟦30 days⟧ for the adverse action notice?",
    "does «Dodd-Frank» section ⟦1411⟧ cover the exception memo ⟦CM-2025-07⟧?",
    "what does «HUD» form ⟦92900-A⟧ need for the addendum?",
    "is «IRS» form ⟦4506-C⟧ required for W-2 income on a «California» loan?",
    "what is the HCLTV cap for a piggyback «HELOC» in «CA», «NV» and «AZ»?",
    "can a «VA» borrower use residual income instead of a ⟦41%⟧ DTI?",
    "how old can the appraisal be at closing, ⟦120⟧ or ⟦150 days⟧?",
    "what is the ⟦3-day⟧ rescission rule for a «HELOC» on a primary residence?",
    "does «Desktop Underwriter» approve/eligible waive the ⟦2-year⟧ history?",
    "what max loan amount for a «Home Possible» loan in «Virginia» in ⟦2026⟧?",
    "is a ⟦1.25x⟧ DSCR enough for a ⟦$700,000⟧ owner-occupied CRE loan?",
    "what does ⟦15 U.S.C. 1691(d)⟧ say about counteroffers?",
    "do «Fannie» and «Freddie» both allow boarder income up to ⟦30%⟧?",
    "can rental income count at ⟦75%⟧ of gross rent per ⟦B3-3.1-08⟧?",
    "is the «MLA» ⟦36%⟧ MAPR cap in play for a covered servicemember?",
    "how many NSFs in ⟦12 months⟧ before we decline under ⟦PL-4.3⟧?",
    "can we use the «Visa» «Signature» card limit in reserves?",
    "does the «Price» bump for ⟦2-4⟧ units stack with the LTV adjustment?",
    "is mortgage insurance ⟦25%⟧ coverage at ⟦92%⟧ LTV?",
    "what is the minimum HELOC draw of ⟦$4,000⟧ in Texas per ⟦TX-7.2⟧?",
    "do we need the spouse to sign on a Texas homestead under ⟦Art. XVI §50(a)(6)(A)⟧?",
    "can the borrower waive escrow at ⟦85%⟧ LTV in «California»?",
    "is a ⟦2013⟧ truck with ⟦140,000⟧ miles eligible for an auto loan?",
    "what are the advance rates, ⟦80%⟧ of receivables and ⟦50%⟧ of inventory?",
    "is a Phase I needed on a ⟦$700,000⟧ loan secured by a dry cleaner?",
    "what does «Chase» «Sapphire» «Visa» utilization of ⟦92%⟧ do to Tier placement?",
    "«Will» the ⟦2026-03-01⟧ guide version apply to loans locked in ⟦February 2026⟧?",
    "when does bulletin ⟦2026-04⟧ replace section ⟦4.2.1⟧?",
    "can gift «funds» from a ⟦501(c)(3)⟧ be used for closing costs?",
    "what is the max dealer markup on a ⟦72-month⟧ contract, ⟦2.5%⟧?",
    "does ⟦B3-5.3-07⟧ allow a rapid rescore after paying a collection of ⟦$1,089⟧?",
    "how long do we keep denied applications, ⟦25 months⟧?",
    "which credit report is used when scores are ⟦640⟧, ⟦662⟧ and ⟦701⟧?",
    "is a ⟦$1,500,000⟧ loan amount jumbo under ⟦B2-1.5-02⟧?",
    "for «USDA» loans, is the ⟦115%⟧ area median income limit checked per household?",
    "can «HOPE NOW» counseling replace the HUD certificate?",
    "«Mark»-to-market losses on a brokerage account: counted in reserves?",
    "what waiting period after a deed-in-lieu for «FHA», ⟦3 years⟧?",
    "are «HomeReady» income limits ⟦80%⟧ of AMI in ⟦2026⟧?",
    "can the gift come from «Banks» other than a US institution?",
    "how do we treat a «Bill» of sale for a manufactured home under ⟦B5-2-02⟧?",
    "what is the medical collection exclusion under ⟦B3-5.3-09⟧?",
    "is the «June» ⟦30⟧ quarter-end exception cap ⟦5%⟧ of volume?",
    "«Faith»-based lenders: can a church gift of ⟦$5,000⟧ count?",
    "are loans over ⟦$5 million⟧ in total exposure a «Chief» «Credit» «Officer» approval?",
)  # fmt: skip
"""Policy questions. Each is asked on its own (a clean question) or carries personal data."""

OPENERS = (
    "", "", "", "Quick one: ", "Question - ", "Hi team, ", "Need a policy check: ",
    "Per the ⟦2026-03-01⟧ guide, ", "Underwriter note: ", "Follow-up on ⟦B3-6-02⟧: ",
    "Sorry if this is basic, ", "For a purchase in «Texas», ",
)  # fmt: skip
CLOSERS = ("", "", "", " Thanks!", " Thx.", " Please advise.", " Need this today.",
           " Ref ⟦B3-6-02⟧ and ⟦TX-5.1⟧.")  # fmt: skip

# How personal data sits in a question: {items} is the items joined as a list, {item} one item,
# {stem} a policy question.
FRAMES = (
    "{items} - {stem}",
    "{items}; {stem}",
    "{items}. {stem}",
    "{stem} File: {items}.",
    "{stem} ({items})",
    "Re: {items} - {stem}",
    "{stem} For context, {items}.",
    "Underwriter note - {items}. Q: {stem}",
    "Pasted from the 1003: {items}. {stem}",
    "{items}\n{stem}",
    "I have {items} and the question is {stem}",
    "{stem} Details are {items}, in case it matters.",
)  # fmt: skip
"""Question frames around a list of personal values."""

SUBJECT_VERBS = (
    "wants a cash-out refi", "is asking about a HELOC", "applied for an auto loan",
    "has a gift from a relative", "needs a rate-and-term refinance", "is self-employed",
    "emailed about a personal loan", "called in about the escrow", "just changed jobs",
    "co-signed a car loan", "owns two rentals", "had a short sale in ⟦2021⟧",
)  # fmt: skip
"""What a named person does, when the name starts a sentence ("Maria Garcia wants ...")."""

CLEAN_PREFIXES = (
    "", "", "", "", "Quick one: ", "Hi team, ", "Underwriter note: ", "Per ⟦B3-6-02⟧, ",
    "Per «Fannie Mae» ⟦B3-4.3-04⟧ and «Freddie Mac» ⟦5501.3⟧, ",
    "For a «Chase» jumbo referral, ", "Compliance asked: ", "From the ⟦2026-04⟧ bulletin: ",
)  # fmt: skip
CLEAN_FILLERS = (
    "", "", "The loan amount is ⟦$1,500,000⟧ and the rate is ⟦6.875%⟧.",
    "Loan amount ⟦1500000⟧, ⟦30-year⟧ term, ⟦2 units⟧.",
    "Borrower has ⟦6 months⟧ PITI and a ⟦680⟧ middle score.",
    "DTI is ⟦43.01%⟧ with a ⟦$2,150⟧ car payment.",
    "It is a ⟦2-4⟧ unit in «Austin», «Texas» with ⟦$4,500⟧ rent.",
    "Account for ⟦12 months⟧ of statements, not ⟦2⟧.",
    "Routing of the file goes to the «ABA» desk within ⟦3 days⟧.",
    "«PennyMac» and «Wells Fargo» quotes differ by ⟦0.125%⟧.",
    "Income is ⟦$85,000⟧ a year plus ⟦$12,000⟧ bonus.",
    "The «Visa» and «Mastercard» balances total ⟦$9,800⟧.",
    "See ⟦12 CFR 1002.9(a)(1)(i)⟧ and ⟦1026.43(c)(2)(v)⟧.",
    "Effective ⟦03/01/2026⟧ per section ⟦4.2.2⟧.",
    "The «DL» on file expired in ⟦2025⟧.",
    "Loan ⟦2⟧ of ⟦3⟧ in the package, phone review done.",
)  # fmt: skip
"""Sentences that go with a clean question: more figures and name-like words, no person."""

LABELS: dict[str, tuple[str, ...]] = {
    "PERSON": ("Borrower ", "borrower ", "Borrower: ", "Co-borrower ", "co-borrower ",
               "Applicant ", "applicant ", "Applicant name: ", "Name: ", "client ", "my client ",
               "customer ", "Guarantor ", "spouse ", "primary borrower ", "the buyer, ",
               "member ", "co-signer ", "", "", ""),
    "US_SSN": ("SSN ", "SSN: ", "SSN# ", "ssn ", "Social Security number ", "social security # ",
               "soc sec no. ", "SS# ", "SSN is ", "Social: ", "social ", "SSN no. ", "ssn# "),
    "US_ITIN": ("ITIN ", "ITIN: ", "itin ", "ITIN# ", "ITIN number ", "tax ID (ITIN) ",
                "Individual Taxpayer ID "),
    "US_EIN": ("EIN ", "EIN: ", "ein ", "FEIN ", "Tax ID ", "tax id ", "employer ID ", "E.I.N. ",
               "EIN# ", "federal tax ID "),
    "CREDIT_CARD": ("{brand} ", "{brand} card ", "card ", "card # ", "CC ", "credit card ",
                    "card number ", "cc# ", "{lower} "),
    "EMAIL_ADDRESS": ("email ", "e-mail: ", "Email: ", "", "email is ", "contact "),
    "PHONE_NUMBER": ("phone ", "Phone: ", "cell ", "mobile ", "tel ", "call her at ",
                     "reach him at ", "ph# ", "phone number is ", "work phone ", "home phone ",
                     "Cell: ", "text ", "ph "),
    "ACCOUNT_NUMBER": ("acct ", "Acct# ", "account # ", "account number ", "acct no. ",
                       "checking acct ", "savings account ", "a/c ", "deposit account ",
                       "Account: ", "acct. ", "IRA acct ", "brokerage account ", "checking # "),
    "ABA_ROUTING_NUMBER": ("routing ", "routing # ", "Routing: ", "routing number ", "RTN ",
                           "ABA/routing ", "routing no. ", "wire routing "),
    "LOAN_NUMBER": ("loan #", "Loan # ", "loan number ", "Loan number: ", "loan no. ", "ln# ",
                    "Loan ID ", "our loan ", "loan ", "HELOC # ", "mortgage # ", "loan#", "Ln "),
    "APPLICATION_NUMBER": ("Application #", "application # ", "app # ", "App ID ",
                           "application no. ", "app#", "Application number ", "app no "),
    "US_DRIVER_LICENSE": ("{state} DL ", "Driver's license ", "driver's license # ", "DL# ",
                          "DL ", "drivers lic ", "D.L. ", "{state} driver license ", "dl# ",
                          "DLN ", "driver's lic. no. ", "license # "),
    "DATE_OF_BIRTH": ("DOB ", "DOB: ", "dob ", "date of birth ", "Date of Birth: ", "D.O.B. ",
                      "birthdate ", "born "),
    "US_STREET_ADDRESS": ("subject property ", "property at ", "lives at ", "address: ",
                          "mailing address ", "Property address: ", "located at ", "",
                          "home at ", "current address "),
}  # fmt: skip
"""The words that introduce each type of value, as typed ("" where it stands alone)."""

NAME_WORDS_FIRST = (
    "Faith", "Will", "Rich", "Penny", "Hope", "Grace", "Joy", "Bill", "Frank", "Mark", "Rose",
    "June", "April", "Dawn", "Chase", "Sterling", "Summer", "Crystal", "Ruby", "Miles", "Reed",
    "Sunny", "Guy", "Art", "Pat", "Dean", "Major", "Royal", "Cash", "Price", "Banks", "Destiny",
    "Autumn", "Lance", "Victory", "Precious", "Star",
)  # fmt: skip
NAME_WORDS_LAST = (
    "Banks", "Price", "Rich", "Penny", "Will", "Faith", "Young", "King", "Brown", "Green",
    "White", "Black", "Long", "Little", "Hill", "Wood", "Stone", "Golden", "Cash", "Bond",
    "Money", "Church", "Ford", "Fox", "Rivers", "Waters", "Fields", "Lane", "Hall", "Gates",
    "Sharp", "Strong", "Bell", "Best", "Love", "Grant", "Worth", "Case", "Marsh", "Chase",
    "Sterling", "Booker", "Person", "Page", "Small", "Rice", "Lender", "Sellers", "Payne",
)  # fmt: skip
"""People's names that are also English words (and some policy words)."""
IRISH = (
    "Seán Ó Súilleabháin", "Siobhán Ní Bhriain", "Aoife O'Connell", "Pádraig Mac Giolla",
    "Caoimhe Ní Dhomhnaill", "Niamh Ó Ceallaigh", "Eoghan MacCárthaigh", "Saoirse O'Sullivan",
    "Tadhg Ó Murchú", "Róisín Nic Giolla", "Ciarán O'Donoghue", "Síle Ní Mhaoláin",
)  # fmt: skip
VIET_LAST = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
             "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")  # fmt: skip
CITIES = (
    ("Austin", "TX", "787"), ("Dallas", "TX", "752"), ("San Antonio", "TX", "782"),
    ("Houston", "TX", "770"), ("El Paso", "TX", "799"), ("Los Angeles", "CA", "900"),
    ("San Diego", "CA", "921"), ("Fresno", "CA", "937"), ("Sacramento", "CA", "958"),
    ("San Jose", "CA", "951"), ("Phoenix", "AZ", "850"), ("Tucson", "AZ", "857"),
    ("Miami", "FL", "331"), ("Orlando", "FL", "328"), ("Tampa", "FL", "336"),
    ("Chicago", "IL", "606"), ("Springfield", "IL", "627"), ("Denver", "CO", "802"),
    ("Atlanta", "GA", "303"), ("Charlotte", "NC", "282"), ("Seattle", "WA", "981"),
    ("Portland", "OR", "972"), ("Boston", "MA", "021"), ("Newark", "NJ", "071"),
    ("Brooklyn", "NY", "112"), ("Albany", "NY", "122"), ("Columbus", "OH", "432"),
    ("Detroit", "MI", "482"), ("Nashville", "TN", "372"), ("Las Vegas", "NV", "891"),
    ("Albuquerque", "NM", "871"), ("Santa Fe", "NM", "875"), ("Laredo", "TX", "780"),
)  # fmt: skip
STATE_NAMES = {"TX": "Texas", "CA": "California", "AZ": "Arizona", "FL": "Florida",
               "IL": "Illinois", "CO": "Colorado", "GA": "Georgia", "NC": "North Carolina",
               "WA": "Washington", "OR": "Oregon", "MA": "Massachusetts", "NJ": "New Jersey",
               "NY": "New York", "OH": "Ohio", "MI": "Michigan", "TN": "Tennessee",
               "NV": "Nevada", "NM": "New Mexico"}  # fmt: skip
AREA_CODES = (
    "212", "213", "214", "305", "312", "404", "415", "469", "480", "505", "512", "602", "617",
    "646", "702", "713", "720", "737", "786", "818", "832", "858", "917", "915", "972", "210",
    "206", "503", "615", "313", "614", "973", "956", "951", "773",
)  # fmt: skip
STREETS = (
    "Main St", "Oak Ave", "Sunset Blvd", "Maple Dr", "Cedar Ln", "Elm St", "Pecan St",
    "Lamar Blvd", "Guadalupe St", "Mockingbird Ln", "Bluebonnet Dr", "Park Ave", "Lake Shore Dr",
    "Old Mill Rd", "Hillcrest Rd", "Peachtree St", "Ocean Ave", "Broadway", "Pine Ridge Rd",
    "Mesa Verde Dr", "Willow Creek Ln", "River Oaks Blvd", "Magnolia Ave", "Spring Valley Rd",
    "Quail Run", "Deer Trail Cove", "Eagle Pass", "Shady Bend", "Rock Point", "Copper Ridge",
    "Cherry Ct", "Harbor Way", "Lincoln Pl", "Vista Ter", "Oak Cir", "Mopac Pkwy", "Hwy 290",
    "Briar Trl", "Ranch Loop", "Valley Pike", "Mill Row", "Forest Xing", "Canyon Trace",
)  # fmt: skip
SPANISH_STREETS = (
    "Calle del Sol", "Calle Ocho", "Avenida de la Paz", "Camino Real", "Calle Real",
    "Via Del Mar", "Paseo Del Norte", "Avenida Juárez", "Calle San José",
)  # fmt: skip
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
