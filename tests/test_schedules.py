"""Learning-rate schedules: closed forms, PyTorch's schedulers as oracle, use in ``fit``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import ffnn
from ffnn.schedules import SCHEDULES, CosineDecay, ExponentialDecay, StepDecay


def test_closed_forms_by_hand():
    assert [StepDecay(step_size=2, gamma=0.5)(e, 0.8, 10) for e in range(5)] == [0.8, 0.8, 0.4, 0.4, 0.2]
    assert ExponentialDecay(gamma=0.5)(3, 0.8, 10) == 0.1
    cos = CosineDecay(min_lr=0.1)  # t_max = the fit's epochs (here 4)
    # (1 + cos(pi e / 4)) / 2 = 1, (1 + 1/sqrt2) / 2, 1/2, (1 - 1/sqrt2) / 2, 0
    expected = [0.1 + 0.9 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(5)]
    assert [cos(e, 1.0, 4) for e in range(5)] == pytest.approx(expected, rel=1e-15)
    assert cos(2, 1.0, 4) == pytest.approx(0.55) and cos(9, 1.0, 4) == 0.1  # stays at min_lr
    assert ffnn.schedules.get("constant")(7, 0.3, 10) == 0.3


@pytest.mark.parametrize(
    "ours, torch_cls, torch_kwargs",
    [
        ({"name": "step", "step_size": 3, "gamma": 0.3}, "StepLR", {"step_size": 3, "gamma": 0.3}),
        ({"name": "exponential", "gamma": 0.9}, "ExponentialLR", {"gamma": 0.9}),
        ({"name": "cosine", "t_max": 8, "min_lr": 0.01}, "CosineAnnealingLR", {"T_max": 8, "eta_min": 0.01}),
    ],
)
def test_matches_pytorch_schedulers(ours, torch_cls, torch_kwargs):
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.5)
    sched = getattr(torch.optim.lr_scheduler, torch_cls)(opt, **torch_kwargs)
    expected = []
    for _ in range(9):
        expected.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    schedule = ffnn.schedules.get(ours)
    np.testing.assert_allclose([schedule(e, 0.5, 9) for e in range(9)], expected, rtol=1e-12)


@pytest.mark.parametrize("name", SCHEDULES.names())
def test_config_round_trip(name):
    s = ffnn.schedules.get(name)
    again = ffnn.schedules.get(json.loads(json.dumps(s.get_config())))
    assert type(again) is type(s) and again.get_config() == s.get_config()


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="gamma"):
        StepDecay(gamma=1.5)
    with pytest.raises(ValueError, match="min_lr"):
        CosineDecay(min_lr=-1)
    with pytest.raises(ValueError, match="valid names"):
        ffnn.schedules.get("warmup")


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(0, 1, (40, 3))
    return X, (X[:, 0] > 0).astype(int)


def test_fit_applies_the_schedule_per_epoch_and_records_it():
    X, y = _data()
    m = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0, dtype="float64")
    h = m.fit(X, y, epochs=6, learning_rate=0.2, optimizer="momentum",
              lr_schedule={"name": "step", "step_size": 2, "gamma": 0.5}, verbose=0)
    assert h.history["learning_rate"] == pytest.approx([0.2, 0.2, 0.1, 0.1, 0.05, 0.05], rel=1e-15)
    assert h.params["lr_schedule"] == {"name": "step", "step_size": 2, "gamma": 0.5}
    assert m.optimizer.learning_rate == 0.2  # the base rate is put back after training
    # initial_epoch continues the schedule where an earlier fit stopped
    h2 = m.fit(X, y, epochs=2, optimizer=m.optimizer, lr_schedule="exponential", initial_epoch=3, verbose=0)
    assert h2.epoch == [3, 4] and h2.history["learning_rate"] == pytest.approx([0.2 * 0.95**3, 0.2 * 0.95**4])


def test_the_schedule_really_drives_the_update():
    """Epoch 0 at the base rate moves the weights; a rate of 1e-12 afterwards barely does."""
    X, y = _data()
    m = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0, dtype="float64")
    start = m.network.flat_params.copy()
    snaps = []
    m.fit(X, y, epochs=3, learning_rate=0.5, verbose=0, lr_schedule=StepDecay(step_size=1, gamma=1e-12),
          callbacks=[lambda e, logs: snaps.append(m.network.flat_params.copy())])
    assert np.abs(snaps[0] - start).max() > 1e-3
    assert np.abs(snaps[2] - snaps[0]).max() < 1e-10
