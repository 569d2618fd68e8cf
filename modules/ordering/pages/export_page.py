"""Placeholder until its page lands."""


def register() -> None:
    pass
