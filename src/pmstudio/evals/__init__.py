"""Evaluation: golden-set metrics (`pmstudio.evals.metrics`), LLM judges (`pmstudio.evals.judges`),
offline text similarity (`pmstudio.evals.similarity`), the grid runner, comparison and reports.

Import the submodules directly; this package imports nothing on its own (deepeval is slow to load).
"""
