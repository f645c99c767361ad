"""Simulation studies: a function of a seeded generator, run over scenarios and replicates.

The questions a methods paper or a grant's power section asks (how often does the test
reject at this n, how biased is complete-case analysis under this missingness, which model
predicts best) are all "run this function many times under each scenario and summarise".
:func:`simulation_study` does that with one seed for the whole study, so a replicate draws the
same numbers whether it runs in this process, on joblib workers or on a Dask cluster
(``backend="dask"``: see :func:`lms_prognosis._parallel.run_tasks`).

Each replicate gets its own ``numpy.random.Generator`` from
``SeedSequence(seed).spawn(n_scenarios)[s].spawn(n_rep)[r]``: adding a scenario or more
replicates leaves the earlier replicates' draws unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._parallel import run_tasks
from lms_prognosis._results import Result
from lms_prognosis.exceptions import LMSPrognosisError

__all__ = ["simulation_study", "SimulationStudyResult"]


@dataclass(repr=False, eq=False)
class SimulationStudyResult(Result):
    """Every replicate's metrics and their summary per scenario.

    Attributes
    ----------
    table : DataFrame
        scenario, the summary per metric: n_rep, n_failed, mean, sd, mcse (Monte-Carlo
        standard error of the mean, sd / sqrt(replicates that ran)).
    replicates : DataFrame
        scenario, replicate, the scenario's parameters, every metric, error (the message of a
        replicate that raised, else empty).
    seed : int
        The study's seed.
    """

    table: pd.DataFrame
    replicates: pd.DataFrame
    seed: int
    _title: ClassVar[str] = "Simulation study"

    def _summary_lines(self) -> list[str]:
        n = self.replicates["scenario"].value_counts()
        return [f"{len(n)} scenario(s), {int(n.max()) if len(n) else 0} replicates each, "
                f"seed {self.seed}"]  # fmt: skip


def _scenario_table(scenarios: Any) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(scenarios, pd.DataFrame):
        return [(str(k), dict(row)) for k, row in scenarios.iterrows()]
    if isinstance(scenarios, Mapping):
        return [(str(k), dict(v)) for k, v in scenarios.items()]
    if isinstance(scenarios, Sequence) and not isinstance(scenarios, str):
        return [(f"scenario {i + 1}", dict(v)) for i, v in enumerate(scenarios)]
    raise LMSPrognosisError(
        "scenarios must be a dict of name -> parameters, a list of parameter dicts or a "
        f"DataFrame with one row per scenario, got {type(scenarios).__name__}"
    )


def _one(task: tuple[Callable[..., Any], str, dict[str, Any], int, Any]) -> dict[str, Any]:
    """Run one replicate; an exception is recorded, not raised (one failure is data)."""
    fn, name, params, rep, seq = task
    try:
        out = fn(np.random.default_rng(seq), **params)
    except Exception as exc:  # noqa: BLE001 - a replicate that fails is counted, not fatal
        return {
            "scenario": name,
            "replicate": rep,
            **params,
            "error": f"{type(exc).__name__}: {exc}",
        }
    metrics = dict(out) if isinstance(out, Mapping) else {"value": out}
    return {"scenario": name, "replicate": rep, **params, **metrics, "error": ""}


def _summary(reps: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    rows = []
    for name, part in reps.groupby("scenario", sort=False):
        ok = part[part["error"] == ""]
        row: dict[str, Any] = {
            "scenario": name,
            "n_rep": len(part),
            "n_failed": len(part) - len(ok),
        }
        for m in metrics:
            x = pd.to_numeric(ok[m], errors="coerce").dropna().to_numpy(float)
            sd = float(x.std(ddof=1)) if x.size > 1 else math.nan
            row[f"{m}_mean"] = float(x.mean()) if x.size else math.nan
            row[f"{m}_sd"] = sd
            row[f"{m}_mcse"] = sd / math.sqrt(x.size) if x.size > 1 else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def simulation_study(
    scenarios: Any,
    n_rep: int,
    fn: Callable[..., Any],
    *,
    seed: int = 1,
    n_jobs: int | None = 1,
    backend: str | None = None,
    progress: bool | None = None,
) -> SimulationStudyResult:
    """Run ``fn(rng, **parameters)`` ``n_rep`` times per scenario and summarise its metrics.

    Parameters
    ----------
    scenarios : dict, list of dict or DataFrame
        The parameters of each scenario: ``{"n=200": {"n": 200}, ...}``, a list of such
        dicts, or a DataFrame with one row per scenario (its index names them).
    n_rep : int
        Replicates per scenario (>= 1).
    fn : callable
        ``fn(rng, **params)`` returning a dict of metric -> number (or one number, stored as
        ``value``). A module-level function (workers pickle it). It must draw all its
        randomness from ``rng`` (pass ``seed=int(rng.integers(2**31))`` on to package
        functions that take a seed).
    seed : int, default 1
        The study's seed: the same seed gives the same replicates for any ``n_jobs`` and
        either backend.
    n_jobs : int, default 1
        joblib workers (-1: every core).
    backend : {None, "loky", "dask"}
        ``"dask"`` runs the replicates on the current ``dask.distributed`` cluster.
    progress : bool or None
        Progress bar on a terminal (None: whenever stderr is one).

    Returns
    -------
    SimulationStudyResult
        ``.table`` (per scenario: mean, sd and Monte-Carlo SE of each metric, replicates
        that failed), ``.replicates`` (every replicate).

    Examples
    --------
    >>> def mean_of(rng, n):
    ...     return {"mean": float(rng.normal(size=n).mean())}
    >>> res = simulation_study({"small": {"n": 10}, "large": {"n": 1000}}, 50, mean_of)
    >>> res.table[["scenario", "n_rep", "n_failed"]].to_numpy().tolist()
    [['small', 50, 0], ['large', 50, 0]]
    >>> bool(res.table["mean_sd"].iloc[0] > res.table["mean_sd"].iloc[1])
    True
    """
    if int(n_rep) < 1:
        raise LMSPrognosisError(f"n_rep must be >= 1, got {n_rep!r}")
    table = _scenario_table(scenarios)
    if not table:
        raise LMSPrognosisError("no scenarios given")
    streams = np.random.SeedSequence(seed).spawn(len(table))
    tasks = [
        (fn, name, params, r + 1, seq)
        for (name, params), stream in zip(table, streams, strict=True)
        for r, seq in enumerate(stream.spawn(int(n_rep)))
    ]
    rows = run_tasks(
        _one, tasks, n_jobs=n_jobs, backend=backend, progress=progress, desc="simulation study"
    )
    reps = pd.DataFrame(rows)
    fixed = {"scenario", "replicate", "error"} | {k for _, p in table for k in p}
    metrics = [c for c in reps.columns if c not in fixed]
    return SimulationStudyResult(_summary(reps, metrics), reps, int(seed))
