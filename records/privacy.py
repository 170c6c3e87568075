"""Refuse text that looks like it holds a person's identifiers before anything is stored.

Logs are about companies. Survivors are counted, never named or identified: a phone number, email address,
passport or ID number, messaging-app ID, social-media profile, date of birth, or a survivor's name and age in a
partner log could expose a survivor (or a worker) if the database or a digest is ever seen by the wrong person.

How it looks:
- the text is normalised first: local digit systems (Thai, Khmer, Lao, Myanmar, Bengali, Devanagari…) and
  full-width characters become ASCII, zero-width and bidi controls are dropped;
- dates, times and amounts of money are set aside so they are never mistaken for phone numbers;
- phone numbers are found with `phonenumbers` (Google's libphonenumber data) for the programme countries and
  the usual destination countries, plus international `+CC` / `00CC` numbers, plus a few patterns for numbers
  that no numbering plan validates but that are clearly written as phone numbers (`555-0199`, `call 5550199`);
- emails, ID / passport numbers (next to words such as "passport no."), messaging IDs, social profile URLs and
  dates of birth are found by recognisers with context words, in the manner of Presidio;
- names and ages are looked for only next to survivor words (victim, survivor, trafficked person, worker…):
  a company contact's name in a meeting note is ordinary PSE work.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from phonenumbers import geocoder

# Programme countries, then the places their migrants mostly go (for numbers written without +CC).
REGIONS = ("TH", "KH", "LA", "BD", "NP", "KG", "KZ", "TJ", "UZ", "MM", "VN", "ID", "PH", "MY", "US",
           "IN", "CN", "SG", "LK", "PK", "JP", "KR", "TW", "HK", "SA", "AE", "QA", "KW", "OM", "BH", "RU")


@dataclass(frozen=True)
class Finding:
    kind: str      # "email address", "phone number", "passport or ID number", "survivor's name"…
    masked: str    # a hint of what was found, without repeating it whole
    start: int = -1  # span in normalise(text)
    end: int = -1

    def __str__(self) -> str:
        return f"{self.kind} ({self.masked})"


def normalise(text: str) -> str:
    """Local digits and full-width forms to ASCII, format characters (zero-width, bidi) removed."""
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        cat = unicodedata.category(ch)
        if cat == "Cf":
            continue
        value = unicodedata.decimal(ch, None)
        if value is not None:
            out.append(str(value))
        elif cat == "Zs":
            out.append(" ")
        else:
            folded = unicodedata.normalize("NFKC", ch)
            out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


# --- recognisers (run on the normalised text) -------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}\s?(?:@|[\[(]at[\])])\s?[\w-]+"
                    r"(?:\s?(?:\.|[\[(]dot[\])])\s?[\w-]+)+", re.IGNORECASE)
_SOCIAL_URL = re.compile(
    r"(?<![\w.-])(?:https?://)?(?:[\w-]{1,30}\.)?"
    r"(?:facebook\.com|fb\.com|fb\.me|m\.me|instagram\.com|instagr\.am|tiktok\.com|"
    r"twitter\.com|x\.com|vk\.com|ok\.ru|threads\.net|linkedin\.com/in|youtube\.com/@)/?[^\s<>|)\]]*[\w@~]",
    re.IGNORECASE)
_SOCIAL_HANDLE = re.compile(r"\b(?:facebook|fb|instagram|ig|tiktok|twitter)\s*(?:profile|account|name|id)?\s*[:=]\s*"
                            r"(@[\w.-]{2,}|[\w.-]*[\d_.][\w.-]*)", re.IGNORECASE)
_APPS = r"line|whatsapp|whats app|telegram|viber|wechat|weixin|zalo|kakao(?:talk)?|skype|signal|imo|tg|wa"
_MESSENGER_URL = re.compile(r"(?<![\w.-])(?:https?://)?(?:line\.me|lin\.ee|wa\.me|t\.me|telegram\.me|viber\.me|zalo\.me|"
                            r"u\.wechat\.com)/[^\s<>|)\]]*\w", re.IGNORECASE)
_MESSENGER_IDS = (
    # "LINE id: somchai99", "whatsapp ID is nok_22"
    re.compile(rf"\b(?:{_APPS})\s*(?:id|handle|user ?name|account)\b\s*(?:is\b)?\s*[:=-]?\s*(@?[\w.-]{{3,}})",
               re.IGNORECASE),
    # "telegram @somchai", "LINE: @nok22"
    re.compile(rf"\b(?:{_APPS})\s*[:=]?\s*(@[\w.-]{{2,}})", re.IGNORECASE),
    # "whatsapp: somchai.k" (words that are not ordinary English)
    re.compile(r"\b(?:whatsapp|telegram|viber|wechat|zalo|kakaotalk|skype)\s*[:=]\s*([\w.-]{3,})", re.IGNORECASE),
    # "line: nok_22" (LINE is also an English word: the handle must look like one)
    re.compile(r"\bline\s*[:=]\s*([\w.-]*[\d_.][\w.-]*)", re.IGNORECASE),
)
_ID_WORDS = re.compile(
    r"\b(?:passport|national id|id card|identity card|id no|id number|id#|nid|nic|citizenship (?:no|number|card)|"
    r"birth certificate|visa no|visa number|work permit(?: no| number)?|pink card|labou?r card|seafarer(?:'s)? id|"
    r"seaman(?:'s)? book|driv(?:er'?s|ing) licen[cs]e|social security(?: no| number)?|ssn)\b"
    r"(?:\s*(?:no\.?|num(?:ber)?\.?|#))?\s*[:#.=-]?\s*"
    r"([A-Za-z]{0,3}[ -]?\d(?:[ -]?\d){3,}[A-Za-z]?|[A-Za-z0-9-]*\d[A-Za-z0-9-]*)",
    re.IGNORECASE)
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_ANY_DATE = (rf"\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}|"
             rf"\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|"
             rf"{_MONTH}\s+\d{{4}}|(?:19|20)\d{{2}}\b")
_DOB = re.compile(rf"\b(?:born(?:\s+(?:on|in))?|date of birth|d\.?o\.?b\.?|birth ?date|birthday)\s*[:=-]?\s*"
                  rf"({_ANY_DATE})", re.IGNORECASE)

# --- survivors' names and ages ----------------------------------------------------------------------------------

_SURVIVOR = (r"(?:victims?|survivors?|trafficked (?:persons?|people|girls?|boys?|wom[ae]n|m[ae]n|child(?:ren)?|"
             r"workers?)|(?:domestic |migrant |factory |garment |sex )?workers?|fisherm[ae]n|fishers?|"
             r"beneficiar(?:y|ies)|returnees?|girls?|boys?|minors?|child(?:ren)?|wom[ae]n|migrants?)")
_STRONG = r"(?:victims?|survivors?|trafficked (?:persons?|people|girls?|boys?|wom[ae]n|m[ae]n|child(?:ren)?)|returnees?)"
_ONE_STRONG = r"(?:victim|survivor|trafficked (?:person|girl|boy|woman|man|child)|returnee)"
_SURVIVOR_RE = re.compile(rf"\b{_SURVIVOR}\b", re.IGNORECASE)
_HONORIFIC = r"(?:Mr|Mrs|Ms|Miss|Mx|Khun|Nang|Daw|Smt|Shri|Bibi|Mst|Md)\.?"
_CAP = r"[A-Z][\w'’-]+"
_NAME = rf"(?:{_HONORIFIC}\s+{_CAP}(?:\s+{_CAP}){{0,3}}|{_CAP}(?:\s+{_CAP}){{1,3}})"
# "victim Ms. Nguyen Thi Lan, 17", "survivor: Nguyen Thi Lan", "a worker named Aung (16)"
_NAME_AFTER = re.compile(
    rf"(?i:\b{_SURVIVOR}\b)\s*[,:(-]?\s*(?i:(?:(?:is|was)\s+)?(?:named|called|name\s*(?:is|:)|whose name is)\s+)?"
    rf"(?P<name>{_NAME}|(?<=named )(?:{_CAP})|(?<=called )(?:{_CAP})|(?<=is )(?:{_CAP})|(?<=: )(?:{_CAP}))"
    rf"(?:\s*[,(]\s*(?i:aged?\s*)?(?P<age>\d{{1,2}})\b(?![.,]?\d|\s*%))?")
# "Ms. Nguyen Thi Lan, 17, a victim", "Aung is a survivor"
_NAME_BEFORE = re.compile(
    rf"(?P<name>{_HONORIFIC}\s+{_CAP}(?:\s+{_CAP}){{0,3}}|{_CAP}(?:\s+{_CAP}){{1,3}})"
    rf"(?:\s*[,(]\s*(?P<age>\d{{1,2}})\)?)?\s*,?\s*(?i:(?:is|was)\s+)?(?i:a|an|the|one)\s+"
    rf"(?i:(?:former|rescued|identified|returned)\s+)?(?i:{_STRONG})\b")
# "survivor Mai, 17", "victims Mai and Lan", "worker Somchai said…": one capitalised word (or a list of them) straight
# after a strong survivor word, or after one worker, girl or child (the plurals of those are followed by too many
# ordinary capitalised words: "workers Union", "girls Football Club")
_ONE_WEAK = r"(?:worker|girl|boy|child|minor|migrant|fisherman|fisher|beneficiary|trainee)"
_ONE_NAME_AFTER = re.compile(
    rf"(?i:\b(?:{_STRONG}|{_ONE_WEAK})\b)\s*[,:(-]?\s*"
    rf"(?P<name>[A-Z][\w'’-]++(?:(?:\s*,\s*|\s+(?:and|&)\s+)[A-Z][\w'’-]++)*)(?!\s+{_CAP})"
    rf"(?:\s*[,(]\s*(?i:aged?\s*)?(?P<age>\d{{1,2}})\b(?![.,]?\d|\s*%))?")
# "Mai, 17, a survivor of…", "Aung is a survivor", "Mai (survivor)": an article or a bracket must come between,
# since a capital before "survivors" is mostly an adjective starting a sentence ("Female survivors…")
_ONE_NAME_BEFORE = re.compile(
    rf"(?<![\w'’-])(?P<name>[A-Z][\w'’-]++)(?:\s*[,(]\s*(?P<age>\d{{1,2}})\)?)?"
    rf"(?:\s*,\s*|\s+(?i:is|was)\s+)(?i:(?:a|an|the)\s+(?:(?:former|rescued|identified|returned)\s+)?{_ONE_STRONG}"
    rf"|one of (?:the|our)\s+(?:(?:former|rescued|identified|returned)\s+)?{_STRONG})(?![\w-])"
    rf"|(?<![\w'’-])(?P<name2>[A-Z][\w'’-]++)\s*\(\s*(?i:a\s+)?(?i:{_STRONG})\s*\)")
_AGE = re.compile(r"\b(\d{1,2})[- ]?(?:years?|yrs?)[- ]old\b|\b(\d{1,2})\s?(?:yo|y/o|y\.o\.)(?!\w)|"
                  r"\baged?\s*:?\s*(\d{1,2})\b(?!\s*(?:[-–+]|to\b|and\b|or\b|\d))", re.IGNORECASE)
_NOT_NAMES = {"employment", "programme", "program", "project", "fund", "network", "support", "services", "service",
              "centre", "center", "association", "foundation", "act", "law", "policy", "day", "unit", "office",
              "committee", "group", "shelter", "protection", "identification", "assistance", "hotline", "guide",
              "training", "ministry", "department", "rights", "voices", "council", "forum", "initiative", "alliance",
              "the", "a", "an", "and", "of", "in", "on", "at", "to", "for", "from", "with", "our", "their", "we",
              "they", "he", "she", "it", "this", "that", "these", "those", "no", "yes", "ngo", "csr", "hr", "ceo"}
# capitalised words that are not a survivor's name when one stands alone after "survivors"
_NOT_ONE_NAME = {"however", "but", "so", "then", "also", "who", "which", "when", "after", "before", "if", "as", "all",
                 "some", "many", "most", "both", "each", "every", "not", "said", "says", "were", "are", "is", "was",
                 "have", "has", "had", "everyone", "someone", "nobody", "one", "none", "either", "neither", "will",
                 "can", "could", "should", "must", "would", "did", "do", "does", "union", "unions", "labour",
                 "labor", "welfare", "safety", "health", "housing", "visa", "permit", "contract", "recruitment",
                 "wages", "pay", "card", "cards", "agency", "agent", "broker", "camp", "dormitory", "hostel", "voice",
                 "trafficking", "exploitation", "abuse", "care", "education", "development", "affairs",
                 "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "yesterday",
                 "thai", "khmer", "cambodian", "lao", "laotian", "bangladeshi", "bengali", "nepali", "nepalese",
                 "kyrgyz", "kazakh", "tajik", "uzbek", "burmese", "myanmar", "vietnamese", "indonesian", "filipino",
                 "filipina", "malaysian", "american", "indian", "chinese", "singaporean", "sri", "pakistani",
                 "japanese", "korean", "taiwanese", "saudi", "emirati", "qatari", "kuwaiti", "omani", "bahraini",
                 "russian", "african", "asian", "european", "rohingya", "karen", "shan", "mon", "hmong"}
AGE_WINDOW = 60

# --- numbers: what is set aside first, then what counts as a phone or ID number --------------------------------

_CURRENCY = (r"(?:usd|us\$|thb|baht|khr|riels?|lak|kip|bdt|taka|tk|npr|rupees?|rs\.?|inr|kgs|soms?|kzt|tenge|tjs|"
             r"somoni|uzs|sum|mmk|kyats?|vnd|dong|idr|rupiah|rp|php|pesos?|myr|ringgit|rm|eur|euros?|gbp|sgd|"
             r"dollars?|million|mn|m|bn|billion|thousand|k|percent)")
_SIGN = r"[$฿៛₭৳₨₹₫₱€£¥]"
_AMOUNT = r"\d{1,3}(?:[ ,.]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_MONEY_WORDS = (r"cash|in[- ]kind|leveraged|resources|budget|value|amount|cost|costs|funding|funds?|salary|salaries|"
                r"wages?|fees?|price|total|grant|donation|contribution|revenue|turnover|spent|paid|pledged?")
_SET_ASIDE = (
    re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)"),                    # ISO dates (any year: 0001-01-01 too)
    re.compile(r"(?<!\d)(?:[012]?\d|3[01])[-/.](?:0?\d|1[0-2])[-/.](?:\d{4}|\d{2})(?!\d)"),  # 20/11/2026
    re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)"),                  # 10:30
    re.compile(rf"(?:{_SIGN}|\b{_CURRENCY}\b)\s?(?:{_AMOUNT})", re.IGNORECASE),
    re.compile(rf"(?:{_AMOUNT})\s?(?:{_SIGN}|{_CURRENCY}\b)", re.IGNORECASE),
    re.compile(rf"\b(?:{_MONEY_WORDS})\b\s*[:=]?\s*(?:{_SIGN}|{_CURRENCY}\b)?\s?(?:{_AMOUNT})", re.IGNORECASE),
    re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])"),       # 2,000,000
)
_PHONE_INTL = re.compile(r"(?<![\w+])(?:\+|00)\s?\(?\d{1,4}\)?(?:[\s.-]?\(?\d{1,5}\)?){2,6}(?!\w)")
_PHONE_LOCAL = re.compile(r"(?<![\w/.-])\(?0\d{1,3}\)?[\s.-]?\d{3,4}[\s.-]?\d{3,4}(?![\w/-])")
# written like a phone number although no numbering plan validates it: 555-0199, 12-345-678
_PHONE_GROUPED = re.compile(r"(?<![\w.,/-])\(?\d{2,4}\)?(?:[-.]\d{2,4}){1,3}(?![\w,/-]|\.\d)")
_PHONE_CONTEXT = re.compile(r"\b(?:call(?:ed)?|phone|tel|telephone|mobile|mob|cell|sms|ph|whatsapp|viber)\b\.?"
                            r"\s*(?:(?:no|number|is|on|at)\b\.?\s*)?[:#-]?\s*"
                            r"(\+?\(?\d[\d\s().-]{5,}\d)", re.IGNORECASE)
_PASSPORT = re.compile(r"(?<!\w)[A-Za-z]{1,2}\d{6,9}(?!\w)")
_GROUPED_ID = re.compile(r"(?<![\w-])\d{1,6}(?:[- ]\d{1,6}){3,}(?![\w-])")
_LONG_DIGITS = re.compile(r"(?<![\d.,])\d{9,}(?![\d.,])")


def _mask(text: str) -> str:
    text = text.strip()
    if len(text) <= 4:
        return "…"
    return text[:2] + "…" + text[-2:]


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _set_aside(text: str) -> str:
    """Dates, times and amounts replaced by underscores (same length), so number finders skip them."""
    for pattern in _SET_ASIDE:
        text = pattern.sub(lambda m: "_" * len(m.group()), text)
    return text


_CANDIDATE = re.compile(r"(?:\+|\b)[\d(][\d\s().-]{4,30}\d")


def _phones(text: str) -> list[tuple[int, int]]:
    """Spans that libphonenumber validates as a phone number of one of REGIONS (or any, written with +CC)."""
    spans = []
    for cand in _CANDIDATE.finditer(text):
        if _digits(cand.group()) < 6:
            continue
        for region in REGIONS:
            for m in phonenumbers.PhoneNumberMatcher(cand.group(), region, leniency=phonenumbers.Leniency.VALID):
                spans.append((cand.start() + m.start, cand.start() + m.end))
    return spans


class _Collector:
    def __init__(self) -> None:
        self.found: list[Finding] = []

    def add(self, kind: str, start: int, end: int, shown: str, mask=_mask) -> None:
        if start < 0 or any(f.start < end and start < f.end for f in self.found):
            return
        self.found.append(Finding(kind, mask(shown), start, end))

    def match(self, kind: str, m: re.Match, group: int | str = 0, mask=_mask) -> None:
        self.add(kind, m.start(group), m.end(group), m.group(group), mask)


def _initial(name: str) -> str:
    parts = name.split()
    return (parts[-1][0] if parts else "") + "…"


def _is_name(name: str) -> bool:
    words = [w.strip(".").casefold() for w in name.split()]
    return not any(w in _NOT_NAMES for w in words)


@functools.cache
def _countries() -> frozenset[str]:
    """Country names in English, from libphonenumber's data ("Thailand", "Lao PDR"…), word by word."""
    words = set()
    for region in phonenumbers.SUPPORTED_REGIONS:
        example = phonenumbers.example_number(region)
        if example is not None:
            words.update(geocoder.country_name_for_number(example, "en").casefold().split())
    return frozenset(words)


