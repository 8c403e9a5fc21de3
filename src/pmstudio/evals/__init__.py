"""Evaluation: golden-set metrics (`pmstudio.evals.metrics`), LLM judges (`pmstudio.evals.judges`),
offline text similarity (`pmstudio.evals.similarity`), the grid runner, comparison and reports.

Importing this package keeps deepeval offline and quiet unless the environment says otherwise: no
telemetry, no `.env` loading, and its cache folder outside the working tree (these must be set
before deepeval is imported; the metrics and judges modules import it). Metrics are measured with
`a_measure` directly, never `deepeval.evaluate`, so no run files are written.
"""

import os
import tempfile

DEEPEVAL_DEFAULTS = {
    "DEEPEVAL_TELEMETRY_OPT_OUT": "YES",
    "DEEPEVAL_DISABLE_DOTENV": "1",
    "DEEPEVAL_CACHE_FOLDER": os.path.join(tempfile.gettempdir(), "pmstudio-deepeval"),
}
for _key, _value in DEEPEVAL_DEFAULTS.items():
    os.environ.setdefault(_key, _value)
