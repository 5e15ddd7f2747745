"""The open gazetteers of `../shared/data/ner-open/gazetteers` as one list of names for the entity CRF's
features: `corpus/data/entities_gazetteer.txt`, written by `make train-entities` before training.

Each line is `name<TAB>CLASS`; the CRF marks each word of a listed name with the class (`-B` first word,
`-I` the others, bare for one-word names), beside the hand-typed lexicon's classes. The classes, and where
each comes from (licences in the README):
- COUNTRY: country names, short and long (CIA World Factbook, public domain; Wikidata English labels and
  aliases, CC0; GeoNames country info, CC BY 4.0);
- NAT: nationality adjectives and nouns (Factbook);
- CITY: cities over 15,000 people and capitals (GeoNames, CC BY 4.0; Factbook);
- REGION: first-level administrative divisions (GeoNames);
- FIRST: US first names given to at least 2,000 people from 1880 to 2020 (Social Security
  Administration, public domain);
- LEADER: heads of state and government (Factbook);
- PARTY: political parties and their abbreviations (Factbook);
- IGO: international organisations and their acronyms (Factbook).
Only names written in Latin letters are kept (the recogniser reads English prose).
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import zipfile

from bench.ner_data import NER_OPEN

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "corpus", "data", "entities_gazetteer.txt")
_LATIN = re.compile(r"^[A-Za-zÀ-ɏ][A-Za-zÀ-ɏ'’.\- ]*$")
MIN_FIRST_NAME_COUNT = 2000


def _clean(name: str) -> str | None:
    name = " ".join(name.replace("(s)", "").split())
    return name if name and len(name) <= 60 and _LATIN.match(name) else None


def _tsv(rel: str) -> list[dict]:
    with open(os.path.join(NER_OPEN, "gazetteers", rel), encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def entries() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}

    def add(name: str | None, cls: str) -> None:
        name = _clean(name or "")
        if name:
            out.setdefault(name, set()).add(cls)

    for row in _tsv("factbook/countries.tsv"):
        for col in ("short", "long", "former", "geonames_name"):
            for part in (row.get(col) or "").split(";"):
                add(part, "COUNTRY")
        for col in ("nationality_noun", "nationality_adjective"):
            for part in re.split(r"[;,]| or ", row.get(col) or ""):
                add(part, "NAT")
        for part in re.split(r"[;,]", row.get("capital") or ""):
            add(part, "CITY")
    for row in _tsv("factbook/leaders.tsv"):
        add(row["name"], "LEADER")
    for row in _tsv("factbook/political_parties.tsv"):
        add(row["name"], "PARTY")
        for alias in (row.get("aliases") or "").split(";"):
            add(alias, "PARTY")
    for row in _tsv("factbook/intl_orgs.tsv"):
        add(row["name"], "IGO")
        add(row.get("acronym"), "IGO")
        add(row.get("alt_name"), "IGO")
    with open(os.path.join(NER_OPEN, "gazetteers", "geonames", "countryInfo.txt"), encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                cols = line.rstrip("\n").split("\t")
                if len(cols) > 5:
                    add(cols[4], "COUNTRY")
                    add(cols[5], "CITY")
    with open(os.path.join(NER_OPEN, "gazetteers", "geonames", "admin1CodesASCII.txt"), encoding="utf-8") as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            if len(cols) > 2:
                add(cols[1], "REGION")
                add(cols[2], "REGION")
    with zipfile.ZipFile(os.path.join(NER_OPEN, "gazetteers", "geonames", "cities15000.zip")) as zf:
        with zf.open("cities15000.txt") as raw:
            for line in io.TextIOWrapper(raw, encoding="utf-8"):
                cols = line.split("\t")
                add(cols[1], "CITY")
                add(cols[2], "CITY")
    with gzip.open(os.path.join(NER_OPEN, "gazetteers", "wikidata", "country_aliases.csv.gz"), "rt",
                   encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["language"] == "en":
                add(row["label"], "COUNTRY")
    with gzip.open(os.path.join(NER_OPEN, "gazetteers", "ssa", "first-names.tsv.gz"), "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if int(row["total_1880_2020"]) >= MIN_FIRST_NAME_COUNT:
                add(row["name"], "FIRST")
    return out


def write(target: str = TARGET) -> int:
    found = entries()
    with open(target, "w", encoding="utf-8") as fh:
        fh.write("# polsearch entity CRF: names from open gazetteers, as features (bench/gazetteers.py writes this\n"
                 "# file; do not edit). Sources: CIA World Factbook (public domain); GeoNames (CC BY 4.0,\n"
                 "# https://www.geonames.org); Wikidata (CC0); US Social Security Administration first names\n"
                 "# (public domain). One name<TAB>class a line.\n")
        for name in sorted(found):
            for cls in sorted(found[name]):
                fh.write(f"{name}\t{cls}\n")
    return len(found)


if __name__ == "__main__":
    print(f"{write()} names written to {os.path.relpath(TARGET, ROOT)}")
