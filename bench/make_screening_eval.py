"""Generate the labelled screening evaluation set (fixed seed, so the files are reproducible).

    .venv/bin/python bench/make_screening_eval.py

Writes two files under tests/data/:

- screening_eval_list.csv: a FICTIONAL watch list in the national CSV format (importable
  with `manage.py import_sanctions_list --format csv`). Surnames are invented; no row is,
  or is meant to be, a real listed person.
- screening_eval.csv: queries, each labelled: `label` 1 means the query is a variant of the
  entry `reference` (transliteration, word order, initials, diacritics, spacing and
  punctuation, an alias, a dropped middle name, a typo); 0 means it must not match any
  entry (a different name, the same given names with another surname, the same surname
  with other given names).
"""

import csv
import pathlib
import random
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20260115
ENTRIES = 120
NEGATIVES = 220

GIVEN = (
    "Muhammad Ahmad Ali Hussain Hassan Yousaf Usman Umar Ibrahim Mustafa Khalid Tariq Rashid Hamid "
    "Imran Bilal Farooq Salim Zubair Jafar Karim Nasir Ismail Aziz Majid Fatima Ayesha Zainab Maryam "
    "Khadija Sana Nadia Rukhsana Shazia Farida Abdullah Usama Zahir Iqbal"
).split()
TITLES = ("Syed", "Sheikh", "Abdul")
SURNAMES = (
    "Zarkhel Darwazi Qalandari Ghaznafar Khattakzai Tolani Wazirabadi Noorzandi Sarbanzi Mirdadi "
    "Kohistari Barakzoy Shinwarai Hotakzai Lodhiwal Niazmand Durranzi Yarkandi Pashtunyar Ghorbandi "
    "Kakarzai Jalalkoti Samarqani Bukharzai Tirahvi Swatizai Hazarvandi Kalatzai Mastungi Zhobwal "
    "Qasimzai Peshinvi Gwadarzai Turbatwal Chagharzi Nushkandi Kharanvi Dalbandi Awaranzai Lasbelvi"
).split()
OTHER_SURNAMES = "Haqzadi Rahbarwal Sultanyar Daryabadi Mehranzi Sorabvi Karezwal Sabzandi".split()
DIFFERENT = (
    "John Watson|Mei Lin Chen|Olga Petrova|Carlos Mendes|Amara Okafor|Hiroshi Tanaka|Emma Larsen|"
    "Rahul Verma|Sofia Rossi|Lukas Becker|Priya Nair|Tomás Herrera|Aylin Demir|Kwame Mensah|"
    "Ingrid Solberg|Dmitri Volkov|Nguyen Van An|Fiona MacLeod|Ravi Shankar Iyer|Leila Haddad"
).split("|")
COUNTRIES = ("PK", "AF", "AE", "SA", "YE", "GB", "IR", "SY")
ACCENTS = str.maketrans({"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ü"})


def variant_table():
    from aml.matching import _VARIANT_TABLE

    return {canon: variants.split() for canon, variants in _VARIANT_TABLE.items()}


def make_entries(rng):
    entries = []
    for n in range(1, ENTRIES + 1):
        given = rng.sample(GIVEN, rng.choice((1, 2, 2)))
        if rng.random() < 0.2:
            given = [rng.choice(TITLES), *given]
        name = " ".join([*given, SURNAMES[(n - 1) % len(SURNAMES)]])  # each surname thrice: families
        aliases = []
        if rng.random() < 0.4:
            aliases.append(f"Abu {rng.choice(GIVEN)} {name.split()[-1]}")
        born = f"{rng.randint(1950, 1995)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        dates = [born if rng.random() < 0.7 else born[:4]] if rng.random() < 0.8 else []
        nationalities = [rng.choice(COUNTRIES)] if rng.random() < 0.8 else []
        entries.append(
            {
                "reference": f"EVAL-{n:04d}",
                "kind": "person",
                "name": name,
                "aliases": ";".join(aliases),
                "dates_of_birth": ";".join(dates),
                "nationalities": ";".join(nationalities),
            }
        )
    return entries


