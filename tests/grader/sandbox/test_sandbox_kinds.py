"""Which sandbox a slot gets, and what happens without bubblewrap."""

from __future__ import annotations

import os

import pytest

from d2lgrade import cli
from d2lgrade.config import GradingConfig, Limits
from d2lgrade.sandbox import (
    SandboxPool,
    bwrap,
    fresh,
    open_sandbox,
    sandbox_description,
    warm_sandboxes_available,
)
from d2lgrade.sandbox.fresh import FreshSandbox
from d2lgrade.sandbox.warm import WarmSandbox


def test_without_bubblewrap_grading_says_so_loudly(monkeypatch, capsys):
    monkeypatch.setattr(bwrap, "bubblewrap", lambda: None)
    monkeypatch.setattr(fresh, "bubblewrap", lambda: None)
    import d2lgrade.sandbox as sandbox_package

    monkeypatch.setattr(sandbox_package, "bubblewrap", lambda: None)
    assert sandbox_description().startswith("NONE")
    assert not warm_sandboxes_available(GradingConfig(warm_sandboxes=True))
    cli._warn_if_unsandboxed()
    assert "WARNING: no sandbox" in capsys.readouterr().err
    command, _, _ = fresh.runner_command(3, 0, GradingConfig(), Limits())
    assert "bwrap" not in " ".join(command)


@pytest.mark.skipif(bwrap.bubblewrap() is None, reason="needs bubblewrap")
def test_the_config_flag_chooses_the_sandbox_kind():
    as_root = os.getuid() == 0
    assert isinstance(open_sandbox(0, GradingConfig(warm_sandboxes=False)), FreshSandbox)
    kind = WarmSandbox if as_root else FreshSandbox
    assert isinstance(open_sandbox(0, GradingConfig(warm_sandboxes=True)), kind)


def test_the_pool_lends_each_sandbox_to_one_borrower_and_closes_all():
    closed = []

    class Recording(FreshSandbox):
        def close(self) -> None:
            closed.append(self.slot)

    with SandboxPool(GradingConfig(jobs=2), factory=Recording) as pool:
        with pool.sandbox() as first, pool.sandbox() as second:
            assert first is not second
            assert {first.slot, second.slot} == {0, 1}
        with pool.sandbox() as again:
            assert again in (first, second)
    assert sorted(closed) == [0, 1]
