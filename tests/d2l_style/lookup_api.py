"""D2L 1.0.3 section 2.7 (documentation), PyTorch style, with d2lutils as d2l."""

# %%
import contextlib
import io

import torch

import d2lutils as d2l

# %%
# The section looks up torch itself; the same tools work on d2lutils.
print(dir(torch.linalg)[:5])
assert "plot" in dir(d2l) and "plt" in dir(d2l)

# %%
buffer = io.StringIO()
with contextlib.redirect_stdout(buffer):
    help(torch.zeros)
    help(d2l.plot)
assert "zeros(" in buffer.getvalue() and "Plot one or several curves" in buffer.getvalue()

# %%
torch.zeros(3)
