"""Strict JSON for what clients send: a REST body answered with a 4xx, never a 500, and socket frames.

DRF's JSONParser turns syntax errors into a 400 but lets two kinds of input through to crash later:
- nesting deep enough to exhaust the recursion limit (`[[[[…]]]]`) raises RecursionError inside the parser;
- an unpaired surrogate escape (`"\\ud800"`) parses into a Python string that cannot be encoded as UTF-8,
  so it fails in the database driver, the password hasher or the renderer of the error that quotes it.
(The body's size is checked before parsing, against DATA_UPLOAD_MAX_MEMORY_SIZE; see config.errors.)
"""

import json

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils.json import strict_constant


def strict_json_loads(text: str):
    """json.loads for what clients send, REST bodies and socket frames alike: refuses what JSON itself does
    not allow (NaN, Infinity), nesting past the recursion limit and unpaired surrogates, each as a ValueError
    whose message says why."""
    try:
        data = json.loads(text, parse_constant=strict_constant)
    except RecursionError:
        raise ValueError(_("the document is nested too deeply.")) from None
    if _has_unpaired_surrogate(data):
        raise ValueError(_("the text contains an unpaired surrogate."))
    return data


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            return strict_json_loads(stream.read().decode(encoding))
        except ValueError as exc:  # includes UnicodeDecodeError and json.JSONDecodeError
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc


def _has_unpaired_surrogate(data) -> bool:
    """Walks the parsed document without recursion (it may be nested nearly to the recursion limit)."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
