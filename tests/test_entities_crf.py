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


def _crf_saying(monkeypatch, paragraphs: list[str], said: list[tuple[int, str, str, float]]) -> None:
    """Make the CRF find, in paragraph `p` of `paragraphs`, the word `w` with type and confidence."""
    spans = []
    for p, w, typ, conf in said:
        a = paragraphs[p].index(w)
        spans.append((p + 1, a, a + len(w), typ, conf))  # paragraph 0 is the title
    monkeypatch.setattr(crf, "tag_paragraphs", lambda texts, min_marginal=None: spans)


VARDENIS = ["We talked about Vardenis and the budget.", "Nobody thought Vardenis would matter.",
            "Later Vardenis came up again."]


def test_a_name_the_crf_finds_several_times_takes_the_type_most_mentions_give(monkeypatch) -> None:
    # the first mention says PER, the other two LOC: the name is a place, given once
    _crf_saying(monkeypatch, VARDENIS, [(0, "Vardenis", "PER", 0.7), (1, "Vardenis", "LOC", 0.8),
                                        (2, "Vardenis", "LOC", 0.9)])
    assert [(e.text, e.type) for e in find_entities("", VARDENIS)] == [("Vardenis", "LOC")]


def test_a_name_most_mentions_call_misc_is_left_out(monkeypatch) -> None:
    _crf_saying(monkeypatch, VARDENIS, [(0, "Vardenis", "ORG", 0.6), (1, "Vardenis", "MISC", 0.9),
                                        (2, "Vardenis", "MISC", 0.9)])
    assert find_entities("", VARDENIS) == []


BRENVIK = ["Talks stalled on Monday, according to Brenvik, who said the offer was too low."]


def test_a_name_typed_only_by_its_context_needs_the_crf_to_agree_when_asked(monkeypatch) -> None:
    # the rules type "Brenvik" as a person only from ", who said"
    monkeypatch.setattr(crf, "CONFIRM_CUES", 0.5)
    _crf_saying(monkeypatch, BRENVIK, [])
    assert find_entities("", BRENVIK) == []
    _crf_saying(monkeypatch, BRENVIK, [(0, "Brenvik", "PER", 0.4)])
    assert find_entities("", BRENVIK) == []
    _crf_saying(monkeypatch, BRENVIK, [(0, "Brenvik", "PER", 0.8)])
    assert [(e.text, e.type) for e in find_entities("", BRENVIK)] == [("Brenvik", "PER")]
    monkeypatch.setattr(crf, "CONFIRM_CUES", None)
    _crf_saying(monkeypatch, BRENVIK, [])
    assert [(e.text, e.type) for e in find_entities("", BRENVIK)] == [("Brenvik", "PER")]


def test_word_clusters_ship_and_group_words_used_alike() -> None:
    table = crf.clusters()
    assert len(table) > 20_000
    fine = {w: table[w][-1] for w in ("Paris", "Geneva", "Vienna", "said", "announced")}
    assert fine["Paris"] == fine["Geneva"] == fine["Vienna"]
    assert fine["said"] == fine["announced"] != fine["Paris"]
    feats = crf.token_features(["Vienna", "said"])
    assert f"c2={fine['Vienna']}" in feats[0]
