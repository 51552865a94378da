"""Compiled whole-network kernels: forward through every layer, backward, and the fused epoch.

Layers' pre-activations z and activations a live in activation buffers laid out as ``layout``
says (layer l of n rows from ``n * a_off[l]``; ``layer_rows`` views a block of them).
"""

import numpy as np
from numba import njit, prange

from .activations import KERNEL, activate, activation_backward
from . import team
from .codes import AT_CALLER, AT_KEY_ROW, RECORD_STATE, SKIP, TANH
from .dense import (bias_grad, dense_backward, dense_forward, forward_scratch_size, input_grad, scratch_size, splits,
                    weight_grad_rows)
from ._numba_ext import LINE_BYTES, block, borrowed, flat, prefetch_row, span
from .layout import compiled_layer_offsets as layer_offsets, layer_params, layer_rows
from .losses import loss_and_correct, loss_and_output_grad
from .optim import update, update_in_place
from .team import MIN_ROWS, balance, barrier, mark, part

#: the status of an epoch whose team was aborted (a member failed: ``team.run`` raises its error)
ABORTED = -2

#: rows per parallel chunk in ``forward_all``
CHUNK_ROWS = 256


@njit(**KERNEL)
def forward_block(theta, w_off, b_off, sizes, a_off, hidden, out, a0, zbuf, abuf, n_total, row0, scratch, rows,
                  hidden_z):
    """Forward the rows a0 (m, n_in) through every layer, writing z and a into rows row0 .. row0 + m
    of activation buffers zbuf/abuf of n_total rows (offsets a_off: ``layout.layer_offsets``);
    scratch: 1-D, ``dense.forward_scratch_size(sizes)`` elements at least; rows: the rows whose
    products a0's are blocks of (a team's batch; m alone), as ``dense.dense_forward`` says.
    hidden_z: whether the hidden layers' z are wanted (callers pass a run-time bool: one compiled
    copy); where not, a tanh layer's a goes straight into abuf from its product's stores
    (``dense.dense_forward``'s tanh), and its z is not written."""
    m = a0.shape[0]
    n_layers = sizes.shape[0] - 1
    a_prev = a0
    for l in range(n_layers):
        W, b = layer_params(theta, w_off, b_off, sizes, l)
        a = layer_rows(abuf, a_off, sizes, l, n_total, row0, m)
        fused = hidden == TANH and not hidden_z and l < n_layers - 1
        z = a if fused else layer_rows(zbuf, a_off, sizes, l, n_total, row0, m)
        if not dense_forward(a_prev, W, b, z, scratch, rows, fused):
            activate(z, a, out if l == n_layers - 1 else hidden)
        a_prev = a


@njit(inline="always")
def backward_reads_z(hidden):
    """Whether ``backward_block`` reads the hidden layers' z: for every activation but tanh, whose
    derivative it takes from a (``forward_block``'s hidden_z for training; passes that read no z at
    all pass it too, so that forward_block compiles once, for a run-time bool)."""
    return hidden != TANH


