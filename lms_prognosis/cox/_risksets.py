"""The engine's data layout: Cox data sorted once, and sums over risk sets.

Private to :mod:`lms_prognosis.cox`; :mod:`lms_prognosis.cox.engine` re-exports the public
names (``Prepared``, ``prepare``, ``prepare_sorted``, ``sort_order``, ``efron_event_sums``,
``rev_block_cumsum``), which is where other subpackages import them from.

Rows are sorted by stratum, then time descending, so a risk set (everyone with time >= t in
the stratum) is a prefix of the stratum's rows; tied (stratum, time) rows form a block and the
events of a block share one Efron correction. :func:`prepare` puts the censored rows of a block
before its events (:func:`~lms_prognosis.cox._order.sort_order` with ``event``), so the
events of a block are one run of rows (``Prepared.death_start``) and one stratum's risk-set
and event sums come from one ``reduceat``
(:func:`~lms_prognosis.cox._rowpasses.risk_and_death_sums`). A layout in another
order (a caller's ``order``) is still exact: the events are then gathered.

Counting-process data ``(start, stop]`` (R ``Surv(start, stop, event)``): a row is at risk at
t when start < t <= stop. The risk-set sum at t is the prefix sum over stop >= t minus the sum
over the rows of the stratum with start >= t (not yet entered), read off a second cumulative
sum in the order of start, as R's ``agfit4`` adds and removes rows. Case weights (R
``weights=``) multiply each row's risk; the events of a tied block count with their mean
weight in each Efron step (R ``coxfit6``/``agfit4``'s ``meanwt``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from lms_prognosis._threads import run_halves, split_rows, take
from lms_prognosis.cox._order import sort_order
from lms_prognosis.cox._weights import case_weights, copies

__all__ = [
    "Prepared",
    "death_sums",
    "prepare",
    "prepare_sorted",
    "efron_event_sums",
    "rev_block_cumsum",
    "block_cumsum",
    "event_risk_sums",
    "row_block_sums",
    "stratified",
]


@dataclass
class Prepared:
    """Sorted data and the block structure of the risk sets (built once per fit)."""

    order: np.ndarray  # sorted position -> original row (x_sorted = x[order])
    xt: np.ndarray  # (p, n): the sorted, centred covariates
    time: np.ndarray  # sorted time
    event: np.ndarray  # sorted 0/1 (bool)
    stratum: np.ndarray  # sorted stratum codes (int)
    block_start: np.ndarray  # (G,) first row of each (stratum, time) block
    block_end: np.ndarray  # (G,) last row of each block
    prev_end: np.ndarray  # (G,) last row of the previous stratum, or -1
    prev_block: np.ndarray  # (G,) last block of the previous stratum, or -1
    strat_last_block: np.ndarray  # (G,) last block of the same stratum
    death_rows: np.ndarray  # sorted positions of the events
    eblock: np.ndarray  # (E,) blocks that hold at least one event
    eblock_start: np.ndarray  # (E,) start of each event block within death_rows
    ndeath: np.ndarray  # (E,) events per event block
    k_frac: np.ndarray  # (D,) k / d of each Efron step (0 for Breslow)
    xdeath_sum: np.ndarray  # (p,) sum of x over events
    efron_ties: bool  # Efron with at least one tied event time (else the Efron terms vanish)
    offset: np.ndarray | None = None  # (n,) sorted fixed part of the linear predictor
    weights: np.ndarray | None = None  # (n,) sorted case weights (None: all 1)
    death_wt: np.ndarray | None = None  # (D,) case weights of the events
    step_wt: np.ndarray | None = None  # (D,) mean event weight of the block, per Efron step
    block_deadwt: np.ndarray | None = None  # (E,) summed event weights per event block
    start: np.ndarray | None = None  # (n,) sorted entry times (counting process)
    start_order: np.ndarray | None = None  # (n,) sorted rows by stratum, start descending
    late_end: np.ndarray | None = None  # (E,) last start_order position with start >= t, or -1
    late_prev: np.ndarray | None = None  # (E,) last start_order position of earlier strata
    start_block: np.ndarray | None = None  # (n,) first block with time <= start, or -1
    # (E,) first row of each event block's events when they are its last rows (sort_order
    # with event), else None: the events of a block are then one contiguous run
    death_start: np.ndarray | None = None
    # (n,) sorted copies per row (a bootstrap sample's draw counts; None: each row once).
    # The Efron steps are then the events' copies: ndeath, eblock_start and k_frac count
    # steps, death_rows and death_wt (the copies) the event rows
    freq: np.ndarray | None = None

    @property
    def k_block(self) -> np.ndarray:
        """(D,) event block (0..E-1) of each Efron step (a new array on each call: not stored;
        ``np.repeat(per_block, prep.ndeath)`` spreads per-event-block values without it)."""
        return np.repeat(np.arange(self.ndeath.size), self.ndeath)

    @cached_property
    def event_segments(self) -> np.ndarray:
        """(E,) first row after the previous event block (0 for the first): with one
        stratum, the rows from one to the next are those entering the risk set between two
        event times."""
        ends = self.block_end[self.eblock]
        return np.concatenate([[0], ends[:-1] + 1]) if ends.size else ends

    @cached_property
    def death_cuts(self) -> np.ndarray:
        """(2E,) first row of the 2E parts that ``_rowpasses.risk_and_death_sums`` sums: per
        event block, the rows since the previous one's end (``event_segments``), then its events
        (``death_start``). Empty without ``death_start``."""
        seg, first = self.event_segments, self.death_start
        if first is None:
            return np.zeros(0, dtype=np.int64)
        cuts = np.empty(2 * seg.size, dtype=np.int64)
        cuts[0::2], cuts[1::2] = seg, first
        return cuts

    @cached_property
    def death_pieces(self) -> np.ndarray:
        """For each row up to the last event block, its part (0 .. 2E - 1) among
        :attr:`death_cuts`."""
        cuts = self.death_cuts
        if not cuts.size:
            return np.zeros(0, dtype=np.int64)
        sizes = np.diff(np.append(cuts, self.block_end[self.eblock[-1]] + 1))
        return np.repeat(np.arange(cuts.size), sizes)

    @cached_property
    def death_block(self) -> np.ndarray:
        """(D,) event block (0..E-1) of each event, stored (for few events: the engine's
        per-block sums by ``_rowpasses.group_sums``; many events use :attr:`k_block` or runs)."""
        return self.k_block

    @cached_property
    def block_size(self) -> np.ndarray:
        """(G,) rows per block."""
        return self.block_end - self.block_start + 1

    @property
    def block_of_row(self) -> np.ndarray:
        """(n,) block index of each sorted row (a new array on each call: not stored;
        ``np.repeat(per_block, prep.block_size)`` spreads per-block values without it)."""
        return np.repeat(np.arange(self.block_start.size), self.block_size)

    @property
    def xt1(self) -> np.ndarray:
        """(p + 1, n) a row of ones, then :attr:`xt` (a new array on each call: not stored)."""
        return np.vstack([np.ones((1, self.xt.shape[1])), self.xt])

    @property
    def xt1_death(self) -> np.ndarray:
        """(p + 1, D) the columns of :attr:`xt1` of the events (a new array on each call, not
        stored: the engine gathers one covariate at a time instead)."""
        return np.take(self.xt1, self.death_rows, axis=1)

    @property
    def xt_death(self) -> np.ndarray:
        """(p, D) covariates of the events (computed on each call, see :attr:`xt1_death`)."""
        return np.take(self.xt, self.death_rows, axis=1)

    @property
    def x(self) -> np.ndarray:
        """(n, p) view of the sorted, centred covariates."""
        return self.xt.T

    @property
    def deadwt(self) -> np.ndarray:
        """(E,) summed event weights per event block (the event counts without weights)."""
        return self.ndeath.astype(float) if self.block_deadwt is None else self.block_deadwt

    def drop_columns(self, keep: list[int]) -> None:
        """Keep only the covariates ``keep`` (after an aliasing check)."""
        self.xt = np.ascontiguousarray(self.xt[keep])
        self.xdeath_sum = self.xdeath_sum[keep]


def prepare(
    time: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    stratum: np.ndarray | None = None,
    efron: bool = True,
    *,
    offset: np.ndarray | None = None,
    order: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    start: np.ndarray | None = None,
    freq: np.ndarray | None = None,
) -> Prepared:
    """Sort the data and index the blocks of tied times, once per fit.

    Parameters
    ----------
    time, event : ndarray
        Follow-up time and event code (1 = event, any other code censored), one per row.
    x : ndarray, shape (n, p)
        Covariates, centred (R centres them too; the coefficients do not change).
    stratum : ndarray of int, optional
        Stratum code per row (separate baseline hazards).
    efron : bool, default True
        Efron's tie correction (R's default); False for Breslow.
    offset : ndarray, optional
        A fixed part of the linear predictor, per row (R ``offset()``).
    order : ndarray of int, optional
        :func:`sort_order` of these rows, if already known (saves a sort, e.g. when the same
        rows are refitted with other covariates).
    weights : ndarray, optional
        Case weights (R ``coxph(weights=)``), >= 0.
    start : ndarray, optional
        Entry times of counting-process data ``(start, time]`` (R ``Surv(start, stop,
        event)``); ``time`` is then the stop time.
    freq : ndarray of int, optional
        Copies of each row (positive integers, e.g. a bootstrap sample's draw counts): the
        layout of the data with every row repeated ``freq`` times, without repeating the
        rows. Unlike case weights (R ``weights=``, whose tied events share one Efron step
        per event row), each copy of an event is an Efron step of its own, so a fit equals
        the fit of the repeated rows (to rounding). One stratum, no entry times or weights.

    Returns
    -------
    Prepared

    Examples
    --------
    >>> prep = prepare(np.array([4.0, 2.0, 2.0, 7.0]), np.array([1, 1, 0, 1]),
    ...                np.array([[0.5], [-1.0], [0.0], [0.5]]))
    >>> prep.time.tolist(), prep.event.tolist()  # the events of a tied time last
    ([7.0, 4.0, 2.0, 2.0], [True, True, False, True])
    """
    if order is None:
        order = sort_order(time, stratum, event=event)
    xt = np.ascontiguousarray(np.asarray(x, dtype=float).T[:, order])
    return prepare_sorted(
        order,
        time,
        event,
        xt,
        stratum,
        efron,
        offset=offset,
        weights=weights,
        start=start,
        freq=freq,
    )


def prepare_sorted(
    order: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    xt: np.ndarray,
    stratum: np.ndarray | None,
    efron: bool,
    *,
    offset: np.ndarray | None = None,
    with_ones: bool = False,
    weights: np.ndarray | None = None,
    start: np.ndarray | None = None,
    freq: np.ndarray | None = None,
) -> Prepared:
    """:func:`prepare` given the sort ``order`` and the already sorted, centred ``xt`` (p, n).

    ``time``, ``event``, ``stratum`` and ``offset`` are in the caller's row order. With
    ``with_ones`` the first row of ``xt`` is already a row of ones (the engine's layout, so no
    copy is made).

    Examples
    --------
    >>> t, e = np.array([4.0, 2.0, 7.0]), np.array([1, 0, 1])
    >>> order = sort_order(t, None)
    >>> prep = prepare_sorted(order, t, e, np.array([[0.5, -1.0, 0.5]])[:, order], None, True)
    >>> prep.block_start.tolist(), prep.death_rows.tolist()
    ([0, 1, 2], [0, 1])
    """
    n = time.shape[0]
    t = take(time, order)
    # one stratum: a read-only zero-stride array of 0s (no n-sized allocation)
    s = np.broadcast_to(np.int64(0), (n,)) if stratum is None else take(stratum, order)
    ev = take(np.asarray(event), order) == 1
    blocks = _blocks(t, s, stratum is not None)
    deaths = _deaths(ev, blocks.pop("block_of_row"), efron)
    off = None if offset is None else take(np.asarray(offset, dtype=float), order)
    extra: dict[str, np.ndarray] = {}
    if weights is not None:
        extra.update(case_weights(take(np.asarray(weights, dtype=float), order), deaths))
    if start is not None:
        extra.update(_entry(take(np.asarray(start, dtype=float), order), t, s, blocks, deaths))
    death_start = _death_runs(blocks["block_end"], deaths)
    if freq is not None:
        if stratum is not None or weights is not None or start is not None or death_start is None:
            raise ValueError(
                "freq= needs one stratum, no weights or entry times, and each block's events "
                "last (sort_order with event=)"
            )
        extra.update(copies(take(np.asarray(freq), order), deaths, efron))
    dwt = extra.get("death_wt")
    return Prepared(
        order=order,
        xt=xt[1:] if with_ones else xt,
        time=t,
        event=ev,
        stratum=s,
        **blocks,
        **deaths,
        xdeath_sum=death_sums(xt[1:] if with_ones else xt, deaths["death_rows"], dwt),
        efron_ties=bool(efron and np.any(deaths["ndeath"] > 1)),
        offset=off,
        death_start=death_start,
        **extra,
    )


def _death_runs(block_end: np.ndarray, deaths: dict[str, np.ndarray]) -> np.ndarray | None:
    """(E,) first row of each event block's events if they are the block's last rows, else
    None. The events of a block are increasing rows inside it, so they are its last ``d``
    rows exactly when the first of them is ``d - 1`` rows before the block's end."""
    first = block_end[deaths["eblock"]] - deaths["ndeath"] + 1
    if np.array_equal(deaths["death_rows"][deaths["eblock_start"]], first):
        return first
    return None


def death_sums(xt: np.ndarray, death_rows: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """(p,) sum of the covariates (rows of ``xt``) over the events, weighted if given; one
    covariate at a time, so no (p, D) copy of the events' covariates is made."""
    if xt.size <= 1 << 16:  # small: one (p, D) copy, two calls
        xd = np.take(xt, death_rows, axis=1)
        return xd.sum(axis=1) if weights is None else xd @ weights
    out = np.empty(xt.shape[0])
    p = xt.shape[0]
    if p < 2 or split_rows(xt.shape[1]) is None:
        _death_sums(xt, death_rows, weights, out, range(p))
    else:  # half of the covariates each
        run_halves(
            lambda: _death_sums(xt, death_rows, weights, out, range(p // 2)),
            lambda: _death_sums(xt, death_rows, weights, out, range(p // 2, p)),
        )
    return out


def _death_sums(
    xt: np.ndarray,
    death_rows: np.ndarray,
    weights: np.ndarray | None,
    out: np.ndarray,
    covariates: range,
) -> None:
    xd = np.empty(death_rows.shape[0])  # one buffer for every covariate: no fresh pages each
    for j in covariates:
        np.take(xt[j], death_rows, out=xd, mode="clip")  # rows are valid; "clip" is unbuffered
        out[j] = xd.sum() if weights is None else xd @ weights


def _entry(
    st: np.ndarray,
    t: np.ndarray,
    s: np.ndarray,
    blocks: dict[str, np.ndarray],
    deaths: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Index the rows not yet entered at each event time, and each row's entry block."""
    start_order = np.lexsort((-st, s))
    st_sorted, s_sorted = st[start_order], s[start_order]
    eb = deaths["eblock"]
    bstart = blocks["block_start"]
    tb, sb = t[bstart], s[bstart]
    late_end = np.full(eb.size, -1, dtype=np.int64)
    late_prev = np.full(eb.size, -1, dtype=np.int64)
    start_block = np.full(t.size, -1, dtype=np.int64)
    for code in np.unique(s):
        seg = np.flatnonzero(s_sorted == code)
        lo = int(seg[0])
        asc = st_sorted[seg][::-1]  # ascending start
        in_s = sb[eb] == code
        m = seg.size - np.searchsorted(asc, tb[eb][in_s], side="left")
        late_prev[in_s] = lo - 1
        late_end[in_s] = np.where(m > 0, lo + m - 1, -1)
        bl = np.flatnonzero(sb == code)  # blocks of the stratum, descending time
        rows = np.flatnonzero(s == code)
        pos = np.searchsorted(-tb[bl], -st[rows], side="left")
        start_block[rows] = np.where(pos < bl.size, bl[np.minimum(pos, bl.size - 1)], -1)
    return {
        "start": st,
        "start_order": start_order,
        "late_end": late_end,
        "late_prev": late_prev,
        "start_block": start_block,
    }


def event_risk_sums(values: np.ndarray, prep: Prepared) -> np.ndarray:
    """Sum of ``values`` (last axis: the sorted rows) over the risk set of each event block.

    The rows of the block's stratum with time >= its time, from one cumulative sum over the
    rows; for counting-process data less those with start >= its time.

    Examples
    --------
    >>> prep = prepare(np.array([2.0, 4.0, 6.0]), np.array([1, 1, 1]), np.zeros((3, 0)),
    ...                start=np.array([0.0, 3.0, 0.0]))
    >>> event_risk_sums(np.ones(3), prep).tolist()  # at t = 2 the row entering at 3 is out
    [1.0, 2.0, 2.0]
    """
    if prep.start_order is None and not (prep.prev_block.size and prep.prev_block[-1] >= 0):
        # one stratum: sum the rows between consecutive event blocks, then accumulate; the
        # risk set of each event block comes out directly (E segments, no indexing after)
        if not prep.eblock.size:
            return np.zeros((*values.shape[:-1], 0))
        upto = values[..., : prep.block_end[prep.eblock[-1]] + 1]  # rows after: never at risk
        return np.add.reduceat(upto, prep.event_segments, axis=-1).cumsum(axis=-1)
    if prep.start_order is None:
        # sum each (stratum, time) block first, then accumulate over the blocks: reduceat is
        # about 10x faster than a cumulative sum over every row (no per-row carried state)
        blocks = np.add.reduceat(values, prep.block_start, axis=-1)
        cb = np.cumsum(blocks, axis=-1)
        out = cb[..., prep.eblock]
        if prep.prev_block.size and prep.prev_block[-1] >= 0:  # more than one stratum
            prevb = prep.prev_block[prep.eblock]
            hasb = prevb >= 0
            out[..., hasb] -= cb[..., prevb[hasb]]
        return out
    cs = np.cumsum(values, axis=-1)
    out = cs[..., prep.block_end[prep.eblock]]
    if prep.prev_end.size and prep.prev_end[-1] >= 0:  # more than one stratum
        prev = prep.prev_end[prep.eblock]
        has = prev >= 0
        out[..., has] -= cs[..., prev[has]]
    late_end, late_prev = prep.late_end, prep.late_prev
    if prep.start_order is not None and late_end is not None and late_prev is not None:
        cs2 = np.cumsum(np.take(values, prep.start_order, axis=-1), axis=-1)
        has = late_end >= 0
        out[..., has] -= cs2[..., late_end[has]]
        both = has & (late_prev >= 0)
        out[..., both] += cs2[..., late_prev[both]]
    return out


def stratified(prep: Prepared) -> bool:
    """More than one stratum (the last block's stratum has a previous one)."""
    return bool(prep.prev_end.size and prep.prev_end[-1] >= 0)


def row_block_sums(values: np.ndarray, prep: Prepared) -> np.ndarray:
    """For each sorted row, the sum of per-block ``values`` over the blocks whose time the row
    is at risk at: time in (start, stop] of the row, in its stratum.

    Examples
    --------
    >>> prep = prepare(np.array([2.0, 4.0]), np.array([1, 1]), np.zeros((2, 0)),
    ...                start=np.array([0.0, 3.0]))
    >>> row_block_sums(np.array([10.0, 1.0]), prep).tolist()  # blocks: times 4, 2
    [10.0, 1.0]
    """
    rc = rev_block_cumsum(values, prep)
    out = np.repeat(rc, prep.block_size)
    if prep.start_block is not None:
        has = prep.start_block >= 0
        out[has] -= rc[prep.start_block[has]]
    return out


def _blocks(t: np.ndarray, s: np.ndarray, stratified: bool) -> dict[str, np.ndarray]:
    """Blocks of tied (stratum, time) in the sorted rows, and the stratum boundaries."""
    n = t.shape[0]
    new_block = np.empty(n, dtype=bool)
    new_block[0] = True
    np.not_equal(t[1:], t[:-1], out=new_block[1:])
    if stratified:
        new_block[1:] |= s[1:] != s[:-1]
    block_start = np.flatnonzero(new_block)
    block_end = np.append(block_start[1:] - 1, n - 1)
    block_of_row = new_block.cumsum() - 1
    if not stratified:
        nb = block_start.size
        prev_end = np.full(nb, -1)
        prev_block = np.full(nb, -1)
        strat_last_block = np.full(nb, nb - 1)
    else:
        new_strat = np.empty(n, dtype=bool)
        new_strat[0] = True
        new_strat[1:] = s[1:] != s[:-1]
        strat_start_rows = np.flatnonzero(new_strat)
        strat_of_block = (np.cumsum(new_strat) - 1)[block_start]
        prev_end = (strat_start_rows - 1)[strat_of_block]
        last_by_s = np.append(block_of_row[strat_start_rows[1:] - 1], block_of_row[-1])
        strat_last_block = last_by_s[strat_of_block]
        prev_block = np.where(prev_end >= 0, block_of_row[np.maximum(prev_end, 0)], -1)
    return {
        "block_start": block_start,
        "block_end": block_end,
        "block_of_row": block_of_row,
        "prev_end": prev_end,
        "prev_block": prev_block,
        "strat_last_block": strat_last_block,
    }


def _deaths(ev: np.ndarray, block_of_row: np.ndarray, efron: bool) -> dict[str, np.ndarray]:
    """The events, their blocks and the Efron step fraction k / d of each."""
    death_rows = np.flatnonzero(ev)
    death_block = block_of_row[death_rows]
    if not death_rows.size:
        empty = np.zeros(0, dtype=np.int64)
        return {
            "death_rows": death_rows,
            "eblock": empty,
            "eblock_start": empty,
            "ndeath": empty,
            "k_frac": np.zeros(0),
        }
    newb = np.empty(death_rows.size, dtype=bool)
    newb[0] = True
    newb[1:] = death_block[1:] != death_block[:-1]
    eblock_start = np.flatnonzero(newb)
    ndeath = np.diff(np.append(eblock_start, death_rows.size))
    if efron:  # (k - 1) / d, in place: one (D,) temporary besides the result
        k_frac = np.arange(death_rows.size, dtype=float)
        k_frac -= eblock_start.repeat(ndeath)  # each event's block's first event
        k_frac /= ndeath.repeat(ndeath)
    else:
        k_frac = np.zeros(death_rows.size)
    return {
        "death_rows": death_rows,
        "eblock": death_block[eblock_start],
        "eblock_start": eblock_start,
        "ndeath": ndeath,
        "k_frac": k_frac,
    }


def efron_event_sums(
    w: np.ndarray, wx: np.ndarray, prep: Prepared
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per event block: risk-set sums s0, s1, death sums d0, d1; per Efron step 1/denominator.

    ``inv[k] = 1 / (s0 - f_k d0)`` for the k-th death of its tied block (f_k = (k-1)/d for
    Efron, 0 for Breslow), the quantity the baseline hazard and the Schoenfeld residuals share.
    With copies (``prepare(freq=)``) the steps are the events' copies; the residuals, which
    are per event row, refuse such a layout.

    Examples
    --------
    >>> prep = prepare(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1, 1, 1, 0]), np.zeros((4, 0)))
    >>> w = np.ones(4)
    >>> s0, _, d0, _, inv = efron_event_sums(w, np.zeros((4, 0)), prep)
    >>> s0.tolist(), d0.tolist(), inv.tolist()  # Efron at time 2: 1/3, then 1/(3 - 1)
    ([3.0, 4.0], [2.0, 1.0], [0.3333333333333333, 0.5, 0.25])
    """
    s0 = event_risk_sums(w, prep)
    s1 = event_risk_sums(wx.T, prep).T
    rows = prep.eblock_start  # each event block's first event row, within death_rows
    if prep.freq is not None and prep.death_start is not None:  # starts count Efron steps
        rows = np.searchsorted(prep.death_rows, prep.death_start)
    d0 = np.add.reduceat(w[prep.death_rows], rows)
    d1 = np.add.reduceat(wx[prep.death_rows], rows, axis=0)
    inv = 1.0 / (np.repeat(s0, prep.ndeath) - prep.k_frac * np.repeat(d0, prep.ndeath))
    return s0, s1, d0, d1, inv


def rev_block_cumsum(values: np.ndarray, prep: Prepared) -> np.ndarray:
    """For each block b: sum of ``values`` over blocks b..(last block of b's stratum).

    Blocks are in descending time, so this is a sum over the times <= the block's time.

    Examples
    --------
    >>> prep = prepare(np.array([3.0, 2.0, 1.0]), np.array([1, 1, 1]), np.zeros((3, 0)))
    >>> rev_block_cumsum(np.array([1.0, 10.0, 100.0]), prep).tolist()
    [111.0, 110.0, 100.0]
    """
    rc = np.cumsum(values[::-1])[::-1]
    nxt = prep.strat_last_block + 1
    out = rc.copy()
    inside = nxt < values.shape[0]
    out[inside] -= rc[nxt[inside]]
    return out


def block_cumsum(values: np.ndarray, prep: Prepared) -> np.ndarray:
    """Risk-set sums from per-block sums: cumulative over blocks, restarting per stratum."""
    cs = np.cumsum(values, axis=0)
    has_prev = prep.prev_block >= 0
    if has_prev.any():
        cs[has_prev] -= cs[prep.prev_block[has_prev]]
    return cs