def _is_one_name(word: str, after: str) -> bool:
    """`word`, alone after a survivor word, reads as a given name: not an acronym (IOM, CVs), a country or
    nationality, a month followed by its day or year (May 2026), a weekday or a word that starts a clause."""
    folded = word.casefold()
    if word[:2].isupper() or re.fullmatch(_HONORIFIC, word) or not _is_name(word):
        return False
    if folded in _NOT_ONE_NAME or folded in _countries():
        return False
    return not (re.fullmatch(_MONTH, folded) and re.match(r"\s*\d", after))


def _survivor_details(text: str, out: _Collector) -> None:
    for m in _ONE_NAME_AFTER.finditer(text):  # first: "victims: Mai and Lan" is one finding, not "Mai"
        names = re.split(r"\s*,\s*|\s+(?:and|&)\s+", m.group("name"))
        if all(_is_one_name(name, text[m.end("name"):m.end("name") + 8]) for name in names):
            out.match("survivor's name", m, "name", _initial)
            if m.group("age"):
                out.match("survivor's age", m, "age", lambda _s: "…")
    for m in _ONE_NAME_BEFORE.finditer(text):
        group = "name" if m.group("name") else "name2"
        if _is_one_name(m.group(group), ""):
            out.match("survivor's name", m, group, _initial)
            if m.group("age"):
                out.match("survivor's age", m, "age", lambda _s: "…")
    for pattern in (_NAME_AFTER, _NAME_BEFORE):
        for m in pattern.finditer(text):
            if not _is_name(m.group("name")):
                continue
            out.match("survivor's name", m, "name", _initial)
            if m.group("age"):
                out.match("survivor's age", m, "age", lambda _s: "…")
    near = [(m.start(), m.end()) for m in _SURVIVOR_RE.finditer(text)]
    for m in _AGE.finditer(text):
        group = next(g for g in (1, 2, 3) if m.group(g))
        if any(a - AGE_WINDOW <= m.start() and m.end() <= b + AGE_WINDOW for a, b in near):
            out.match("survivor's age", m, group, lambda _s: "…")


