"""Screening accuracy on the labelled evaluation set: prints recall and precision.

    .venv/bin/python bench/screening_accuracy.py

The set (tests/data/screening_eval*.csv, made by bench/make_screening_eval.py with a fixed
seed) is screened exactly as the portal screens: the list is read by the national CSV
parser, candidates come from the entries' blocking keys, and aml.matching scores them.

- recall: the share of labelled variants for which the right entry raised an alert;
- precision: the share of all alerts raised (over every query) that point at the right entry.

Target: recall >= 0.98 with precision >= 0.9 (tests/test_screening_accuracy.py asserts it).
"""

import collections
import csv
import datetime
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))


def evaluate(data=DATA) -> dict:
    from aml import matching
    from aml.sanctions import parse_csv

    index, entries = matching.Index(), {}
    for n, parsed in enumerate(parse_csv((data / "screening_eval_list.csv").read_bytes()), start=1):
        entries[n] = (
            parsed.reference,
            matching.Entry.of(
                n, parsed.kind, parsed.name, parsed.aliases, parsed.dates_of_birth, parsed.nationalities
            ),
        )
        index.add(n, matching.entry_keys([parsed.name, *parsed.aliases], parsed.kind))
    true_hits = false_hits = positives = 0
    missed = collections.Counter()
    examples = []
    with open(data / "screening_eval.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            born = datetime.date.fromisoformat(row["date_of_birth"]) if row["date_of_birth"] else None
            subject = matching.Subject.of(row["query"], matching.PERSON, born, row["nationality"])
            alerts = set()
            for pk in index.candidates(subject.lookup_keys()):
                reference, entry = entries[pk]
                match = matching.score(subject, entry, explain=False, minimum=matching.ALERT_THRESHOLD)
                if match.score >= matching.ALERT_THRESHOLD:
                    alerts.add(reference)
            expected = row["reference"] if row["label"] == "1" else None
            positives += expected is not None
            true_hits += expected in alerts
            false_hits += len(alerts - {expected})
            if expected and expected not in alerts:
                missed[row["variant"]] += 1
                examples.append(f"missed {row['query']!r} ({row['variant']}) for {expected}")
            for wrong in sorted(alerts - {expected}):
                examples.append(f"false alert {row['query']!r} ({row['variant']}) on {wrong}")
    raised = true_hits + false_hits
    return {
        "queries": sum(1 for _ in open(data / "screening_eval.csv", encoding="utf-8")) - 1,
        "positives": positives,
        "recall": true_hits / positives if positives else 1.0,
        "precision": true_hits / raised if raised else 1.0,
        "true_alerts": true_hits,
        "false_alerts": false_hits,
        "missed_by_variant": dict(missed),
        "examples": examples,
    }


def main():
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    result = evaluate()
    print(f"queries: {result['queries']} ({result['positives']} labelled variants)")
    print(f"alerts: {result['true_alerts']} right, {result['false_alerts']} wrong")
    print(f"recall:    {result['recall']:.3f}  (target >= 0.98)")
    print(f"precision: {result['precision']:.3f}  (target >= 0.90)")
    if result["missed_by_variant"]:
        print("missed by variant:", result["missed_by_variant"])
    for line in result["examples"][:20]:
        print("  " + line)


if __name__ == "__main__":
    main()
