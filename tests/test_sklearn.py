"""scikit-learn estimators: scikit-learn's own estimator checks, and use in its tools."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from ffnn.sklearn import FFNNClassifier, FFNNRegressor, expected_failed_checks  # noqa: E402


@parametrize_with_checks(
    [FFNNClassifier(random_state=0), FFNNRegressor(random_state=0)],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
