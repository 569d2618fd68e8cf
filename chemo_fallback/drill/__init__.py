"""The drill mode: N days of a unit's work played through the services the pages call, on a
demo (or generated) snapshot, to train staff before an outage and to feed the export
benchmark. Deterministic for a seed."""
