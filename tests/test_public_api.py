"""Every public name of d2lutils is documented and typed, and the d2l names exist."""

import inspect

import d2lutils as d2l

D2L_NAMES = [
    "add_to_class",
    "HyperParameters",
    "ProgressBoard",
    "Module",
    "DataModule",
    "Trainer",
    "SyntheticRegressionData",
    "SGD",
    "LinearRegressionScratch",
    "LinearRegression",
    "Classifier",
    "SoftmaxRegression",
    "FashionMNIST",
    "show_images",
    "plot",
    "plt",
    "set_figsize",
    "use_svg_display",
    "Timer",
    "cpu",
    "gpu",
    "try_gpu",
    "num_gpus",
    # what d2l 1.0.3 still ships from the first edition
    "synthetic_data",
    "load_array",
    "linreg",
    "squared_loss",
    "sgd",
    "load_data_fashion_mnist",
    "get_fashion_mnist_labels",
    "get_dataloader_workers",
    "Accumulator",
    "accuracy",
    "evaluate_loss",
    "evaluate_accuracy_gpu",
    "Animator",
    "try_all_gpus",
]


def _public_callables():
    for name in d2l.__all__:
        obj = getattr(d2l, name)
        yield name, obj
        if inspect.isclass(obj):
            for member_name, member in vars(obj).items():
                if not member_name.startswith("_") and inspect.isfunction(member):
                    yield f"{name}.{member_name}", member


def test_d2l_names_are_all_there():
    assert set(D2L_NAMES) <= set(d2l.__all__)


def test_every_public_name_has_a_docstring_and_annotations():
    missing_doc, missing_hints = [], []
    for name, obj in _public_callables():
        if not inspect.getdoc(obj):
            missing_doc.append(name)
        func = obj.__init__ if inspect.isclass(obj) else obj
        if inspect.isfunction(func) and not (inspect.isclass(obj) and func is object.__init__):
            signature = inspect.signature(func)
            params = [
                p
                for p in signature.parameters.values()
                if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            ]
            if (
                any(p.annotation is p.empty for p in params)
                or signature.return_annotation is signature.empty
            ):
                missing_hints.append(name)
    assert not missing_doc, missing_doc
    assert not missing_hints, missing_hints


def test_no_stubs_left():
    import pathlib
    import re

    for path in pathlib.Path(d2l.__file__).parent.rglob("*.py"):
        assert not re.search(r"raise NotImplemented(Error)?\b", path.read_text()), path
