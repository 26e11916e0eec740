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


for mu in (1.0,):
    v, err = mixture_mi(mu)
    print("mu %.1f: I(delta;Y) = %.12f nats (quadrature error %.1e)" % (mu, v, err))