def find_identifiers(text: str) -> list[Finding]:
    """What in `text` looks like a personal identifier (empty list when nothing does).

    Spans (`start`, `end`) refer to `normalise(text)`."""
    if not text:
        return []
    text = normalise(text)
    out = _Collector()
    for m in _EMAIL.finditer(text):
        out.match("email address", m)
    for m in _MESSENGER_URL.finditer(text):
        out.match("messaging app ID", m)
    for m in _SOCIAL_URL.finditer(text):
        out.match("social media profile", m)
    for m in _SOCIAL_HANDLE.finditer(text):
        out.match("social media profile", m, 1)
    for pattern in _MESSENGER_IDS:
        for m in pattern.finditer(text):
            out.match("messaging app ID", m, 1)
    for m in _ID_WORDS.finditer(text):
        value = m.group(1)
        if _digits(value) >= 4 and not re.fullmatch(r"(?:19|20)\d{2}", value.strip()):
            out.match("passport or ID number", m, 1)
    for m in _DOB.finditer(text):
        out.match("date of birth", m, 1)
    _survivor_details(text, out)

    numbers = _set_aside(text)
    for m in _PHONE_INTL.finditer(numbers):
        if 8 <= _digits(m.group()) <= 15:
            out.match("phone number", m)
    for start, end in _phones(numbers):
        out.add("phone number", start, end, text[start:end])
    for m in _PHONE_LOCAL.finditer(numbers):
        if 9 <= _digits(m.group()) <= 11:
            out.match("phone number", m)
    for m in _PHONE_CONTEXT.finditer(numbers):
        if 7 <= _digits(m.group(1)) <= 15:
            out.match("phone number", m, 1)
    for m in _PASSPORT.finditer(numbers):
        out.match("passport or ID number", m)
    for m in _GROUPED_ID.finditer(numbers):
        if _digits(m.group()) >= 9:
            out.match("ID-like number", m)
    for m in _PHONE_GROUPED.finditer(numbers):
        if 7 <= _digits(m.group()) <= 12:
            out.match("phone number", m)
    for m in _LONG_DIGITS.finditer(numbers):
        out.match("long number (ID-like)", m)
    return sorted(out.found, key=lambda f: f.start)


