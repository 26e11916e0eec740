#!/usr/bin/env python3
"""PhiID of four textbook binary systems (tables over X1_t, X2_t, X1_t+1, X2_t+1),
from the definitions of phyid (calc_PhiID: local plug-in entropies in bits, its MMI
and CCS redundancy / double-redundancy rules and its knowns-to-atoms matrix),
re-implemented here in numpy for cogscope's tests/test_phiid.c. Prints the non-zero atoms."""
import numpy as np, itertools
import numpy as np
M=np.array([
    [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],[1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],[1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],[1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
    [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0],[1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],[1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0],
    [1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0],[1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0],
    [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0],[1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0],[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]],float)
names="rtr rtx rty rts xtr xtx xty xts ytr ytx yty yts str stx sty sts".split()
def phiid(samples, red):
    X=np.array(samples).T  # 4 x n
    n=X.shape[1]
    def h(idx):
        keys=[tuple(X[idx,t]) for t in range(n)]
        from collections import Counter
        c=Counter(keys); return np.array([-np.log2(c[k]/n) for k in keys])
    I=lambda a,b: h(a)+h(b)-h(a+b)
    p1,p2,t1,t2=[0],[1],[2],[3]
    xta,xtb,yta,ytb=I(p1,t1),I(p1,t2),I(p2,t1),I(p2,t2)
    xyta,xytb=I(p1+p2,t1),I(p1+p2,t2); xtab,ytab,xytab=I(p1,t1+t2),I(p2,t1+t2),I(p1+p2,t1+t2)
    def sgn(v): return np.where(np.abs(v)<1e-10,0,np.sign(v))
    def ss(*v):
        s0=sgn(v[0]); ok=np.ones_like(s0,bool)
        for w in v[1:]: ok&=sgn(w)==s0
        return ok
    if red=='mmi':
        R=lambda a,b,ab: a if a.mean()<b.mean() else b
        Rs=[R(xta,yta,xyta),R(xtb,ytb,xytb),R(xtab,ytab,xytab),R(xta,xtb,xtab),R(yta,ytb,ytab),R(xyta,xytb,xytab)]
        l=[xta,xtb,yta,ytb]; rtr=l[int(np.argmin([v.mean() for v in l]))]
    else:
        def R(a,b,ab):
            co=a+b-ab; return np.where(ss(co,a,b,ab),co,0)
        Rs=[R(xta,yta,xyta),R(xtb,ytb,xytb),R(xtab,ytab,xytab),R(xta,xtb,xtab),R(yta,ytb,ytab),R(xyta,xytb,xytab)]
        dc=-xta-xtb-yta-ytb+xtab+ytab+xyta+xytb-xytab+Rs[0]+Rs[1]-Rs[2]+Rs[3]+Rs[4]-Rs[5]
        rtr=np.where(ss(dc,xta,xtb,yta,ytb),dc,0)
    k=[rtr.mean()]+[r.mean() for r in Rs]+[v.mean() for v in (xta,xtb,yta,ytb,xyta,xytb,xtab,ytab,xytab)]
    a=np.linalg.solve(M,k)
    return {nm:round(v,12) for nm,v in zip(names,a) if abs(v)>1e-12}
sys={'copy':[(a,b,a,b) for a in (0,1) for b in (0,1)],
     'xordown':[(a,b,a^b,a^b) for a in (0,1) for b in (0,1)],
     'redundant':[(0,0,0,0),(1,1,1,1)],
     'swap':[(a,b,b,a) for a in (0,1) for b in (0,1)]}
for k,s in sys.items():
    for red in ('mmi','ccs'): print(k,red,phiid(s,red))
