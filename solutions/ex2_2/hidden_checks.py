"""Hidden checks for exercises 2.2 (instructor only; never shipped to students)."""
from d2lgrade import probe


@probe("count_missing")
def count_missing_on_other_tables(count_missing):
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(2201)
    values = rng.normal(size=(30, 4))
    values[rng.random((30, 4)) < np.array([0.0, 0.2, 0.5, 0.9])] = np.nan
    tables = [
        pd.DataFrame(values, columns=["w", "x", "y", "z"]),
        pd.DataFrame({"b": ["p", None, "q", None], "a": [1, 2, 3, 4],
                      "c": [np.nan, np.nan, np.nan, np.nan]}),
        pd.DataFrame({"only": [np.nan]}),
        pd.DataFrame({"u": pd.Series([], dtype=float), "v": pd.Series([], dtype=str)}),
    ]
    results = []
    for df in tables:
        before = df.copy()
        s = count_missing(df)
        results.append([[str(k) for k in s.index], [int(v) for v in s.to_numpy()],
                        str(s.dtype), bool(df.equals(before))])
    return results


@probe("drop_column")
def drop_most_missing_on_other_tables(drop_most_missing):
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(2202)
    values = rng.normal(size=(12, 5)).round(3)
    values[rng.random((12, 5)) < np.array([0.1, 0.3, 0.6, 0.3, 0.0])] = np.nan
    tables = [
        pd.DataFrame(values, columns=list("abcde"), index=range(100, 112)),
        pd.DataFrame({"t": ["x", None, None], "n": [np.nan, np.nan, 1.0],
                      "k": [1, 2, 3]}),                     # tie: drop t, the leftmost
        pd.DataFrame({"k": [1, 2], "s": ["a", "b"]}),        # nothing missing
        pd.DataFrame({"solo": [np.nan, 2.0]}),               # the only column goes
    ]
    results = []
    for df in tables:
        before = df.copy()
        out = drop_most_missing(df)
        results.append([[str(c) for c in out.columns], [str(t) for t in out.dtypes],
                        out.to_csv(), bool(out is not df), bool(df.equals(before))])
    return results


@probe("indicator")
def impute_with_indicator_on_other_tables(impute_with_indicator):
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(2203)
    v = rng.lognormal(size=9).round(4)
    v[[0, 4, 5]] = np.nan
    cases = [
        (pd.DataFrame({"id": list("abcdefghi"), "income": v,
                       "age": rng.integers(18, 80, size=9)}), "income"),
        (pd.DataFrame({"x": [4.0, np.nan, 1.0, np.nan], "y": [np.nan, 2.0, 3.0, 5.0]}), "y"),
        (pd.DataFrame({"count": [3, 1, 2], "name": ["p", None, "r"]}), "count"),  # no gaps
        (pd.DataFrame({"z": [np.nan, 7.5]}), "z"),
    ]
    results = []
    for df, column in cases:
        before = df.copy()
        out = impute_with_indicator(df, column)
        others = [c for c in df.columns if c != column]
        results.append([[str(c) for c in out.columns], [str(t) for t in out.dtypes],
                        out[column].to_numpy(dtype=float),           # compared with tolerance
                        out[column + "_missing"].to_numpy(dtype=float),
                        out[others].to_csv(), bool(df.equals(before))])
    return results


@probe("to_tensors")
def table_to_tensors_on_other_tables(table_to_tensors):
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(2204)
    n = 10
    temp = rng.normal(15, 5, size=n).round(1)
    temp[[1, 6]] = np.nan
    visits = rng.integers(0, 30, size=n).astype(float)
    visits[3] = np.nan
    mixed = pd.DataFrame({
        "weather": rng.choice(["sun", "rain", "fog"], size=n).astype(object),
        "temp": temp,
        "sales": rng.integers(100, 500, size=n),            # target, in the middle
        "shop": rng.choice(["west", "east"], size=n).astype(object),
        "visits": visits,
        "unknown": np.full(n, np.nan),                      # no observed value -> 0.0
        "staff": rng.integers(1, 5, size=n),
    })
    mixed.loc[[2, 5], "weather"] = None
    cases = [
        (mixed, "sales"),
        (pd.DataFrame({"y": [1.5, -2.0, 0.5], "a": [np.nan, 2.0, 4.0],
                       "b": [1, 2, 3]}), "y"),               # numeric only, target first
        (pd.DataFrame({"c": ["b", "a", None], "label": [0, 1, 1]}), "label"),   # text only
        (pd.DataFrame({"k": [np.nan], "s": ["z"], "t": [3.0]}), "t"),          # one row
    ]
    results = []
    for df, target in cases:
        before = df.copy()
        X, y = table_to_tensors(df, target)
        results.append([X, y, str(X.dtype), str(y.dtype), bool(df.equals(before)),
                        df.to_csv(), [str(t) for t in df.dtypes]])
    return results
