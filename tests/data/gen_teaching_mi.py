#!/usr/bin/python3
"""Reference value for tests/test_teaching.c: the mutual information between a
binary label Y (P(Y=1) = 1/2) and delta | Y ~ N(mu (2Y - 1), 1), in nats,

    I(delta; Y) = h(delta) - h(delta | Y),   h(delta | Y) = ln(2 pi e) / 2,

with h(delta) of the two-component Gaussian mixture by adaptive quadrature
(scipy.integrate.quad, https://docs.scipy.org/doc/scipy/reference/generated/
scipy.integrate.quad.html). The Gaussian vector MIs of the test have the
closed form -d/2 ln(1 - rho^2) and need no script.

    /usr/bin/python3 tests/data/gen_teaching_mi.py
"""
import math

from scipy import integrate
from scipy.stats import norm


def mixture_mi(mu):
    def f(x):
        p = 0.5 * norm.pdf(x, -mu, 1.0) + 0.5 * norm.pdf(x, mu, 1.0)
        return -p * math.log(p) if p > 0 else 0.0
    h, err = integrate.quad(f, -mu - 40.0, mu + 40.0, epsabs=1e-13, epsrel=1e-12, limit=500)
    return h - 0.5 * math.log(2.0 * math.pi * math.e), err


# Layer b's delta = (2Y - 1) + Z: the mixture at separation m = 1. (Layers d
# and e are checked against the Gaussian class model's closed form, which
# needs no script; for comparison the true MIs of layer d are printed too:
# I(T,delta;Y) = mixture at m = mu / s = 1, I(delta;Y) at mu / sqrt(1 + s^2).)
for m in (1.0, 0.5 / math.sqrt(1.25)):
    v, err = mixture_mi(m)
    print("m %.12f: I = %.12f nats (quadrature error %.1e)" % (m, v, err))
