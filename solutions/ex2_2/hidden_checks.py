"""Hidden checks for exercises 2.2 (instructor only; never shipped to students).

No task of 2.2 states a rule: what matters (the caller's tables stay unchanged, the
gaps are really filled) is behaviour, and the probes check it case by case.
"""

from d2lgrade import concept, probe
from d2lgrade.variants import per_student, student_draw


@probe("count_missing")
def count_missing_cases(count_missing):
    import pandas as pd

    def described(df):
        before = df.copy()
        counts = count_missing(df)
        columns, numbers = [str(k) for k in counts.index], [int(v) for v in counts.to_numpy()]
        return [columns, numbers, str(counts.dtype), bool(df.equals(before))]

    rng = np.random.default_rng(2201)
    values = rng.normal(size=(30, 4))
    values[rng.random((30, 4)) < np.array([0.0, 0.2, 0.5, 0.9])] = np.nan
    return {
        "random gaps": attempt(described, pd.DataFrame(values, columns=["w", "x", "y", "z"])),
        "text, int and all-missing columns": attempt(
            described,
            pd.DataFrame({"b": ["p", None, "q", None], "a": [1, 2, 3, 4], "c": [np.nan] * 4}),
        ),
        "one entry": attempt(described, pd.DataFrame({"only": [np.nan]})),
        "no rows": attempt(
            described,
            pd.DataFrame({"u": pd.Series([], dtype=float), "v": pd.Series([], dtype=str)}),
        ),
    }


@probe("drop_column")
def drop_most_missing_cases(drop_most_missing):
    import pandas as pd

    def described(df):
        before = df.copy()
        out = drop_most_missing(df)
        return [
            [str(c) for c in out.columns],
            [str(t) for t in out.dtypes],
            out.to_csv(),
            out is not df,
            bool(df.equals(before)),
        ]

    rng = np.random.default_rng(2202)
    values = rng.normal(size=(12, 5)).round(3)
    values[rng.random((12, 5)) < np.array([0.1, 0.3, 0.6, 0.3, 0.0])] = np.nan
    return {
        "random gaps, shifted index": attempt(
            described, pd.DataFrame(values, columns=list("abcde"), index=range(100, 112))
        ),
        "a tie": attempt(
            described,
            pd.DataFrame({"t": ["x", None, None], "n": [np.nan, np.nan, 1.0], "k": [1, 2, 3]}),
        ),
        "no gaps": attempt(described, pd.DataFrame({"k": [1, 2], "s": ["a", "b"]})),
        "the only column": attempt(described, pd.DataFrame({"solo": [np.nan, 2.0]})),
    }


@probe("indicator")
def impute_with_indicator_cases(impute_with_indicator):
    import pandas as pd

    def described(df, column):
        before = df.copy()
        out = impute_with_indicator(df, column)
        others = [c for c in df.columns if c != column]
        return [
            [str(c) for c in out.columns],
            [str(t) for t in out.dtypes],
            out[column].to_numpy(dtype=float),  # compared with tolerance
            out[column + "_missing"].to_numpy(dtype=float),
            out[others].to_csv(),
            bool(df.equals(before)),
        ]

    rng = np.random.default_rng(2203)
    v = rng.lognormal(size=9).round(4)
    v[[0, 4, 5]] = np.nan
    return {
        "skewed column with gaps": attempt(
            described,
            pd.DataFrame(
                {"id": list("abcdefghi"), "income": v, "age": rng.integers(18, 80, size=9)}
            ),
            "income",
        ),
        "even number of observed values": attempt(
            described,
            pd.DataFrame({"x": [4.0, np.nan, 1.0, np.nan], "y": [np.nan, 2.0, 3.0, 5.0]}),
            "y",
        ),
        "int column without gaps": attempt(
            described, pd.DataFrame({"count": [3, 1, 2], "name": ["p", None, "r"]}), "count"
        ),
        "one observed value": attempt(described, pd.DataFrame({"z": [np.nan, 7.5]}), "z"),
    }


concept("imputed_std", "answer_imputed_std", case="standard deviation", rtol=0.02, atol=0.0)


