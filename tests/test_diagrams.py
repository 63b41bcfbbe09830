"""The state-machine diagrams in docs/diagrams are drawn from the code and must not drift."""

import importlib.util
from pathlib import Path

import pytest

DIAGRAMS = Path(__file__).resolve().parents[1] / "docs" / "diagrams"


def _generator():
    spec = importlib.util.spec_from_file_location("diagrams_generate", DIAGRAMS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _generator()


@pytest.mark.parametrize("name", [f"{stem}.dot" for stem, *_rest in generate.MACHINES])
def test_committed_diagram_matches_the_state_machine_in_the_code(name):
    expected = generate.all_dots()[name]
    path = DIAGRAMS / name
    committed = path.read_text(encoding="utf-8") if path.exists() else ""
    assert committed == expected, (
        f"docs/diagrams/{name} no longer matches the transitions in the code. Regenerate the "
        "diagrams with `.venv/bin/python docs/diagrams/generate.py` and commit the .dot and .svg files."
    )


def test_every_machine_has_an_svg_next_to_its_dot_file():
    for stem, *_rest in generate.MACHINES:
        assert (DIAGRAMS / f"{stem}.svg").exists(), (
            f"docs/diagrams/{stem}.svg is missing: run `.venv/bin/python docs/diagrams/generate.py` "
            "with Graphviz installed."
        )


def test_diagram_shows_every_transition_of_the_application_machine():
    text = generate.all_dots()["application_status.dot"]
    for name in (
        "submit",
        "start_review",
        "request_information",
        "recommend",
        "approve",
        "withdraw",
        "lapse",
    ):
        assert f'[label="{name}\\n' in text
