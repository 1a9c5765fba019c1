"""D2L 1.0.3 section 2.6 (probability), PyTorch style, with d2lutils as d2l."""

# %%
import random

import torch
from torch.distributions.multinomial import Multinomial

import d2lutils as d2l

# %%
random.seed(1)
num_rolls = 60
sixes = sum([random.randint(1, 6) == 6 for _ in range(num_rolls)])
print("sixes, others:", [sixes, num_rolls - sixes])
assert 0 <= sixes <= num_rolls

# %%
torch.manual_seed(1)
die_probs = torch.ones(6) / 6
counts = Multinomial(600, die_probs).sample()
assert counts.sum() == 600 and counts.shape == (6,)
counts / 600

# %%
# Running estimates of P(six) and P(one) converge to 1/6 as rolls accumulate.
rolls = Multinomial(1, die_probs).sample((3000,))
running = rolls.cumsum(dim=0)
estimates = (running / running.sum(dim=1, keepdims=True)).numpy()
assert abs(estimates[-1, 5] - 1 / 6) < 0.03

d2l.set_figsize((4.5, 3.5))
d2l.plt.plot(estimates[:, 5], label=("P(die=6)"))
d2l.plt.plot(estimates[:, 0], label=("P(die=1)"))
d2l.plt.axhline(y=1 / 6, color="black", linestyle="dashed")
d2l.plt.gca().set_xlabel("Rolls")
d2l.plt.gca().set_ylabel("Estimated probability")
d2l.plt.legend()
assert len(d2l.plt.gca().get_lines()) == 3
d2l.plt.close("all")
