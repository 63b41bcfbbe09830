"""Name matching for sanctions screening: pure functions, no database.

A name is first transliterated to Latin letters when written in another script (Arabic,
Urdu, Cyrillic, Chinese, ...: `anyascii`, one maintained table for every script), then
folded (casefold, diacritics stripped, punctuation and extra spaces removed),
split into tokens, and each token is mapped to a canonical spelling through a table of
transliteration variants (Mohd / Mohammad / Muhammad, Hussein / Hussain, ...). Honorifics
and particles (al, bin, ...) and, for entities, legal forms (Ltd, LLC, ...) are dropped.

Two names are compared token by token in any order (word order does not matter): each
token of one name is paired with its most similar token of the other (Jaro-Winkler from
rapidfuzz; an initial matches a word with that first letter, at a discount). The name score
is the sum of the pair similarities over the length of the shorter name plus a fraction of
the extra words. A transliteration loses spellings (Cyrillic "Фарук" reads "faruk"), and
Arabic-script names (Urdu, Arabic, Persian, Pashto) and Hebrew are written without short
vowels ("فاروق" reads "frwq", not "farooq"); so when either name of a pair was written in
another script, two words also match when their phonetic skeletons agree, and the blocking
keys of an unvowelled name allow for a dropped first vowel ("احمد" is "hmd": "Ahmad").
Date of birth and nationality then raise or lower the score, and every
step leaves a sentence in `reasons`, which the AML officer reads.

Candidates are found through blocking keys (`match_keys`), so screening never compares
every person with every entry: a key is a pair of phonetic skeletons of two words of a
name, or a skeleton and an initial, or the skeleton of a one-word name.
"""

import datetime
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import partial

from anyascii import anyascii
from django.utils.translation import gettext as _
from rapidfuzz.distance import JaroWinkler

# Tuning, measured on tests/data/screening_eval.csv (see bench/screening_accuracy.py).
ALERT_THRESHOLD = 0.85  # a score at or above this raises an alert
INITIAL_SIMILARITY = 0.85  # "M." against "Muhammad"
TOKEN_FLOOR = 0.84  # below this, two words do not match at all
EXTRA_WORD_WEIGHT = 0.35  # how much a word present in only one of the names counts against it
NAME_FLOOR = 0.6  # below this name score, date of birth and nationality are not considered
DOB_EXACT, DOB_YEAR, DOB_SAME_YEAR, DOB_CLOSE, DOB_DIFFERS = 0.10, 0.06, 0.03, -0.03, -0.12
NATIONALITY_MATCHES, NATIONALITY_DIFFERS = 0.05, -0.08
MAX_BONUS = DOB_EXACT + NATIONALITY_MATCHES
TRANSLITERATED_SIMILARITY = 0.9  # "frwq" (فاروق), "faruk" (Фарук) against "farooq": same skeleton

PERSON, ENTITY = "person", "entity"