@njit(**KERNEL)
def backward_block(theta, grad, w_off, b_off, sizes, a_off, hidden, a0, zbuf, abuf, dz_buf, dz_spare, da_buf,
                   scratch, team):
    """Backward pass of a block forwarded with ``forward_block(..., n_total=m, row0=0)``.

    Expects dL/dz of the output layer in ``dz_buf[: m * n_out]``; writes every layer's (dW, db)
    into ``grad`` (same layout as theta).  dz_spare and da_buf are scratch of m * max width,
    scratch of ``dense.scratch_size(max width)`` (the member's own).
    A team (``kernels.team``) splits each layer that ``dense.splits``: dW by rows, da and the
    activation's backward by rows of the block; role 0 does the other layers.  Returns False if
    the team was aborted.
    """
    m = a0.shape[0]
    n_layers = sizes.shape[0] - 1
    i0, i1 = part(m, team, MIN_ROWS)
    cur, spare = dz_buf, dz_spare
    for l in range(n_layers - 1, -1, -1):
        W, _ = layer_params(theta, w_off, b_off, sizes, l)
        dW, db = layer_params(grad, w_off, b_off, sizes, l)
        fan_in, fan_out = sizes[l], sizes[l + 1]
        dz = block(cur, 0, m, fan_out)
        a_prev = a0 if l == 0 else layer_rows(abuf, a_off, sizes, l - 1, m, 0, m)
        fused = l > 0 and not backward_reads_z(hidden)  # tanh's derivative in the product's pass (dense.input_grad)
        if team[1] > 1 and splits(m, fan_in, fan_out, dW.itemsize):
            if team[0] == 0:
                bias_grad(dz, db)
            k0, k1 = part(fan_in, team, MIN_ROWS)
            weight_grad_rows(a_prev, dz, dW, k0, k1, scratch)
            if l > 0:
                a_rows = layer_rows(abuf, a_off, sizes, l - 1, m, i0, i1 - i0)
                dz_prev = block(spare, i0 * fan_in, i1 - i0, fan_in)
                da = dz_prev if fused else block(da_buf, i0 * fan_in, i1 - i0, fan_in)
                input_grad(W, block(cur, i0 * fan_out, i1 - i0, fan_out), da, scratch, m, a_rows, fused)
                if not fused:
                    activation_backward(layer_rows(zbuf, a_off, sizes, l - 1, m, i0, i1 - i0), a_rows, da, dz_prev,
                                        hidden)
        elif team[0] == 0:
            dz_prev = block(spare, 0, m, fan_in)
            da = dz_prev if fused else block(da_buf, 0, m, fan_in)
            dense_backward(a_prev, W, dz, dW, db, da, l > 0, scratch, a_prev, fused)
            if l > 0 and not fused:
                activation_backward(layer_rows(zbuf, a_off, sizes, l - 1, m, 0, m), a_prev, da, dz_prev, hidden)
        if not barrier(team):
            return False
        cur, spare = spare, cur
    return True


@njit(inline="always")
def _keeps_z(zbuf, abuf):
    """Whether a forward pass into zbuf, abuf keeps the hidden layers' z: only where zbuf is a
    buffer of its own (``grid_activations`` passes one buffer for both)."""
    return zbuf.ctypes.data != abuf.ctypes.data


@njit(parallel=True, **KERNEL)
def forward_all(theta, w_off, b_off, sizes, hidden, out, X, zbuf, abuf):
    """Forward X (n, n_in) into activation buffers zbuf, abuf of n rows (``layout``); zbuf may be
    abuf (only the activations kept)."""
    n = X.shape[0]
    a_off = layer_offsets(sizes)
    n_chunks = (n + CHUNK_ROWS - 1) // CHUNK_ROWS
    for c in prange(n_chunks):
        i0 = c * CHUNK_ROWS
        i1 = min(n, i0 + CHUNK_ROWS)
        forward_block(theta, w_off, b_off, sizes, a_off, hidden, out, X[i0:i1], zbuf, abuf, n, i0,
                      np.empty(forward_scratch_size(sizes), dtype=theta.dtype), i1 - i0, _keeps_z(zbuf, abuf))


@njit(**KERNEL)
def forward_rows(theta, w_off, b_off, sizes, hidden, out, X, zbuf, abuf):
    """``forward_all`` on this thread, for at most CHUNK_ROWS rows of X (one chunk: the same numbers),
    where waking the thread team would cost more than the work (and stalls while another process
    holds the other cores)."""
    n = X.shape[0]
    forward_block(theta, w_off, b_off, sizes, layer_offsets(sizes), hidden, out, X, zbuf, abuf, n, 0,
                  np.empty(forward_scratch_size(sizes), dtype=theta.dtype), n, _keeps_z(zbuf, abuf))