concept("missingness", "answer_missingness", as_="choice", question="missingness")


@probe("to_tensors")
def table_to_tensors_cases(table_to_tensors):
    import pandas as pd

    def described(df, target):
        before = df.copy()
        X, y = table_to_tensors(df, target)
        return [X, y, bool(df.equals(before))]  # tensors: shape, dtype and values compared

    rng = np.random.default_rng(2204)
    n = 10
    temp = rng.normal(15, 5, size=n).round(1)
    temp[[1, 6]] = np.nan
    visits = rng.integers(0, 30, size=n).astype(float)
    visits[3] = np.nan
    mixed = pd.DataFrame(
        {
            "weather": rng.choice(["sun", "rain", "fog"], size=n).astype(object),
            "temp": temp,
            "sales": rng.integers(100, 500, size=n),  # the target, in the middle
            "shop": rng.choice(["west", "east"], size=n).astype(object),
            "visits": visits,
            "unknown": np.full(n, np.nan),  # no observed value
            "staff": rng.integers(1, 5, size=n),
        }
    )
    mixed.loc[[2, 5], "weather"] = None
    return {
        "mixed table": attempt(described, mixed, "sales"),
        "numeric columns only, target first": attempt(
            described,
            pd.DataFrame({"y": [1.5, -2.0, 0.5], "a": [np.nan, 2.0, 4.0], "b": [1, 2, 3]}),
            "y",
        ),
        "text column only": attempt(
            described, pd.DataFrame({"c": ["b", "a", None], "label": [0, 1, 1]}), "label"
        ),
        "one row": attempt(described, pd.DataFrame({"k": [np.nan], "s": ["z"], "t": [3.0]}), "t"),
    }


@probe("impute_from_train")
def impute_from_train_cases(impute_from_train):
    import pandas as pd

    def described(train, test):
        train_before, test_before = train.copy(), test.copy()
        train_out, test_out = impute_from_train(train, test)
        numeric = [c for c in train.columns if pd.api.types.is_numeric_dtype(train[c])]
        text = [c for c in train.columns if c not in numeric]
        return [
            [
                [str(c) for c in out.columns],
                [str(t) for t in out.dtypes],
                [str(i) for i in out.index],
                out[numeric].to_numpy(dtype=float),
                out[text].to_csv(),
            ]
            for out in (train_out, test_out)
        ] + [
            train_out is not train and test_out is not test,
            bool(train.equals(train_before) and test.equals(test_before)),
        ]

    rng = np.random.default_rng(2207)
    train = pd.DataFrame(
        {
            "size": rng.normal(50, 10, size=8).round(2),
            "kind": rng.choice(["a", "b"], size=8).astype(object),
            "rooms": rng.integers(1, 6, size=8),
            "age": rng.lognormal(2, 1, size=8).round(1),
        },
        index=range(10, 18),
    )
    train.loc[[11, 15], "size"] = np.nan
    train.loc[12, "age"] = np.nan
    train.loc[13, "kind"] = None
    test = pd.DataFrame(
        {
            "size": [np.nan, 47.5, np.nan],
            "kind": [None, "b", "a"],
            "rooms": [2, 3, 1],
            "age": [np.nan, np.nan, 4.0],
        },
        index=[7, 3, 5],
    )
    complete = test.fillna({"size": 40.0, "age": 1.0, "kind": "a"})
    return {
        "gaps in both tables": attempt(described, train, test),
        "a test table without gaps": attempt(described, train, complete),
        "an all-missing test column": attempt(described, train, test.assign(size=np.nan)),
        "numeric columns only": attempt(described, train[["size", "age"]], test[["size", "age"]]),
    }


@per_student("imputed_std")
def imputed_std_for(student):
    missing_count = student_draw(
        "ex2_2.imputed_std.missing", [200, 250, 300, 360, 400, 450, 500], student
    )
    observed_std = student_draw("ex2_2.imputed_std.spread", [4.0, 5.0, 8.0, 10.0, 12.0], student)
    return {"standard deviation": observed_std * (1 - missing_count / 1000) ** 0.5}