# canonical spelling: its variants (transliterations and common short forms)
_VARIANT_TABLE = {
    "muhammad": "mohammad mohammed muhammed mohamed mohamad muhamad muhamed mohammod mohummad "
    "muhammet mohd md mhd muhd mohmmad",
    "abdul": "abdel abdal abdool abdur abdu abd",
    "hussain": "hussein husain husein hossain hosain husayn hussayn hossein",
    "hassan": "hasan hassen",
    "ahmad": "ahmed ahmet ahamed",
    "mahmood": "mahmoud mahmud mehmood mehmud",
    "khan": "khaan",
    "ali": "aly",
    "syed": "sayed said sayyid sayyed saiyed",
    "rehman": "rahman rahmaan rehmaan",
    "yousaf": "yusuf yousuf yousef yusef youssef yusof",
    "usman": "othman uthman osman usmaan",
    "umar": "omar omer",
    "usama": "osama ousama",
    "ibrahim": "ebrahim ibraheem",
    "ismail": "ismael esmail",
    "mustafa": "mostafa moustafa mustapha",
    "qureshi": "qurashi koreshi kureishi qureishi",
    "chaudhry": "chaudhary choudhury chowdhury chaudhri choudhry",
    "tariq": "tarek tareq tarik",
    "khalid": "khaled",
    "rashid": "rasheed rachid",
    "hamid": "hameed",
    "majid": "majeed",
    "abdullah": "abdallah",
    "jafar": "jaafar jafer",
    "farooq": "faruq farouk farook",
    "aziz": "azeez",
    "karim": "kareem",
    "salim": "saleem",
    "sharif": "shareef",
    "zubair": "zubayr zobair",
    "yasin": "yaseen yassin yassine",
    "sheikh": "shaikh shaykh shaik",
    "iqbal": "ikbal",
    "zahir": "zaheer",
    "nasir": "naseer nasser",
    "bakr": "bakar bakir",
}
_CANONICAL = {v: canon for canon, variants in _VARIANT_TABLE.items() for v in [canon, *variants.split()]}
# Joined forms written as one word: "Abdulrahman" is "Abdul Rahman".
_JOINED_PREFIXES = ("abdul", "abdel", "abdur", "abdal", "abu")
_PARTICLES = frozenset("al el ul ud ur bin ibn bint binti ben van von der de da di du la le".split())
_TITLES = frozenset("mr mrs ms miss dr prof engr sir haji hajji".split())
_LEGAL_FORMS = frozenset(
    "ltd limited llc inc incorporated corp corporation co company plc pvt private sa ag gmbh "
    "bv nv fze fzco fzc llp lp the and of".split()
)
_SPECIAL = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"})
_APOSTROPHES = re.compile(r"['’‘`ʼʻ]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_VOWELS = frozenset("aeiouyhw")
_SOUND_CLASS = str.maketrans({"q": "k", "c": "k", "g": "j", "v": "f"})


# Scripts written without short vowels: their transliterations are consonant skeletons.
_UNVOWELLED_SCRIPTS = ("ARABIC", "HEBREW", "SYRIAC")
# Scripts whose transliteration runs syllables together ("王小明" → "WangXiaoMing"): the
# first syllable is the family name, the rest the given name ("wang xiaoming").
_SYLLABIC_SCRIPTS = ("CJK UNIFIED", "CJK COMPATIBILITY IDEOGRAPH", "HANGUL SYLLABLE")


def _foreign_letter(ch: str) -> bool:
    """A letter, mark or digit of a script other than Latin (those go through `anyascii`)."""
    if ch.isascii() or unicodedata.category(ch)[0] not in "LMN":
        return False
    return not unicodedata.name(ch, "").startswith("LATIN")


def transliterate(text: str) -> str:
    """The name with every letter of another script written in Latin letters (anyascii);
    Latin letters, punctuation and symbols are left for `fold`."""
    text = unicodedata.normalize("NFC", text or "")
    if text.isascii():
        return text
    out, in_syllables = [], 0
    for ch in text:
        if not _foreign_letter(ch):
            out.append(ch)
            in_syllables = 0
            continue
        latin = anyascii(ch)
        if unicodedata.name(ch, "").startswith(_SYLLABIC_SCRIPTS):
            out.append(f" {latin} " if in_syllables == 0 else latin)
            in_syllables += 1
            continue
        in_syllables = 0
        out.append(latin)
    return "".join(out)


# How a name was written, as far as matching cares.
LATIN, TRANSLITERATED, UNVOWELLED = 0, 1, 2


def reading(text: str) -> int:
    """LATIN; TRANSLITERATED when a letter is of another script (Cyrillic "Фарук" reads
    "faruk": spellings are lost, so words are also compared by their phonetic skeleton);
    UNVOWELLED when the script writes no short vowels (Arabic, Urdu, Hebrew: "فاروق" reads
    "frwq", and a first vowel may be missing too)."""
    if (text or "").isascii():
        return LATIN
    foreign = [ch for ch in text if _foreign_letter(ch)]
    if any(unicodedata.name(ch, "").startswith(_UNVOWELLED_SCRIPTS) for ch in foreign):
        return UNVOWELLED
    return TRANSLITERATED if foreign else LATIN


def fold(text: str) -> str:
    """Transliterate other scripts, casefold, strip diacritics ("Múhammad" → "muhammad"),
    drop apostrophes, and turn every other run of punctuation or space into one space."""
    decomposed = unicodedata.normalize("NFKD", transliterate(text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = _APOSTROPHES.sub("", bare.casefold().translate(_SPECIAL))
    return _NOT_WORD.sub(" ", bare).strip()


def _split_joined(word: str) -> list[str]:
    if word in _CANONICAL:  # "abdullah" is a name, not "abdul lah"
        return [word]
    for prefix in _JOINED_PREFIXES:
        if word.startswith(prefix) and len(word) >= len(prefix) + 3:
            return [prefix, word[len(prefix) :]]
    return [word]


def written_words(name: str, kind: str = PERSON) -> list[str]:
    """The folded words of a name that count, in their written order."""
    words = [part for word in fold(name).split() for part in _split_joined(word)]
    dropped = _TITLES | _PARTICLES | (_LEGAL_FORMS if kind == ENTITY else frozenset())
    return [w for w in words if w not in dropped] or words


def tokens(name: str, kind: str = PERSON) -> tuple[str, ...]:
    """The canonical words of a name, in their written order."""
    return tuple(_CANONICAL.get(w, w) for w in written_words(name, kind))


def skeleton(token: str) -> str:
    """A rough phonetic key: first sound, then consonants without repeats."""
    sounds = token.translate(_SOUND_CLASS)
    out = "a" if sounds[0] in _VOWELS else sounds[0]
    for ch in sounds[1:]:
        if ch not in _VOWELS and ch != out[-1]:
            out += ch
    return out


def skeletons(token: str, how: int = LATIN) -> set[str]:
    """The skeletons a word may have: written without short vowels, its first vowel may be
    missing too ("hmd" is "Ahmad", "ly" is "Ali"), so it also stands for "a" + the word."""
    if how != UNVOWELLED:
        return {skeleton(token)}
    return {skeleton(token), skeleton("a" + token)}


def _keys(words: tuple[str, ...], how: int = LATIN) -> tuple[set[str], set[str]]:
    """(keys an entry is indexed under, keys a subject looks up) for one name."""
    full = [(i, a) for i, w in enumerate(words) if len(w) > 1 for a in sorted(skeletons(w, how))]
    initials = {i for i, w in enumerate(words) if len(w) == 1}
    index, lookup = set(), set()
    if len(words) == 1:
        index.update("s:" + a for _i, a in full)
    for n, (i, a) in enumerate(full):
        lookup.add("s:" + a)
        for j, b in full[n + 1 :]:
            if j == i:
                continue
            pair = "p:" + "|".join(sorted((a, b)))
            index.add(pair)
            lookup.add(pair)
        for j, word in enumerate(words):
            if j == i:
                continue
            index.add(f"i:{a}|{word[0]}")
            lookup.add(f"e:{a}|{word[0]}")
            if j in initials:
                index.add(f"e:{a}|{word[0]}")
                lookup.add(f"i:{a}|{word[0]}")
    return index, lookup


def entry_keys(names, kind: str) -> list[str]:
    """The blocking keys of a list entry (its name and aliases): stored as match_keys."""
    keys = set()
    for name in names:
        keys |= _keys(tokens(name, kind), reading(name))[0]
    return sorted(keys)


def lookup_keys(name: str, kind: str) -> list[str]:
    """The keys to look up for a person or owner being screened."""
    return lookup_keys_of(tokens(name, kind), reading(name))


def lookup_keys_of(words: tuple[str, ...], how: int = LATIN) -> list[str]:
    return sorted(_keys(words, how)[1])


# --- Scoring.


@dataclass(frozen=True)
class Subject:
    """A key individual or beneficial owner, as screening sees them."""

    name: str
    kind: str = PERSON
    date_of_birth: datetime.date | None = None
    nationality: str = ""
    words: tuple[str, ...] = field(default=(), compare=False)
    how: int = field(default=LATIN, compare=False)  # reading(name)

    @classmethod
    def of(cls, name, kind=PERSON, date_of_birth=None, nationality=""):
        nationality = str(nationality or "").upper()
        return cls(name, kind, date_of_birth, nationality, tokens(name, kind), reading(name))

    @property
    def screenable(self) -> bool:
        """False when nothing of the name is left to compare (no letter or digit in any
        script): such a name is reported to the AML officers, never skipped silently."""
        return bool(self.words)

    def lookup_keys(self) -> list[str]:
        return lookup_keys_of(self.words, self.how)

    def fingerprint(self) -> str:
        """Changes when what is screened changes (not when the spelling only looks different)."""
        dob = self.date_of_birth.isoformat() if self.date_of_birth else ""
        raw = "|".join((self.kind, " ".join(sorted(self.words)), dob, self.nationality))
        return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """A list entry, as screening sees it: its names (primary first) already tokenised."""

    id: int
    kind: str
    names: tuple[tuple[str, tuple[str, ...]], ...]
    dates_of_birth: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()
    readings: tuple[int, ...] = ()  # per name: reading(name)

    @classmethod
    def of(cls, id, kind, name, aliases=(), dates_of_birth=(), nationalities=()):
        written = [n for n in dict.fromkeys([name, *aliases]) if n]
        names = tuple((n, tokens(n, kind)) for n in written)
        readings = tuple(reading(n) for n in written)
        return cls(id, kind, names, tuple(dates_of_birth), tuple(nationalities), readings)


def entry_fingerprint(kind, name, aliases, dates_of_birth, nationalities) -> str:
    """Changes when what screening reads of an entry changes (not its comments)."""
    data = [kind, name, list(aliases), list(dates_of_birth), list(nationalities)]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


@dataclass
class Match:
    score: float
    reasons: list[str]


_SIMILARITIES: dict[tuple[str, str], float] = {}  # names repeat: remember word pairs
_SKELETONS: dict[tuple[str, int], frozenset[str]] = {}


def _skeletons(word: str, how: int) -> frozenset[str]:
    known = _SKELETONS.get((word, how))
    if known is None:
        if len(_SKELETONS) > 200_000:
            _SKELETONS.clear()
        known = _SKELETONS[(word, how)] = frozenset(skeletons(word, how))
    return known


def word_similarity(a: str, b: str, how: int = LATIN) -> float:
    """How alike two words are (0 below TOKEN_FLOOR). When one of the names was written in
    another script (`how`, see `reading`), words with the same phonetic skeleton also match."""
    known = _latin_similarity(a, b)
    if how != LATIN and known < TRANSLITERATED_SIMILARITY and len(a) > 1 and len(b) > 1:
        if _skeletons(a, how) & _skeletons(b, how):
            return TRANSLITERATED_SIMILARITY
    return known


def _latin_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if (len(a) == 1) != (len(b) == 1):
        return INITIAL_SIMILARITY if a[0] == b[0] else 0.0
    if len(a) == 1:
        return 0.0
    known = _SIMILARITIES.get((a, b))
    if known is None:
        if len(_SIMILARITIES) > 500_000:
            _SIMILARITIES.clear()
        known = JaroWinkler.normalized_similarity(a, b)
        known = _SIMILARITIES[(a, b)] = known if known >= TOKEN_FLOOR else 0.0
    return known


def align(
    left: tuple[str, ...], right: tuple[str, ...], at_least: float = 0.0, how: int = LATIN
) -> tuple[float, list]:
    """Score two tokenised names; returns (score, [(i, j, similarity)]) of the paired words.

    With `at_least`, a pair that cannot reach it is given up early (score below it, no pairs).
    With `how` (a name written in another script), words are also compared by their
    phonetic skeletons (see `word_similarity`)."""
    if not left or not right:
        return 0.0, []
    short, long = sorted((len(left), len(right)))
    denominator = short + EXTRA_WORD_WEIGHT * (long - short)
    scored, bound = [], 0.0
    similar = _latin_similarity if how == LATIN else partial(word_similarity, how=how)
    for i, a in enumerate(left):
        best = 0.0
        for j, b in enumerate(right):
            similarity = similar(a, b)
            if similarity > 0:
                scored.append((similarity, i, j))
                best = max(best, similarity)
        bound += best
    if bound / denominator < at_least or (short > 1 and len(scored) < 2):
        return min(bound / denominator, 0.5), []
    scored.sort(reverse=True)
    used_left, used_right, pairs = set(), set(), []
    for similarity, i, j in scored:
        if i in used_left or j in used_right:
            continue
        used_left.add(i)
        used_right.add(j)
        pairs.append((i, j, similarity))
    score = sum(s for _i, _j, s in pairs) / denominator
    whole_words = sum(1 for i, j, s in pairs if len(left[i]) > 1 and len(right[j]) > 1)
    if whole_words == 0 or (short > 1 and len(pairs) < 2):
        score = min(score, 0.5)  # initials alone, or one word of a longer name, are not a match
    return score, pairs


def _years(value: str) -> tuple[int, str]:
    return int(value[:4]), value


def date_of_birth_adjustment(born, listed: tuple[str, ...], explain: bool = True) -> tuple[float, str]:
    """(points, sentence): the listed dates are ISO dates or years."""
    if born is None or not listed:
        return 0.0, ""
    exact = born.isoformat()
    if exact in listed:
        return DOB_EXACT, explain and _("date of birth matches %(date)s") % {"date": exact}
    years = [_years(v) for v in listed if len(v) >= 4 and v[:4].isdigit()]
    for year, value in years:
        if year == born.year:
            if len(value) == 4:
                return DOB_YEAR, explain and _("year of birth matches %(year)s") % {"year": year}
            return DOB_SAME_YEAR, explain and _("year of birth matches %(year)s (the day differs)") % {
                "year": year
            }
    close = any(abs(year - born.year) <= 2 for year, _v in years)
    if not explain:
        return (DOB_CLOSE if close else DOB_DIFFERS), ""
    values = {"ours": born.year, "theirs": ", ".join(v for _y, v in years) or ", ".join(listed)}
    if close:
        return DOB_CLOSE, _("date of birth close (%(ours)s; listed %(theirs)s)") % values
    return DOB_DIFFERS, _("date of birth differs (%(ours)s; listed %(theirs)s)") % values


def nationality_adjustment(ours: str, listed: tuple[str, ...], explain: bool = True) -> tuple[float, str]:
    if not ours or not listed:
        return 0.0, ""
    if ours in listed:
        return NATIONALITY_MATCHES, explain and _("nationality matches (%(code)s)") % {"code": ours}
    values = {"ours": ours, "theirs": "/".join(listed)}
    return NATIONALITY_DIFFERS, explain and _("nationality differs (%(ours)s vs %(theirs)s)") % values


def _explain_words(subject: Subject, written: str, kind: str, pairs) -> list[str]:
    """Sentences for the officer: spelling variants, initials, word order."""
    ours, theirs = written_words(subject.name, subject.kind), written_words(written, kind)
    notes = []
    for i, j, similarity in pairs:
        a, b = ours[i], theirs[j]
        if len(a) == 1 or len(b) == 1:
            initial, word = sorted((a, b), key=len)
            values = {"initial": initial.upper(), "word": word}
            notes.append(_("initial “%(initial)s” read as “%(word)s”") % values)
        elif similarity == 1 and a != b:
            notes.append(_("“%(a)s” is a spelling of “%(b)s”") % {"a": a, "b": b})
        elif similarity < 1:
            notes.append(_("“%(a)s” is close to “%(b)s” (%(s).2f)") % {"a": a, "b": b, "s": similarity})
    order = [j for _i, j, _s in sorted(pairs)]
    if order != sorted(order):
        notes.append(_("the words are in a different order"))
    for text in dict.fromkeys((subject.name, written)):
        if reading(text) != LATIN:
            values = {"name": text, "latin": " ".join(written_words(text, kind))}
            notes.append(_("“%(name)s” read as “%(latin)s” (written in another script)") % values)
    if reading(subject.name) == LATIN and " ".join(subject.name.casefold().split()) != fold(subject.name):
        notes.append(_("accents, punctuation and spacing ignored"))
    return notes


def score(subject: Subject, entry: Entry, *, explain: bool = True, minimum: float = 0.0) -> Match | None:
    """How well `subject` matches `entry`, or None when they are of different kinds.

    With `minimum` (and no explanation), a pair that cannot reach it is given up early: its
    score is then only known to be below `minimum`."""
    if subject.kind != entry.kind:
        return None
    at_least = 0.0 if explain else max(minimum - MAX_BONUS, NAME_FLOOR if minimum else 0.0)
    best, best_index, best_pairs = -1.0, 0, []
    latin = subject.how == LATIN and not any(entry.readings)  # the usual case: no script aside
    for index, (_written, words) in enumerate(entry.names):
        how = LATIN if latin else max(subject.how, entry.readings[index] if entry.readings else LATIN)
        value, pairs = align(subject.words, words, at_least, how)
        if value > best:
            best, best_index, best_pairs = value, index, pairs
    if best < NAME_FLOOR:  # the name is too far off for the date of birth to matter
        return Match(round(max(best, 0.0), 2), [])
    dob, dob_reason = date_of_birth_adjustment(subject.date_of_birth, entry.dates_of_birth, explain)
    nat, nat_reason = nationality_adjustment(subject.nationality, entry.nationalities, explain)
    total = round(max(0.0, min(1.0, best + dob + nat)), 2)
    if not explain:
        return Match(total, [])
    written = entry.names[best_index][0]
    if best_index == 0:
        reasons = [_("name matches “%(name)s” (%(score).2f)") % {"name": written, "score": best}]
    else:
        reasons = [_("name matches alias “%(name)s” (%(score).2f)") % {"name": written, "score": best}]
    reasons += _explain_words(subject, written, entry.kind, best_pairs)
    reasons += [r for r in (dob_reason, nat_reason) if r]
    return Match(total, reasons)


class Index:
    """Entries by blocking key, for screening many subjects at once in memory."""

    def __init__(self):
        self.by_key: dict[str, list[int]] = {}

    def add(self, entry_id: int, keys) -> None:
        for key in keys:
            self.by_key.setdefault(key, []).append(entry_id)

    def candidates(self, keys) -> set[int]:
        found: set[int] = set()
        for key in keys:
            found.update(self.by_key.get(key, ()))
        return found