def vary(rng, entry, kind, table):
    words = entry["name"].split()
    if kind == "transliteration":
        swapped = [rng.choice(table[w.lower()]).capitalize() if w.lower() in table else w for w in words]
        return " ".join(swapped) if swapped != words else None
    if kind == "word_order":
        return " ".join([words[-1], *words[:-1]])
    if kind == "initials":
        return " ".join([*(f"{w[0]}." for w in words[:-1]), words[-1]]) if len(words) > 2 else None
    if kind == "diacritics":
        accented = rng.randrange(len(words))
        return " ".join(
            w[0] + w[1:].translate(ACCENTS) if i == accented or rng.random() < 0.5 else w
            for i, w in enumerate(words)
        )
    if kind == "spacing":
        return "  " + ", ".join(w.upper() if rng.random() < 0.5 else w.lower() for w in words) + ". "
    if kind == "alias":
        return entry["aliases"].split(";")[0] if entry["aliases"] else None
    if kind == "dropped_middle":
        return " ".join([words[0], *words[2:]]) if len(words) > 3 else None
    if kind == "typo":
        long = [i for i, w in enumerate(words) if len(w) >= 6]
        if not long:
            return None
        i = rng.choice(long)
        w = words[i]
        j = rng.randrange(2, len(w) - 1)
        words[i] = w[:j] + w[j] + w[j:]  # a doubled letter
        return " ".join(words)
    raise ValueError(kind)


KINDS = (
    "transliteration",
    "word_order",
    "initials",
    "diacritics",
    "spacing",
    "alias",
    "dropped_middle",
    "typo",
)


def make_queries(rng, entries):
    from aml.matching import tokens

    table = variant_table()
    rows = []
    for entry in entries:
        for kind in rng.sample(KINDS, len(KINDS)):
            if sum(1 for r in rows if r["reference"] == entry["reference"]) >= 3:
                break
            name = vary(rng, entry, kind, table)
            if not name:
                continue
            dob = entry["dates_of_birth"].split(";")[0] if rng.random() < 0.5 else ""
            dob = dob if len(dob) == 10 else ""
            nationality = entry["nationalities"] if rng.random() < 0.5 else ""
            rows.append(
                {"query": name, "date_of_birth": dob, "nationality": nationality}
                | {"reference": entry["reference"], "label": 1, "variant": kind}
            )
    listed = [
        set(tokens(e["name"])) | {t for a in e["aliases"].split(";") if a for t in tokens(a)} for e in entries
    ]
    negatives = 0
    while negatives < NEGATIVES:
        roll = rng.random()
        if roll < 0.3:
            name, kind = rng.choice(DIFFERENT), "different_name"
        elif roll < 0.65:
            name = " ".join([*rng.sample(GIVEN, 2), rng.choice(OTHER_SURNAMES)])
            kind = "same_given_names_other_surname"
        else:
            name = " ".join([*rng.sample(GIVEN, 2), rng.choice(SURNAMES)])
            kind = "same_surname_other_given_names"
        words = set(tokens(name))
        if any(len(words & names) >= 2 for names in listed):
            continue  # shares two words with a listed name: not clearly a different person
        rows.append(
            {"query": name, "date_of_birth": "", "nationality": ""}
            | {"reference": "", "label": 0, "variant": kind}
        )
        negatives += 1
    return rows


def main():
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    rng = random.Random(SEED)
    entries = make_entries(rng)
    queries = make_queries(rng, entries)
    data = ROOT / "tests" / "data"
    data.mkdir(exist_ok=True)
    with open(data / "screening_eval_list.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(entries[0]))
        writer.writeheader()
        writer.writerows(entries)
    with open(data / "screening_eval.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(queries[0]))
        writer.writeheader()
        writer.writerows(queries)
    positives = sum(r["label"] for r in queries)
    negatives = len(queries) - positives
    print(f"{len(entries)} list entries; {len(queries)} queries ", end="")
    print(f"({positives} variants, {negatives} non-matching)")


if __name__ == "__main__":
    main()