@njit(parallel=True, **KERNEL)
def forward_output(theta, w_off, b_off, sizes, hidden, out, X, Y):
    """The output layer's activations Y (n, n_out) for X (n, n_in), CHUNK_ROWS rows at a time in
    parallel, each chunk through scratch of its own: the hidden layers' values are not kept (for
    1M rows of a 2-16-16-1 net, 4 MB written instead of 264 MB)."""
    n = X.shape[0]
    a_off = layer_offsets(sizes)
    last = sizes.shape[0] - 2
    for c in prange((n + CHUNK_ROWS - 1) // CHUNK_ROWS):
        i0 = c * CHUNK_ROWS
        m = min(CHUNK_ROWS, n - i0)
        zbuf = np.empty(m * a_off[-1], dtype=theta.dtype)
        abuf = np.empty_like(zbuf)
        forward_block(theta, w_off, b_off, sizes, a_off, hidden, out, X[i0 : i0 + m], zbuf, abuf, m, 0,
                      np.empty(forward_scratch_size(sizes), dtype=theta.dtype), m, backward_reads_z(hidden))
        Y[i0 : i0 + m] = layer_rows(abuf, a_off, sizes, last, m, 0, m)


@njit(**KERNEL)
def evaluate_rows(theta, w_off, b_off, sizes, hidden, out, X, Y, zbuf, abuf):
    """(sum of sample losses, correct count) of parameters theta (P,) on X (n, n_in), Y (n, n_out),
    forwarding CHUNK_ROWS rows at a time through the scratch buffers zbuf, abuf (CHUNK_ROWS * sum widths)."""
    n = X.shape[0]
    last = sizes.shape[0] - 2
    a_off = layer_offsets(sizes)
    # borrowed, as in ``_train_epoch`` (a 2-16-16-1 float32 epoch validated on 250 rows each epoch
    # 59-61 against 62-63 us)
    theta, w_off, b_off, sizes, X, Y, zbuf, abuf = borrowed((theta, w_off, b_off, sizes, X, Y, zbuf, abuf))
    total, correct = 0.0, 0
    scratch = np.empty(forward_scratch_size(sizes), dtype=theta.dtype)
    for i0 in range(0, n, CHUNK_ROWS):
        m = min(CHUNK_ROWS, n - i0)
        forward_block(theta, w_off, b_off, sizes, a_off, hidden, out, X[i0 : i0 + m], zbuf, abuf, m, 0, scratch, m,
                      backward_reads_z(hidden))
        z, a = layer_rows(zbuf, a_off, sizes, last, m, 0, m), layer_rows(abuf, a_off, sizes, last, m, 0, m)
        t, c = loss_and_correct(z, a, Y[i0 : i0 + m], out)
        total += t
        correct += c
    return total, correct


@njit(**KERNEL)
def loss_grad_full(theta, grad, w_off, b_off, sizes, hidden, out, X, Y):
    """Mean loss over all of X (n, n_in) / Y (n, n_out), gradient of the mean into grad (P,).

    Returns (mean loss, correct count).
    """
    n = X.shape[0]
    a_off = layer_offsets(sizes)
    n_layers = sizes.shape[0] - 1
    zbuf = np.empty(n * a_off[n_layers], dtype=theta.dtype)
    abuf = np.empty_like(zbuf)
    width = sizes.max()
    dz_buf = np.empty(n * width, dtype=theta.dtype)
    dz_spare = np.empty_like(dz_buf)
    da_buf = np.empty_like(dz_buf)
    scratch = np.empty(scratch_size(width), dtype=theta.dtype)
    forward_block(theta, w_off, b_off, sizes, a_off, hidden, out, X, zbuf, abuf, n, 0, scratch, n,
                  backward_reads_z(hidden))
    z = layer_rows(zbuf, a_off, sizes, n_layers - 1, n, 0, n)
    a = layer_rows(abuf, a_off, sizes, n_layers - 1, n, 0, n)
    dz = block(dz_buf, 0, n, sizes[n_layers])
    total, correct = loss_and_output_grad(z, a, Y, out, dz, 1.0 / n)
    backward_block(theta, grad, w_off, b_off, sizes, a_off, hidden, X, zbuf, abuf, dz_buf, dz_spare, da_buf,
                   scratch, team.solo())
    return total / n, correct


@njit(**KERNEL)
def _loss_in_blocks(zbuf, abuf, y_buf, dz_buf, a_off, sizes, out, m, i0, i1, block_losses):
    """A member's rows i0 .. i1 of a batch of m: the output layer's dL/dz into dz_buf, the loss of
    each block of MIN_ROWS rows into block_losses (i0 is a multiple of MIN_ROWS); returns the
    correct count."""
    last, n_out = sizes.shape[0] - 2, sizes[-1]
    right = 0
    for c0 in range(i0, i1, MIN_ROWS):
        c = min(MIN_ROWS, i1 - c0)
        block_losses[c0 // MIN_ROWS], right_ = loss_and_output_grad(
            layer_rows(zbuf, a_off, sizes, last, m, c0, c), layer_rows(abuf, a_off, sizes, last, m, c0, c),
            block(y_buf, c0 * n_out, c, n_out), out, block(dz_buf, c0 * n_out, c, n_out), 1.0 / m)
        right += right_
    return right


@njit(**KERNEL)
def _batch_sums(block_losses, partials, m, size):
    """(the batch's loss, its correct count): the loss of its blocks of MIN_ROWS rows in order,
    plus each member's partials (its rows' sum of x * 0: NaN where X holds NaN or inf), and the
    members' counts."""
    total, correct = 0.0, 0
    for c in range((m + MIN_ROWS - 1) // MIN_ROWS):
        total += block_losses[c]
    for q in range(size):
        total += partials[q, 0]
        correct += int(partials[q, 1])
    return total, correct


@njit(**KERNEL)
def workspace(sizes, batch_size, theta):
    """The buffers an epoch's steps share (every member of a team) for a net of widths sizes with
    parameters like theta (P,): a batch's rows of X and Y, the layers' z and a, dL/dz twice and
    dL/da, each member's (sum of x * 0 over its rows, correct count), and the loss of each block
    of MIN_ROWS rows of the batch (a team's, summed in order), the float64 loss terms of a batch
    (``losses._loss_sum``), and the layers' offsets in the activation buffers (``layer_offsets``)."""
    dtype, width = theta.dtype, sizes.max()
    a_off = layer_offsets(sizes)
    acts = batch_size * a_off[-1]
    return (np.empty(batch_size * sizes[0], dtype), np.empty(batch_size * sizes[-1], dtype), np.empty(acts, dtype),
            np.empty(acts, dtype), np.empty(batch_size * width, dtype), np.empty(batch_size * width, dtype),
            np.empty(batch_size * width, dtype), np.empty((team.MAX_SIZE, 2)),
            np.empty((batch_size + MIN_ROWS - 1) // MIN_ROWS), np.empty(batch_size * sizes[-1]), a_off)


@njit(**KERNEL)
def member_scratch(sizes, theta):
    """A team member's own scratch for ``dense``'s products (``scratch_size`` of the widest layer)."""
    return np.empty(scratch_size(sizes.max()), dtype=theta.dtype)


def train_epoch(theta, grad, m1, m2, X, Y, perm, batch_size, t0, net, opt, rec):
    """One epoch of minibatch training in one compiled call (umap's layout), on this thread.

    theta, grad, m1, m2: (P,) parameters, gradient and optimizer state, updated in place.
    X: (n, n_in), Y: (n, n_out) targets, perm: (n,) row order; batches of ``batch_size`` rows.
    t0: optimizer steps taken before this epoch.  Step t0+k+1 updates with batch k.
    net, opt, rec: ``epoch_args`` Network, Optimizer and RecordBuffers (build them there).
    Recording, by rec.codes[k]: SKIP skips step t0+k+1; RECORD_GRAD records its gradient and
    mean batch loss in the next row of rec.grad (rows, P) and rec.loss (rows,), from rec.row0 on;
    RECORD_STATE also records the state after it (theta, m1, m2) in the next key row of
    rec.theta, rec.m1, rec.m2 (key rows, P), from rec.key0 on, and the row's number in rec.key
    (key rows,).  The caller makes sure the rows suffice.
    Steps compute straight into those rows, so recording copies nothing; other steps update theta,
    m1, m2 in place.  A full batch in order (perm 0 .. n-1) on one thread trains on X and Y as they
    lie, not gathered (a 2-16-16-1 full-batch epoch through ``nk.train`` 43-44 against 48-51 us).
    Returns (sum of sample losses, correct count, status): status is -1, or the index of the
    batch whose loss was not finite, or whose rows of X hold NaN or inf (the epoch stops there,
    before that batch's update).
    """
    # Numba types a namedtuple argument ~4 us slower than a plain tuple of the same fields
    return _solo_epoch(theta, grad, m1, m2, X, Y, perm, batch_size, t0, tuple(net), tuple(opt), tuple(rec))


@njit(nogil=True, **KERNEL)
def _solo_epoch(theta, grad, m1, m2, X, Y, perm, batch_size, t0, net, opt, rec):
    """``_train_epoch`` on this thread, its buffers allocated here (in Python they cost a tenth of a
    small net's full-batch epoch)."""
    return _train_epoch(theta, grad, m1, m2, X, Y, perm, batch_size, t0, net, opt, rec,
                        workspace(net[2], batch_size, theta), team.solo(), member_scratch(net[2], theta))


@njit(**KERNEL)
def _in_order(perm):
    """Whether perm (n,) is 0 .. n-1 (a full batch's order)."""
    differ = 0
    for i in range(perm.shape[0]):
        differ |= perm[i] ^ i
    return differ == 0


@njit(nogil=True, **KERNEL)
def _train_epoch(theta, grad, m1, m2, X, Y, perm, batch_size, t0, net, opt, rec, work, team, scratch):
    """``train_epoch`` with net, opt, rec as plain tuples of the namedtuples' fields, the buffers of
    ``workspace``, a ``kernels.team`` and the member's ``member_scratch`` (made by the callers, so
    that they outlive the borrowed views here; not by a wrapper here: each function level compiles
    its callees' machine code again, 4 s of a cold start): each member gathers and forwards its
    rows of the batch, ``backward_block`` splits the backward pass, each updates its range of the
    parameters.  Status -2: the team was aborted."""
    # the arrays borrowed (``_numba_ext.borrowed``): the step's calls and views count no references
    # to their memory (float32 batch-32 steps of 2-16-16-1 2.3 against 2.5-2.7 us; the scratch, the
    # offsets and the team's arrays too: NRT's reference counts fell from 8.7% of a float64 batch-32
    # run's perf samples to 3.0%)
    theta, grad, m1, m2, X, Y, perm, net, rec, work, team, scratch = borrowed(
        (theta, grad, m1, m2, X, Y, perm, net, rec, work, team, scratch))
    w_off, b_off, sizes, hidden, out = net
    codes, row0, key0, rec_grad, rec_loss, rec_key, rec_theta, rec_m1, rec_m2 = rec
    a0_buf, y_buf, zbuf, abuf, dz_buf, dz_spare, da_buf, partials, block_losses, loss_terms, a_off = work
    role, size, _, _ = team
    n = perm.shape[0]
    n_in, n_layers = sizes[0], sizes.shape[0] - 1
    n_out = sizes[n_layers]
    param_align = LINE_BYTES // theta.itemsize
    code_, lr, beta1, beta2, eps, weight_decay, decay_mask = opt
    p0, p1 = part(theta.shape[0], team, param_align)  # the member's parameters to update
    my_opt = (code_, lr, beta1, beta2, eps, weight_decay, span(decay_mask, p0, p1 - p0))
    zero = X.dtype.type(0)
    total = 0.0
    correct = 0
    status = -1
    r = row0  # the next row to record in
    rk = key0  # the next key row
    cur_theta, cur_m1, cur_m2, cur_grad = theta, m1, m2, grad
    where = AT_CALLER  # the buffer set holding the state
    last_code = SKIP
    n_batches = (n + batch_size - 1) // batch_size
    as_they_lie = size == 1 and n_batches == 1 and n == X.shape[0] and _in_order(perm)
    for k in range(n_batches):
        s = k * batch_size
        m = min(batch_size, n - s)
        if size > 1:  # not inside mark: one thread's step ran 2-4% slower with the counter in its code
            mark(team)
        i0, i1 = part(m, team, MIN_ROWS)
        bad = False  # whether the rows hold NaN or inf (x - x is NaN for those; nk.train says which)
        if as_they_lie:  # a full batch in order: X and Y themselves, not copied
            a0, yb = X, Y
            xf = flat(X)
            for i in range(xf.shape[0]):
                bad |= xf[i] - xf[i] != zero
        else:
            a0 = block(a0_buf, 0, m, n_in)
            yb = block(y_buf, 0, m, n_out)
            for i in range(i0, i1):
                row = perm[s + i]
                if i + 1 < i1:  # the next row on its way while this one is copied (784-128-10: ~1% of an epoch)
                    prefetch_row(X[perm[s + i + 1]], False)
                for j in range(n_in):
                    x = X[row, j]
                    a0[i, j] = x
                    bad |= x - x != zero
                for j in range(n_out):
                    yb[i, j] = Y[row, j]
        nonfinite = np.nan if bad else 0.0
        code = codes[k]
        if code != SKIP and role == 0:  # the gradient goes there: fetch it while the forward pass runs
            prefetch_row(rec_grad[r])
        rows_in = a0 if size == 1 else block(a0_buf, i0 * n_in, i1 - i0, n_in)  # the member's rows
        forward_block(cur_theta, w_off, b_off, sizes, a_off, hidden, out, rows_in, zbuf, abuf, m, i0, scratch, m,
                      backward_reads_z(hidden))
        if size == 1:  # the loss in one block: its loop vectorises over the batch
            batch_total, batch_correct = loss_and_output_grad(
                layer_rows(zbuf, a_off, sizes, n_layers - 1, m, 0, m), layer_rows(abuf, a_off, sizes, n_layers - 1, m, 0, m),
                yb, out, block(dz_buf, 0, m, n_out), 1.0 / m, loss_terms)
            batch_total += nonfinite
        else:  # by blocks of MIN_ROWS rows, summed in order: the same bits however the parts move
            partials[role, 0] = nonfinite
            partials[role, 1] = _loss_in_blocks(zbuf, abuf, y_buf, dz_buf, a_off, sizes, out, m, i0, i1, block_losses)
            if not balance(team):
                return total, correct, ABORTED
            batch_total, batch_correct = _batch_sums(block_losses, partials, m, size)
            p0, p1 = part(theta.shape[0], team, param_align)  # the parts moved
            my_opt = (code_, lr, beta1, beta2, eps, weight_decay, span(decay_mask, p0, p1 - p0))
        if not np.isfinite(batch_total):
            status = k
            break
        new_grad = grad
        if code != SKIP:
            new_grad = rec_grad[r]
            if role == 0:
                rec_loss[r] = batch_total / m
            r += 1
        if code == RECORD_STATE:
            new_theta, new_m1, new_m2 = rec_theta[rk], rec_m1[rk], rec_m2[rk]
            if role == 0:
                rec_key[rk] = r - 1
            rk += 1
            to = AT_KEY_ROW
        else:
            new_theta, new_m1, new_m2 = theta, m1, m2
            to = AT_CALLER
        if not backward_block(cur_theta, new_grad, w_off, b_off, sizes, a_off, hidden, a0, zbuf, abuf, dz_buf,
                              dz_spare, da_buf, scratch, team):
            return total, correct, ABORTED
        # every member is done reading cur_theta (backward_block ends at a barrier): update in place
        # unless the state moves to or from a key row of the recording
        if where == AT_CALLER and to == AT_CALLER:
            update_in_place(span(theta, p0, p1 - p0), span(m1, p0, p1 - p0), span(m2, p0, p1 - p0),
                            span(new_grad, p0, p1 - p0), my_opt, t0 + k + 1)
        else:
            update(span(cur_theta, p0, p1 - p0), span(cur_m1, p0, p1 - p0), span(cur_m2, p0, p1 - p0),
                   span(new_grad, p0, p1 - p0), my_opt, t0 + k + 1, span(new_theta, p0, p1 - p0),
                   span(new_m1, p0, p1 - p0), span(new_m2, p0, p1 - p0))
        if not barrier(team):
            return total, correct, ABORTED
        cur_theta, cur_m1, cur_m2, cur_grad = new_theta, new_m1, new_m2, new_grad
        where = to
        last_code = code
        total += batch_total
        correct += batch_correct
    if where != AT_CALLER:
        span(theta, p0, p1 - p0)[:] = span(cur_theta, p0, p1 - p0)
        span(m1, p0, p1 - p0)[:] = span(cur_m1, p0, p1 - p0)
        span(m2, p0, p1 - p0)[:] = span(cur_m2, p0, p1 - p0)
    if last_code != SKIP:  # grad holds the last step's gradient, as without recording
        span(grad, p0, p1 - p0)[:] = span(cur_grad, p0, p1 - p0)
    if not barrier(team):
        return total, correct, ABORTED
    return total, correct, status


def train_epochs(theta, grad, m1, m2, X, Y, perms, batch_size, t0, net, opt, rec, before, totals, corrects,
                 val_X, val_Y, val_totals, val_corrects, threads=None):
    """Several epochs in one compiled call: ``train_epoch`` for each row order of perms (E, n) in
    turn (epoch e starts at step t0 + e * n_batches), stopping at a non-finite batch, each finished
    epoch validated on val_X (m, n_in), val_Y (m, n_out) (``evaluate_rows``; m may be 0) into
    val_totals (E,) float64 and val_corrects (E,) int64.

    rec: ``RecordBuffers`` whose codes are (E, n_batches), one row per epoch; the epochs record
    into consecutive rows from rec.row0 and key rows from rec.key0, as ``train_epoch`` one after
    the other would.  before: (P,) gets theta as it was when the last epoch run began; totals (E,)
    float64 and corrects (E,) int64 get each finished epoch's sum of sample losses and correct count.
    Returns (epochs finished, status): status is -1, or the index of the non-finite batch in the
    epoch after those finished.  (One call instead of E saves ``nk.train`` Python's per-epoch work
    and Numba's ~20 us argument dispatch per call.)
    threads: the team's size (default ``team.size_for``'s: Numba's thread count for a large net,
    else 1; ``nk.train`` passes what ``team.choice`` found faster).  A team gives the same
    parameters as one thread, up to the rounding of BLAS products over fewer rows (not at all where
    every layer's products run in ``matmul_rows`` or ``matmul_packed``), and the same losses up to
    the order of their sum; the same bits from run to run however its members' parts move
    (``team.balance``) where no product runs in BLAS.  A batch whose rows of X hold NaN or inf
    counts as non-finite.
    """
    size = team.size_for(net.sizes, batch_size, threads)
    args = (theta, grad, m1, m2, X, Y, perms, batch_size, t0, tuple(net), tuple(opt), tuple(rec), before, totals,
            corrects, val_X, val_Y, val_totals, val_corrects)
    if size == 1:
        return _solo_epochs(*args)
    return team.run(_train_epochs, args + (workspace(net.sizes, batch_size, theta),), size)


@njit(nogil=True, **KERNEL)
def _solo_epochs(theta, grad, m1, m2, X, Y, perms, batch_size, t0, net, opt, rec, before, totals, corrects,
                 val_X, val_Y, val_totals, val_corrects):
    """``_train_epochs`` on this thread, its buffers allocated here (as ``_solo_epoch``'s: made in
    Python and passed in, they took 5 us of each call)."""
    return _train_epochs(theta, grad, m1, m2, X, Y, perms, batch_size, t0, net, opt, rec, before, totals, corrects,
                         val_X, val_Y, val_totals, val_corrects, workspace(net[2], batch_size, theta), team.solo())


@njit(nogil=True, **KERNEL)
def _train_epochs(theta, grad, m1, m2, X, Y, perms, batch_size, t0, net, opt, rec, before, totals, corrects,
                  val_X, val_Y, val_totals, val_corrects, work, team):
    """``train_epochs`` with net, opt, rec as plain tuples, the buffers of ``workspace`` and a
    ``kernels.team`` (role 0 validates and fills totals while the others wait)."""
    w_off, b_off, sizes, hidden, out = net
    codes, row0, key0, rec_grad, rec_loss, rec_key, rec_theta, rec_m1, rec_m2 = rec
    n_batches = (perms.shape[1] + batch_size - 1) // batch_size
    r, rk = row0, key0
    val_width = CHUNK_ROWS * layer_offsets(sizes)[-1] if val_X.shape[0] > 0 else 0
    val_z, val_a = np.empty(val_width, dtype=theta.dtype), np.empty(val_width, dtype=theta.dtype)
    scratch = member_scratch(sizes, theta)
    lead = team[0] == 0
    for e in range(perms.shape[0]):
        if lead:
            before[:] = theta
        epoch_codes = codes[e]
        total, correct, status = _train_epoch(theta, grad, m1, m2, X, Y, perms[e], batch_size, t0 + e * n_batches,
                                              net, opt, (epoch_codes, r, rk, rec_grad, rec_loss, rec_key, rec_theta,
                                                         rec_m1, rec_m2), work, team, scratch)
        if status != -1:
            return e, status
        if lead:
            totals[e] = total
            corrects[e] = correct
            if val_X.shape[0] > 0:
                val_totals[e], val_corrects[e] = evaluate_rows(theta, w_off, b_off, sizes, hidden, out, val_X, val_Y,
                                                               val_z, val_a)
        for k in range(n_batches):
            if epoch_codes[k] != SKIP:
                r += 1
            if epoch_codes[k] == RECORD_STATE:
                rk += 1
    return perms.shape[0], -1
