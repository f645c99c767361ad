"""lms_prognosis._distributions gives, to the bit, what scipy.stats gives."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lms_prognosis import _distributions as dist

RNG = np.random.default_rng(20240611)
EDGES = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-300, -1e-300, 5e-324, 8.5, -8.5,
         38.5, -38.5, 40.0, -40.0, 1e10, -1e10, 1.959963984540054]
X = np.concatenate([EDGES, RNG.normal(0, 3, 500), RNG.uniform(-60, 60, 500),
                    np.linspace(-10, 10, 401)])
Q = np.concatenate([[0.0, 1.0, 5e-324, 1e-300, 1 - 1e-16, 0.5, 0.025, 0.975, -0.1, 1.1, np.nan],
                    RNG.uniform(0, 1, 500), np.logspace(-300, -1, 100)])
DF = np.array([0.5, 1, 2, 3.7, 10, 29.3, 100, 1e6, np.inf, 0, -1, np.nan])


def assert_identical(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)  # equal values, nan where nan
    num = ~np.isnan(want)  # and the same sign of zero (a nan's sign bit carries no meaning)
    assert np.array_equal(np.signbit(got[num]), np.signbit(want[num]))


@pytest.mark.parametrize("name", ["norm_cdf", "norm_sf", "norm_pdf", "norm_logpdf", "norm_logsf"])
def test_normal_functions_of_x(name):
    mine, theirs = getattr(dist, name), getattr(stats.norm, name.removeprefix("norm_"))
    assert_identical(mine(X), theirs(X))


def test_normal_quantile():
    assert_identical(dist.norm_ppf(Q), stats.norm.ppf(Q))


def test_chi2_sf_inside_and_outside_the_support():
    x, df = np.meshgrid(np.concatenate([np.abs(X), X[:60]]), DF)
    assert_identical(dist.chi2_sf(x, df), stats.chi2.sf(x, df))


def test_t_quantile_and_sf():
    q, df = np.meshgrid(Q, DF)
    assert_identical(dist.t_ppf(q, df), stats.t.ppf(q, df))
    x, df = np.meshgrid(X, DF)
    assert_identical(dist.t_sf(x, df), stats.t.sf(x, df))


@pytest.mark.parametrize(("name", "args"), [
    ("norm_ppf", (0.975,)), ("norm_ppf", (1,)), ("norm_cdf", (1.2,)), ("norm_sf", (-1.2,)),
    ("norm_pdf", (1.2,)), ("norm_logpdf", (1.2,)), ("norm_logsf", (1.2,)),
    ("chi2_sf", (3.1, 2)), ("chi2_sf", (-3.1, 2)), ("chi2_sf", (3, 2)),
    ("t_ppf", (0.975, 7.5)), ("t_ppf", (0.0, 7.5)), ("t_sf", (2.1, 7.5)),
])
def test_a_scalar_gives_the_same_numpy_float(name, args):
    dist_name, method = name.split("_")
    got, want = getattr(dist, name)(*args), getattr(getattr(stats, dist_name), method)(*args)
    assert type(got) is type(want) is np.float64
    assert got == want


def test_series_and_lists_give_arrays():
    s, df = pd.Series([0.1, 2.0], index=[5, 7]), pd.Series([1, 2], index=[5, 7])
    for got, want in [(dist.norm_sf(s), stats.norm.sf(s)), (dist.chi2_sf(s, df), stats.chi2.sf(s, df)),
                      (dist.t_sf([0.1, 2.0], df), stats.t.sf([0.1, 2.0], df))]:
        assert type(got) is type(want) is np.ndarray
        assert_identical(got, want)
