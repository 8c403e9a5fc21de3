"""Follow-through: action items out of a post-mortem into an issue tracker (files or API), idempotently.

`items.load_items` reads a SOURCE (a stored draft id or a post-mortem Markdown file) into `TrackerItem`s,
`formats.render_items` writes them in a tracker's documented import format, and `post.post_items` creates
or updates them through the tracker's API, remembering each item's issue in DuckDB.
"""

TRACKERS: tuple[str, ...] = ("csv", "jira", "linear", "github")
"""Export targets; every one but `csv` also has an API for `--post`."""
