"""D2L 1.0.3 section 2.4 (calculus), PyTorch style, with d2lutils as d2l."""

# %%
import numpy as np

import d2lutils as d2l


# %%
def g(x):
    return x**3 - 2 * x


# %%
# The difference quotient at x = 2 approaches g'(2) = 3 * 2**2 - 2 = 10 as h shrinks.
quotients = []
for h in 10.0 ** np.arange(-1, -5, -1):
    quotients.append((g(2 + h) - g(2)) / h)
    print(f"h={h:.4f}, difference quotient={quotients[-1]:.5f}")
assert abs(quotients[-1] - 10) < 1e-3 < abs(quotients[0] - 10)

# %%
# The saved helpers of the section: svg display, figure size, axes set-up.
d2l.use_svg_display()
d2l.set_figsize((4, 3))
assert tuple(d2l.plt.rcParams["figure.figsize"]) == (4, 3)
axes = d2l.plt.gca()
d2l.set_axes(axes, "x", "g(x)", [0, 3], None, "linear", "linear", ["g"])
assert axes.get_xlim() == (0.0, 3.0) and axes.get_xlabel() == "x"

# %%
# A function and its tangent line at x = 2, with the default figure size.
x = np.arange(0, 3, 0.1)
d2l.plot(x, [g(x), 10 * x - 16], "x", "g(x)", legend=["g(x)", "Tangent line (x=2)"])
lines = d2l.plt.gca().get_lines()
assert len(lines) == 2
assert np.allclose(lines[1].get_ydata(), 10 * x - 16)
d2l.plt.close("all")
