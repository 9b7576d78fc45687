# Reference figures for the sampler benchmark (packages/optimizer/src/bench/run.ts): Optuna 5.0's
# GPSampler on Hartmann6, 50 evaluations, sequential and with 4 trials pending (ask 4, then one
# ask per tell, oldest first), like run.ts. Optuna handles running trials with qLogEI.
# Run (venv with optuna 5.0.0, torch 2.13 cpu, scipy; OMP_NUM_THREADS=1):
#   python optuna-gp.py 0-19 1   # seeds 0..19, sequential
#   python optuna-gp.py 0-19 4   # seeds 0..19, 4 pending
# Measured 2026-11-25 on the 2-core dev machine, printed as the last line; copied into
# reference.json next to this file.
import sys, math, numpy as np, optuna, time, json
optuna.logging.set_verbosity(optuna.logging.ERROR)
A=[[10,3,17,3.5,1.7,8],[0.05,10,17,0.1,8,14],[3,3.5,1.7,10,17,8],[17,8,0.05,10,0.1,14]]
P=np.array([[1312,1696,5569,124,8283,5886],[2329,4135,8307,3736,1004,9991],[2348,1451,3522,2883,3047,6650],[4047,8828,8732,5743,1091,381]])*1e-4
AL=[1,1.2,3,3.2]
def h6(x):
    return -sum(AL[i]*math.exp(-sum(A[i][j]*(x[j]-P[i][j])**2 for j in range(6))) for i in range(4))
def run(seed, par, budget=50):
    s=optuna.create_study(sampler=optuna.samplers.GPSampler(seed=seed))
    q=[]; best=1e9; asked=0
    def ask():
        nonlocal asked
        t=s.ask(); x=[t.suggest_float(f"x{j}",0,1) for j in range(6)]; asked+=1; q.append((t,h6(x)))
    while asked<min(par,budget): ask()
    while q:
        t,v=q.pop(0); best=min(best,v); s.tell(t,v)
        if asked<budget: ask()
    return best+3.32237
a,b=map(int,sys.argv[1].split('-')); par=int(sys.argv[2])
rs=[]
for seed in range(a,b+1):
    rs.append(run(seed,par)); print(seed, rs[-1], flush=True)
print(json.dumps({"par":par,"median":float(np.median(rs)),"regrets":[float('%.3g'%r) for r in rs]}))