def redact(text: str) -> str:
    """`text` (normalised) with every personal detail replaced by its kind in brackets, e.g. “[phone number]”."""
    clean = normalise(text or "")
    for f in sorted(find_identifiers(clean), key=lambda f: f.start, reverse=True):
        clean = clean[:f.start] + f"[{f.kind}]" + clean[f.end:]
    return clean


def without(text: str) -> str:
    """`text` (normalised) with every personal detail taken out, for a search that does not need them:
    "about survivor Nguyen Thi Mai, phone 081 234 5678, who…" → "about survivor, phone, who…"."""
    clean = normalise(text or "")
    for f in sorted(find_identifiers(clean), key=lambda f: f.start, reverse=True):
        clean = clean[:f.start] + clean[f.end:]
    clean = re.sub(r"\s+([,.;:!?])", r"\1", clean)
    clean = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", clean)
    return " ".join(clean.split())


def describe(findings: list[Finding]) -> str:
    """“a phone number (08…78), an email address (so…rg)” — kinds with masked hints, each kind once or twice."""
    shown: dict[str, list[str]] = {}
    for f in findings:
        hints = shown.setdefault(f.kind, [])
        if len(hints) < 2 and f.masked not in hints:
            hints.append(f.masked)
    return "; ".join(f"{kind} ({', '.join(hints)})" for kind, hints in shown.items())


def refusal(findings: list[Finding], where: str = "your message") -> str:
    """The friendly explanation shown instead of storing."""
    return (f"I didn't save anything: {where} seems to contain personal identifiers — {describe(findings)}. "
            "To protect survivors' privacy, partner records keep counts only: no names, ages, birth dates, phone "
            "numbers, emails, messaging or social-media IDs, passport or ID numbers of survivors or workers. "
            "Take those details out (for example write “3 survivors placed”) and send it again. A company "
            "contact's number belongs in your address book, not here.")


def masked(text: str) -> str:
    """Stored text as a report shows it: masked again, in case it predates the guard or the guard learnt more."""
    return redact(text) if find_identifiers(text) else text


def masked_fields(row: dict, *keys: str) -> dict:
    """`row` with the text under `keys` masked again (`masked`), for showing stored records."""
    return {**row, **{k: masked(row[k]) for k in keys if row.get(k)}}
