"""Natural-language understanding for the citizen chat and the catalogue search — pure Python,
no Django (unit-tested and benchmarked alone).

- ``normalize``: what residents type → one comparable form (NFKC, t2s, case, noise, numerals).
- ``pinyin``: folded toneless pinyin (zh/z, ch/c, sh/s, n/l, f/h, ing/in, eng/en, ang/an).
- ``lexicon``: synonyms, old names, typos, English → canonical words; jieba with the domain words.
- ``items``: ``ItemMatcher`` — the one search path over the 一网通办 catalogue.
- ``slots`` / ``timeparse``: sport, date, time range, district, query.
- ``intents``: multi-channel intent scoring with accept / clarify / fallback thresholds.

Data files editors extend live in ``portal/nlu/data/``.
"""
