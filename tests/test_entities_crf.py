"""The statistical entity recogniser (`corpus/extract/entities/crf.py`) with the shipped model."""

from __future__ import annotations

from importlib import resources

from corpus.extract.entities import crf, find_entities


def test_the_model_ships_as_package_data_within_its_budget() -> None:
    model = resources.files("corpus.data").joinpath(crf.MODEL_NAME)
    assert model.is_file()
    assert model.stat().st_size <= 20_000_000


def test_tokens_keep_their_offsets_and_abbreviations() -> None:
    text = "J. Okonkwo met U.S. officials in Lagos."
    toks = crf.tokenise(text)
    assert [t for t, _ in toks] == ["J.", "Okonkwo", "met", "U.S.", "officials", "in", "Lagos", "."]
    assert all(text[o:o + len(t)] == t for t, o in toks)


def test_spans_read_bio_tags() -> None:
    assert crf.spans(["B-PER", "I-PER", "O", "I-LOC", "B-ORG", "B-ORG"]) == [
        (0, 2, "PER"), (3, 4, "LOC"), (4, 5, "ORG"), (5, 6, "ORG")]


def test_names_no_gazetteer_lists_are_found_by_the_model() -> None:
    # none of these names is in corpus/data/entities_*.txt: the rules alone miss them
    found = {(e.text, e.type) for e in find_entities("", [
        "Tendai Mukwashi, the finance minister, flew to Bulawayo on Monday to meet bankers.",
        "Mukwashi said the Reserve Bank of Zimbabwe would publish its figures next week.",
    ])}
    assert ("Tendai Mukwashi", "PER") in found
    assert ("Reserve Bank of Zimbabwe", "ORG") in found


def test_the_tagger_is_loaded_once_per_process() -> None:
    find_entities("", ["Ama Owusu spoke in Kumasi."])
    first = crf._tagger()
    find_entities("", ["Kofi Boateng spoke in Tamale."])
    assert crf._tagger() is first
