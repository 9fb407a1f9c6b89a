"""Outside reference for `npm run bench -- kernel` (never part of the product): NumPy's `U @ I.T` per batch of
users plus `argpartition` for each user's top-K, on the float32 matrices the bench wrote. Prints one JSON line:
seconds (matmul, argpartition), pairs per second, which BLAS NumPy uses, and the ordered top-K of the first
`sample` users so the bench can check that both kernels agree.

usage: python3 numpy-topk.py USERS_FILE ITEMS_FILE N_USERS N_ITEMS D BATCH K SAMPLE
"""
import json
import os
import sys
import time

import numpy as np


def blas_info():
    """BLAS name and version from NumPy's build configuration (np.show_config), where this NumPy exposes it."""
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '?')}"
    except Exception as err:  # older NumPy: no dict mode
        return f"unknown ({type(err).__name__})"


def main():
    users_file, items_file = sys.argv[1], sys.argv[2]
    n_users, n_items, d, batch, k, sample = (int(x) for x in sys.argv[3:9])
    U = np.fromfile(users_file, dtype="<f4").reshape(n_users, d)
    I = np.fromfile(items_file, dtype="<f4").reshape(n_items, d)
    matmul = 0.0
    partition = 0.0
    first = None
    for lo in range(0, n_users, batch):
        t0 = time.perf_counter()
        S = U[lo:lo + batch] @ I.T
        t1 = time.perf_counter()
        top = np.argpartition(-S, k - 1, axis=1)[:, :k]
        # argpartition leaves the k unordered: order them (best first) so the lists equal the kernel's.
        order = np.argsort(-np.take_along_axis(S, top, axis=1), axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        t2 = time.perf_counter()
        matmul += t1 - t0
        partition += t2 - t1
        if first is None:
            first = top[:sample].tolist()
    seconds = matmul + partition
    print(json.dumps({
        "seconds": seconds, "matmul_seconds": matmul, "argpartition_seconds": partition,
        "pairs_per_second": n_users * n_items / seconds, "numpy": np.__version__, "blas": blas_info(),
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", f"default (cpu count {os.cpu_count()})"),
        "sample_top": first,
    }))


if __name__ == "__main__":
    main()
