"""Audit scenarios of sign-in (issue 11, item 3), loaded by test_every_write_is_audited.py: the
throttle's writes (auth/throttle.py: its table is bookkeeping, but every transaction that
touches it also writes the audit record the streak calls for) and the password reset."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from web_helpers import PASSWORD

from chemo_fallback import audit
from chemo_fallback.auth import accounts

NOW = datetime(2026, 11, 23, 7, 0)


def _first_failure(store, tmp_path):
    # a streak's first failure is audited ("auth.login_failed"), with its address row
    with pytest.raises(accounts.AuthError):
        accounts.authenticate(store, "pharmacist", "mauvais", NOW, address="10.0.0.7")


def _failure_after_a_quiet_period(store, tmp_path):
    for seconds in (0, 1):
        with pytest.raises(accounts.AuthError):
            accounts.authenticate(store, "pharmacist", "mauvais", NOW + timedelta(seconds=seconds))
    # 20 quiet minutes: the old streak is summarised, a new one starts
    with pytest.raises(accounts.AuthError):
        accounts.authenticate(store, "pharmacist", "mauvais", NOW + timedelta(minutes=20))


def _streak_ended_by_a_sign_in(store, tmp_path):
    for seconds in (0, 1):
        with pytest.raises(accounts.AuthError):
            accounts.authenticate(store, "pharmacist", "mauvais", NOW + timedelta(seconds=seconds))
    accounts.authenticate(store, "pharmacist", PASSWORD, NOW + timedelta(seconds=2))


def _password_reset(store, tmp_path):
    accounts.reset_password(store, audit.command_line_actor(), "pharmacist", "Nouveau-Mot-2026!")


SCENARIOS = {
    "chemo_fallback/auth/throttle.py:_count": _first_failure,
    "chemo_fallback/auth/throttle.py:record_failure": _failure_after_a_quiet_period,
    "chemo_fallback/auth/throttle.py:end_streak": _streak_ended_by_a_sign_in,
    "chemo_fallback/auth/accounts.py:reset_password": _password_reset,
}
