"""The entity recogniser (`corpus.extract.entities.find_entities`): what a researcher sees in the entity facet.

The paragraphs below were written for these tests; each one exercises a rule (titles, propagation of a
surname, acronyms, head words, demonyms, sentence-initial words) the way commentaries use it.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.document import ENTITY_TYPES, Entity
from corpus.extract.entities import find_entities

CAMBODIA = [
    "Prime Minister Hun Manet has kept the foreign policy he inherited from his father, Hun Sen, who "
    "ruled Cambodia for almost four decades. The Cambodian People's Party (CPP) still controls every "
    "seat in the National Assembly.",
    "Critics in Washington argue that the upgrade of the Ream Naval Base gives China a foothold on the "
    "Gulf of Thailand. Hun Manet insists that no foreign troops will be stationed there.",
    "Opposition leader Kem Sokha remains barred from politics. Sokha's supporters say the charges "
    "against him were political.",
]

SUMMIT = [
    "US President Barack Obama travelled to Phnom Penh in 2012 for the East Asia Summit. Obama raised "
    "human rights with his hosts, while Chinese Foreign Minister Wang Yi spoke about the South China Sea.",
    "Later, Secretary of State Antony Blinken met Foreign Minister Prak Sokhonn on the sidelines of the "
    "ASEAN Regional Forum.",
]

TRADE = [
    "The World Trade Organization (WTO) has struggled since its Appellate Body stopped working. "
    "Ngozi Okonjo-Iweala, the WTO's director-general, has pleaded for reform, and the International "
    "Monetary Fund warned that fragmentation could cost the world economy dearly.",
    "Meanwhile the Belt and Road Initiative has financed ports from Sihanoukville to Gwadar.",
]

MIDDLE_EAST = [
    "Turkish President Recep Tayyip Erdoğan hosted Palestinian President Mahmoud Abbas in Ankara. "
    "Erdoğan called for an end to the fighting in Gaza and criticised the European Union for its silence.",
    "Ethiopian Prime Minister Abiy Ahmed, who won the Nobel Peace Prize in 2019, later faced a war in "
    "Tigray. Abiy has since looked to the Gulf for money.",
]

HISTORY = [
    "The Cold War shaped Southeast Asia. After the Paris Peace Agreements of 1991, the United Nations "
    "sent a mission to Cambodia, and the Khmer Rouge slowly collapsed.",
    "However, memories of the Khmer Rouge regime still shape Cambodian politics. Many Cambodians also "
    "remember the American bombing campaign.",
]

SOUTH_ASIA = [
    "Indian Prime Minister Narendra Modi has courted Washington without abandoning Moscow. "
    "Modi's government buys Russian oil, and New Delhi abstained at the UN Security Council.",
    "Pakistan's army chief met officials at the Pentagon. Islamabad hopes the International Monetary "
    "Fund will extend its loan.",
]

AFRICA = [
    "The African Union suspended Niger after the coup, and ECOWAS threatened to intervene. Nigerian "
    "President Bola Tinubu chairs the regional bloc, which has struggled to restore civilian rule.",
    "Mali and Burkina Faso have since turned to Russia. The Wagner Group, renamed Africa Corps, "
    "operates across the Sahel.",
]

EUROPE = [
    "German Chancellor Olaf Scholz and French President Emmanuel Macron disagree about the European "
    "Commission's plans. Macron wants a stronger European defence industry; Scholz fears the cost.",
    "Ukrainian President Volodymyr Zelenskyy asked NATO for air defence. Zelenskyy spoke in Kyiv on Monday.",
]

ALL_PARAGRAPHS = CAMBODIA + SUMMIT + TRADE + MIDDLE_EAST + HISTORY + SOUTH_ASIA + AFRICA + EUROPE


def entities(title: str, paragraphs: list[str]) -> dict[str, str]:
    return {e.text: e.type for e in find_entities(title, paragraphs)}


def texts(title: str, paragraphs: list[str]) -> list[str]:
    return [e.text for e in find_entities(title, paragraphs)]


# --- types of the names a commentary uses -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (CAMBODIA, {"Hun Manet": "PER", "Hun Sen": "PER", "Cambodia": "LOC", "Washington": "LOC",
                    "Cambodian People's Party": "ORG", "National Assembly": "ORG", "Ream Naval Base": "LOC",
                    "China": "LOC", "Gulf of Thailand": "LOC", "Kem Sokha": "PER"}),
        (SUMMIT, {"US": "LOC", "Barack Obama": "PER", "Phnom Penh": "LOC", "East Asia Summit": "MISC",
                  "Wang Yi": "PER", "South China Sea": "LOC", "Antony Blinken": "PER", "Prak Sokhonn": "PER",
                  "ASEAN Regional Forum": "ORG"}),
        (TRADE, {"World Trade Organization": "ORG", "Ngozi Okonjo-Iweala": "PER",
                 "International Monetary Fund": "ORG", "Belt and Road Initiative": "MISC",
                 "Sihanoukville": "LOC", "Gwadar": "LOC"}),
        (MIDDLE_EAST, {"Recep Tayyip Erdoğan": "PER", "Mahmoud Abbas": "PER", "Ankara": "LOC", "Gaza": "LOC",
                       "European Union": "ORG", "Abiy Ahmed": "PER", "Tigray": "LOC", "Gulf": "LOC"}),
        (HISTORY, {"Cold War": "MISC", "Southeast Asia": "LOC", "Paris Peace Agreements": "MISC",
                   "United Nations": "ORG", "Cambodia": "LOC", "Khmer Rouge": "ORG"}),
        (SOUTH_ASIA, {"Narendra Modi": "PER", "Washington": "LOC", "Moscow": "LOC", "New Delhi": "LOC",
                      "UN Security Council": "ORG", "Pakistan": "LOC", "Pentagon": "ORG", "Islamabad": "LOC",
                      "International Monetary Fund": "ORG"}),
        (AFRICA, {"African Union": "ORG", "Niger": "LOC", "ECOWAS": "ORG", "Bola Tinubu": "PER", "Mali": "LOC",
                  "Burkina Faso": "LOC", "Russia": "LOC", "Wagner Group": "ORG", "Sahel": "LOC"}),
        (EUROPE, {"Olaf Scholz": "PER", "Emmanuel Macron": "PER", "European Commission": "ORG",
                  "Volodymyr Zelenskyy": "PER", "NATO": "ORG", "Kyiv": "LOC"}),
    ],
    ids=["cambodia", "summit", "trade", "middle-east", "history", "south-asia", "africa", "europe"],
)
def test_finds_names_with_their_type(paragraphs: list[str], expected: dict[str, str]) -> None:
    found = entities("", paragraphs)
    assert {text: found.get(text) for text in expected} == expected


def test_titles_are_not_part_of_a_name() -> None:
    found = texts("", SUMMIT + EUROPE)
    assert "Barack Obama" in found and "Antony Blinken" in found and "Olaf Scholz" in found
    for text in found:
        assert not text.startswith(("President", "Secretary", "Foreign Minister", "Chancellor", "US President"))


def test_demonyms_and_sentence_initial_words_are_not_entities() -> None:
    found = texts("", ALL_PARAGRAPHS)
    for word in ("Cambodian", "Cambodians", "Chinese", "American", "Turkish", "Nigerian", "Ukrainian",
                 "German", "French", "Russian", "Critics", "However", "Many", "Later", "Meanwhile", "The",
                 "Monday", "Opposition", "Prime Minister", "President"):
        assert word not in found


def test_a_surname_is_the_person_named_in_full() -> None:
    found = texts("", CAMBODIA + SUMMIT + MIDDLE_EAST + EUROPE)
    # "Obama", "Sokha", "Erdoğan", "Abiy", "Macron", "Zelenskyy" stand for the people named in full.
    for bare in ("Obama", "Sokha", "Erdoğan", "Abiy", "Macron", "Scholz", "Zelenskyy", "Hun"):
        assert bare not in found
    assert {"Barack Obama", "Kem Sokha", "Recep Tayyip Erdoğan", "Abiy Ahmed"} <= set(found)


def test_the_fullest_form_is_kept_even_when_the_surname_comes_first() -> None:
    found = find_entities("", ["Mr Rainsy left the country in 2015.", "Sam Rainsy has lived in Paris since."])
    assert Entity("Sam Rainsy", "PER") in found
    assert "Rainsy" not in [e.text for e in found]
    assert [e.text for e in found].index("Sam Rainsy") == 0  # first mentioned as "Mr Rainsy"


def test_people_unknown_to_the_lists_are_found_from_titles_and_context() -> None:
    found = entities("", [
        "Deputy Prime Minister Sokunthea Vannak met Governor Kasem Phirun in the morning.",
        "The economist Tharoth Meas said the deal would help exporters.",
        "Dara Sokhom, a former finance minister, disagreed.",
    ])
    assert found.get("Sokunthea Vannak") == "PER"
    assert found.get("Kasem Phirun") == "PER"
    assert found.get("Tharoth Meas") == "PER"
    assert found.get("Dara Sokhom") == "PER"


def test_acronym_defined_in_parentheses_is_the_same_organisation() -> None:
    found = texts("", [
        "The Mekong Futures Network (MFN) published a report. MFN researchers say dams cut fish catches.",
    ])
    assert found == ["Mekong Futures Network"]


def test_each_entity_once_in_order_of_first_mention() -> None:
    found = texts("", [
        "Thailand and Vietnam compete for investment. Thailand has the larger market.",
        "Vietnam, Laos and Thailand share the Mekong.",
    ])
    assert found == ["Thailand", "Vietnam", "Laos", "Mekong"]


def test_possessives_are_dropped() -> None:
    found = texts("", ["China's leverage over Laos grew, and Xi Jinping's visit to Vientiane sealed it."])
    assert found == ["China", "Laos", "Xi Jinping", "Vientiane"]


def test_hyphenated_pairs_of_places_give_each_place() -> None:
    found = entities("", ["US-Cambodia relations cooled after the China-Laos railway opened."])
    assert found == {"US": "LOC", "Cambodia": "LOC", "China": "LOC", "Laos": "LOC"}


def test_a_title_cased_headline_counts_only_known_names() -> None:
    title = "Why the US Must Rethink Its Cambodia Policy Before It Is Too Late"
    found = texts(title, CAMBODIA[:1])
    assert found[:2] == ["US", "Cambodia"]
    for word in ("Why", "Must", "Rethink", "Policy", "Late"):
        assert word not in found


def test_title_comes_first_in_order() -> None:
    found = texts("Vietnam and the Quad", ["The Quad met in Tokyo; Hanoi watched closely."])
    assert found == ["Vietnam", "Quad", "Tokyo", "Hanoi"]


def test_organisation_and_place_heads() -> None:
    found = entities("", [
        "The Mekong River Commission met in Vientiane, and the Lowy Institute hosted a panel on the "
        "Tonle Sap Lake. The Ministry of Foreign Affairs and International Cooperation sent a delegate.",
    ])
    assert found.get("Mekong River Commission") == "ORG"
    assert found.get("Lowy Institute") == "ORG"
    assert found.get("Ministry of Foreign Affairs and International Cooperation") == "ORG"
    assert found.get("Vientiane") == "LOC"


# --- quality gate on the golden sample pages ----------------------------------------------------------------

SAMPLES = sorted((Path(__file__).parent / "data" / "samples").glob("*.json"))

# Pinned a little below what the recogniser scores today (precision 0.995, recall 0.982 over PER/ORG/LOC when
# this gate was written), so that a change that costs real quality fails here. MISC is not scored: the golden
# lists leave it out on purpose. Re-pinned with issue 15 (the CRF added to the rules), measured: precision
# 0.959 (426 listed names found, 18 others: names the lists do not carry as well as real misses), recall 0.982
# unchanged; the Cambodia sample's recall is 1.0. With the open gazetteers' features (retrained): precision
# 0.964 (16 others), recall 0.982. With the word clusters and the CRF's check of context-typed names
# (retrained): precision 0.968 (14 others), recall 0.982 (426 of 434); the Cambodia sample's recall 1.0.
# With a rules' name giving way to a longer CRF name it is only ever a piece of, a different name sharing
# a word with a rules' name kept, and sentence-initial words capitalised only to start the sentence left
# out (retrained, tuned by cross-validation): precision 0.968 (14 others), recall 0.972 (422 of 434); the
# Cambodia sample's recall 1.0.
PRECISION_FLOOR = 0.94
RECALL_FLOOR = 0.94


def _golden(path: Path) -> tuple[list[Entity], set[tuple[str, str]], set[str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    paragraphs = [p for p in data["body"].split("\n\n") if p.strip()]
    found = [e for e in find_entities(data["title"], paragraphs) if e.type != "MISC"]
    must = {(e["text"], e["type"]) for e in data["entities"]["must"]}
    must_not = {e["text"] for e in data["entities"]["must_not"]}
    return found, must, must_not


def test_quality_on_golden_samples_stays_above_the_floor() -> None:
    # The golden pages are committed: without them the gate must fail, not pass by skipping.
    assert len(SAMPLES) >= 15, f"only {len(SAMPLES)} golden sample pages in tests/data/samples"
    true_pos = false_pos = false_neg = 0
    for path in SAMPLES:
        found, must, _ = _golden(path)
        got = {(e.text, e.type) for e in found}
        true_pos += len(got & must)
        false_pos += len(got - must)
        false_neg += len(must - got)
    precision = true_pos / max(1, true_pos + false_pos)
    recall = true_pos / max(1, true_pos + false_neg)
    assert precision >= PRECISION_FLOOR, f"precision {precision:.3f}"
    assert recall >= RECALL_FLOOR, f"recall {recall:.3f}"


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_golden_non_entities_are_never_found(path: Path) -> None:
    found, _, must_not = _golden(path)
    assert not {e.text for e in found} & must_not


# --- robustness -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "paragraphs"),
    [("", []), ("", [""]), ("   ", ["\n\n", "  "]), ("the end", ["no names here at all."])],
)
def test_empty_or_nameless_input_gives_nothing(title: str, paragraphs: list[str]) -> None:
    assert find_entities(title, paragraphs) == []


def test_odd_input_types_do_not_raise() -> None:
    assert find_entities(None, None) == []  # type: ignore[arg-type]
    odd = [None, 3, "Cambodia is a kingdom."]
    assert find_entities("", odd) == [Entity("Cambodia", "LOC")]  # type: ignore[arg-type]
    assert find_entities("", 42) == []  # type: ignore[arg-type]


def test_two_megabytes_of_garbage_complete() -> None:
    chunk = "Xq Zzt ASEAN \u00a0\u200b Ääb-Öc O'Neill's 12.3 (QQQ) Mr. Dr. U.S.-China ... \n\t"
    garbage = (chunk * (2_000_000 // len(chunk) + 1))[:2_000_000]
    result = find_entities(garbage[:5000], [garbage])
    assert all(isinstance(e, Entity) for e in result)


def test_text_is_normalised_like_the_input() -> None:
    decomposed = unicodedata.normalize("NFD", "Recep Tayyip Erdoğan visited Phnom\u00a0Penh.")
    found = find_entities("", [decomposed])
    assert found == [Entity("Recep Tayyip Erdoğan", "PER"), Entity("Phnom Penh", "LOC")]


def _normalised(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    for ch in "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t":
        text = text.replace(ch, " ")
    for ch in "\u00ad\u200b\u200c\u200d\u2060\ufeff":
        text = text.replace(ch, "")
    return text


_NAMEISH = st.sampled_from([
    "Hun Sen", "ASEAN", "the", "of", "Mr.", "President", "U.S.", "al-Assad", "(CPP)", "People's Party", "'s",
    "Cambodia", "Xi", "and", "General", "Ministry of", "-", ".", ",", " ", "\n", "\u00a0", "Ğ", "İ", "ß",
])
_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(_NAMEISH, st.text(max_size=8)), max_size=60).map(" ".join),
)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@settings(max_examples=300, deadline=None)
@given(title=_TEXT, paragraphs=st.lists(_TEXT, max_size=4))
def test_any_text_gives_typed_entities_taken_from_it(title: str, paragraphs: list[str]) -> None:
    handler = _Records()
    logger = logging.getLogger("corpus.extract.entities")
    logger.addHandler(handler)
    try:
        result = find_entities(title, paragraphs)
    finally:
        logger.removeHandler(handler)
    assert not handler.records, "find_entities hid an exception"
    source = "\n".join(_normalised(t) for t in [title, *paragraphs])
    texts_seen = set()
    for e in result:
        assert isinstance(e, Entity)
        assert e.type in ENTITY_TYPES
        assert e.text and e.text in source
        assert e.text not in texts_seen
        texts_seen.add(e.text)
