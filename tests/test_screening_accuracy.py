"""Screening accuracy on the labelled evaluation set (tests/data/screening_eval*.csv, made by
bench/make_screening_eval.py): recall at least 0.98 with precision at least 0.9."""

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "screening_accuracy.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("screening_accuracy", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_evaluation_set_is_a_few_hundred_labelled_rows_of_both_kinds():
    result = load_bench().evaluate()
    assert result["queries"] >= 300
    assert 100 <= result["positives"] <= result["queries"] - 100


def test_screening_finds_at_least_98_percent_of_variants_with_at_least_90_percent_precision():
    result = load_bench().evaluate()
    assert result["recall"] >= 0.98, result["examples"][:10]
    assert result["precision"] >= 0.9, result["examples"][:10]
