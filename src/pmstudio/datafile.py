"""A YAML data file read into its pydantic model, with any problem as one line naming the file.

The word lists and rules the engine ships as data (`pmstudio/data/lexicon.yaml`, `verbs.yaml`) are validated when
loaded; a broken file is a ``ValueError`` such as ``"verbs.yaml: invalid verbs file (verbs.0: ...)"``.
"""

from __future__ import annotations

from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def parse_yaml(text: str, source: str, model: type[M], what: str) -> M:
    """``text`` (YAML) as a ``model``; ``what`` names the file's kind in the error ("lexicon", "verbs file")."""
    try:
        return model.model_validate(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise ValueError(f"{source}: invalid {what} YAML ({str(exc).splitlines()[0]})") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ValueError(f"{source}: invalid {what} ({where}: {err['msg']})") from exc
