"""The statistical entity recogniser (`corpus/extract/entities/crf.py`) with the shipped model."""

from __future__ import annotations

from importlib import resources

import pytest

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


@pytest.fixture(autouse=True)
def _no_crash(caplog):
    """`find_entities` answers [] when it fails: a test expecting [] must not pass on a crash."""
    yield
    assert not [r for r in caplog.records if "entity recognition failed" in r.getMessage()]


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


BROOKES = ["Prime Minister Basil Brooke spoke first.", "The plan Quorrin Brooke drew up failed.",
           "Brooke left early."]


def test_a_different_name_sharing_a_word_with_the_rules_is_kept_and_a_part_of_theirs_is_not(monkeypatch) -> None:
    # the rules know Basil Brooke by his title; the CRF also finds another Brooke, and the bare surname
    _crf_saying(monkeypatch, BROOKES, [(1, "Quorrin Brooke", "PER", 0.9), (2, "Brooke", "PER", 0.9)])
    assert [(e.text, e.type) for e in find_entities("", BROOKES)] == [
        ("Basil Brooke", "PER"), ("Quorrin Brooke", "PER")]


WRITERS = ["She won an award from the Mystery Writers of America last year.", "The jury praised her plot."]


def test_a_rules_name_only_ever_inside_a_longer_crf_name_gives_way_to_it(monkeypatch) -> None:
    # the gazetteers know America; here it is only a piece of an organisation's name
    monkeypatch.setattr(crf, "WHOLE_NAMES", 0.5)
    _crf_saying(monkeypatch, WRITERS, [(0, "Mystery Writers of America", "ORG", 0.9)])
    assert [(e.text, e.type) for e in find_entities("", WRITERS)] == [("Mystery Writers of America", "ORG")]
    # not below the floor, and not when the name also stands on its own
    _crf_saying(monkeypatch, WRITERS, [(0, "Mystery Writers of America", "ORG", 0.4)])
    assert ("America", "LOC") in {(e.text, e.type) for e in find_entities("", WRITERS)}
    alone = WRITERS + ["America voted later."]
    _crf_saying(monkeypatch, alone, [(0, "Mystery Writers of America", "ORG", 0.9)])
    assert {("America", "LOC"), ("Mystery Writers of America", "ORG")} <= {
        (e.text, e.type) for e in find_entities("", alone)}
    monkeypatch.setattr(crf, "WHOLE_NAMES", None)
    _crf_saying(monkeypatch, WRITERS, [(0, "Mystery Writers of America", "ORG", 0.9)])
    assert [(e.text, e.type) for e in find_entities("", WRITERS)] == [("America", "LOC")]


@pytest.mark.parametrize(("text", "longer", "name"), [
    ("The ship was Sierra Leone-flagged and old.", "Sierra Leone-flagged", "Sierra Leone"),  # a hyphened suffix
    ("Aid went to Kenya’s Northern Frontier that year.", "Kenya’s Northern Frontier", "Kenya"),  # a possessor
    ("Troops of the United Nations mission Veltra left.", "United Nations mission Veltra",
     "United Nations"),                                                                       # a lower-case word
    ("Officials in Geneva said little.", "Officials in Geneva", "Geneva"),                    # a sentence's first word
    ("The Sierra Leone-flagged Ocean Star sank.", "Sierra Leone-flagged Ocean Star", "Sierra Leone"),
    ("Delegates from the G20's Common Framework met.", "G20's Common Framework", "G20"),     # a possessor, ASCII
    ("She flew to Paris, France on Monday.", "Paris, France", "France"),                     # a list of names
    ("She flew to Paris, France on Monday.", "Paris, France", "Paris"),
])
def test_a_longer_crf_span_that_is_no_one_name_leaves_the_rules_name(monkeypatch, text, longer, name) -> None:
    monkeypatch.setattr(crf, "WHOLE_NAMES", 0.5)
    _crf_saying(monkeypatch, [text], [(0, longer, "LOC", 0.95)])
    assert name in {e.text for e in find_entities("", [text])}


def test_a_longer_crf_name_that_only_adds_a_title_or_an_article_leaves_the_rules_name(monkeypatch) -> None:
    monkeypatch.setattr(crf, "WHOLE_NAMES", 0.5)
    legg = ["Sir Thomas Legg reviewed the claims."]
    _crf_saying(monkeypatch, legg, [(0, "Sir Thomas Legg", "PER", 0.95)])
    assert [(e.text, e.type) for e in find_entities("", legg)] == [("Thomas Legg", "PER")]
    states = ["Envoys from the United States arrived."]
    _crf_saying(monkeypatch, states, [(0, "the United States", "LOC", 0.95)])
    assert [e.text for e in find_entities("", states)] == ["United States"]


VELTRANO = ["Veltrano was calm when the talks began.", "The delegates waited."]


def test_a_word_no_list_knows_at_a_sentence_start_needs_the_crf_to_be_sure(monkeypatch) -> None:
    _crf_saying(monkeypatch, VELTRANO, [(0, "Veltrano", "PER", 0.95)])
    monkeypatch.setattr(crf, "SENTENCE_START", None)
    assert find_entities("", VELTRANO) == []
    monkeypatch.setattr(crf, "SENTENCE_START", 0.9)
    assert [(e.text, e.type) for e in find_entities("", VELTRANO)] == [("Veltrano", "PER")]
    _crf_saying(monkeypatch, VELTRANO, [(0, "Veltrano", "PER", 0.8)])
    assert find_entities("", VELTRANO) == []


def test_a_crf_name_starting_with_a_lower_case_article_is_the_name_without_it(monkeypatch) -> None:
    commission = ["Talks with the Veltrano Bramwell resumed."]  # a name the rules do not find
    _crf_saying(monkeypatch, commission, [(0, "the Veltrano Bramwell", "ORG", 0.9)])
    assert [(e.text, e.type) for e in find_entities("", commission)] == [("Veltrano Bramwell", "ORG")]


def test_a_sentences_first_common_word_is_not_part_of_a_crf_name(monkeypatch) -> None:
    allies = ["Allies agreed on Monday."]
    _crf_saying(monkeypatch, allies, [(0, "Allies", "ORG", 0.9)])
    assert find_entities("", allies) == []
    counting = ["Counting Veltrano Bramwell, the total rose."]
    _crf_saying(monkeypatch, counting, [(0, "Counting Veltrano Bramwell", "PER", 0.9)])
    assert [(e.text, e.type) for e in find_entities("", counting)] == [("Veltrano Bramwell", "PER")]


def test_a_longer_crf_name_in_a_headline_does_not_replace_the_rules_name(monkeypatch) -> None:
    monkeypatch.setattr(crf, "WHOLE_NAMES", 0.5)
    title = "Mystery Writers of America Honour Her"
    # the title is paragraph 0; the CRF runs "Mystery Writers of America" together there
    monkeypatch.setattr(crf, "tag_paragraphs", lambda texts, min_marginal=None: [(0, 0, 26, "ORG", 0.9)])
    assert ("America", "LOC") in {(e.text, e.type) for e in find_entities(title, ["She won the prize last year."])}
