"""The API's JSON parser: DRF's, plus

- a refusal for JSON nested too deep to decode: Python's decoder recurses once per level of nesting,
  so a few thousand ``[`` raise ``RecursionError``, which DRF does not catch (a 500); no request of
  ours nests more than a few levels;
- a body of ``null`` read as no data, like an empty body: the answer then names the missing fields
  (DRF's own answer to ``null`` is "No data provided", English in every language).
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON nested too deep") from None
        return {} if data is None else data
