"""Back to normal (issue 15): the re-integration package of everything the fallback recorded
(docs/reintegration-format.md)."""
