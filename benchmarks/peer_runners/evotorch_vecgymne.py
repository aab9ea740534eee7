"""Peer runner: EvoTorch SNES + VecGymNE, env steps of running episodes per CPU-second.

Measures one (env, population) cell of the peer comparison driven by
``benchmarks/peers.py``, using EvoTorch (Toklu et al. 2023, https://evotorch.ai,
https://github.com/nnaisense/evotorch): ``evotorch.algorithms.SNES`` on an
``evotorch.neuroevolution.VecGymNE`` problem, whose environments are gymnasium
(https://gymnasium.farama.org) ``CartPole-v1``, ``Acrobot-v1`` or ``Pendulum-v1``
stepped by EvoTorch's own ``SyncVectorEnv`` (one gymnasium env per candidate,
stepped in a Python loop), the policy being the whole population's networks
evaluated as one batched (``torch.func.vmap``) forward pass per step.

Protocol: policy obs -> 8 tanh -> outputs; CartPole/Acrobot take the argmax
(VecGymNE's discrete-action conversion), Pendulum takes 2*out clipped to [-2, 2]
(the network scales by 2, VecGymNE clips to the action bounds). SNES with
stdev_init 0.1, center_init zeros, every other hyperparameter the library's
default; 1 episode per candidate (num_episodes=1) from its own fresh reset state,
up to the env's time limit; fitness = episode return. Finished environments are not
stepped any more; VecGymNE counts the steps of running episodes (terminating step
included) in ``interaction_count``, which is what is reported.

A generation is one ``searcher.step()`` (tell of the previous population + ask +
evaluate). Evaluation alone is timed inside the same generations with the problem's
``before_eval_hook`` / ``after_eval_hook`` (they bracket ``Problem.evaluate``).
No ray actors (num_actors=None): everything runs in this process.

    python benchmarks/peer_runners/evotorch_vecgymne.py --env CartPole-v1 --pop 200

Prints one JSON line on stdout; everything else goes to stderr. Exit code 3 when
the libraries are missing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

ENVS = {  # name: (observation size, outputs, output scale)
    "CartPole-v1": (4, 2, 1.0),
    "Acrobot-v1": (6, 3, 1.0),
    "Pendulum-v1": (3, 1, 2.0),
}
HIDDEN = 8
STDEV_INIT = 0.1
INSTALL = (
    "install the peers' environment: python -m venv .peers && "
    ".peers/bin/pip install -r benchmarks/peer_runners/requirements.txt"
)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--env", default="CartPole-v1", choices=sorted(ENVS))
    p.add_argument("--pop", type=int, default=200)
    p.add_argument("--generations", type=int, default=10)
    p.add_argument("--warmup-generations", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-pin", action="store_true", help="do not pin the process to --threads CPUs")
    return p.parse_args()


def limit_threads(threads: int, pin: bool) -> str:
    """Must run before torch/numpy are imported. Returns a description for the notes."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
    notes = [f"torch.set_num_threads({threads}), OMP/OPENBLAS/MKL_NUM_THREADS={threads}"]
    if pin and hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))[:threads]
        os.sched_setaffinity(0, cpus)
        notes.append(f"pinned to cpu {cpus}")
    return ", ".join(notes)


def main() -> int:
    args = parse_args()
    stdout, sys.stdout = sys.stdout, sys.stderr  # library logging -> stderr
    thread_notes = limit_threads(args.threads, not args.no_pin)
    try:
        from importlib.metadata import version

        import numpy as np
        import torch
        from evotorch.algorithms import SNES
        from evotorch.neuroevolution import VecGymNE
        from torch import nn
    except ImportError as exc:
        print(f"{INSTALL} ({exc})", file=sys.stderr)
        return 3
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    random.seed(args.seed)  # VecGymNE seeds its environments from Python's `random`
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    n_obs, n_out, scale = ENVS[args.env]

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(n_obs, HIDDEN)
            self.out = nn.Linear(HIDDEN, n_out)

        def forward(self, x):
            return scale * self.out(torch.tanh(self.hidden(x)))

    problem = VecGymNE(args.env, MLP(), num_episodes=1, num_actors=None, device="cpu")
    problem.manual_seed(args.seed)
    searcher = SNES(
        problem,
        popsize=args.pop,
        stdev_init=STDEV_INIT,
        center_init=torch.zeros(problem.solution_length),
    )

    clock = {"on": False, "wall": 0.0, "cpu": 0.0, "steps": 0}

    def eval_start(batch):
        clock["t"] = (time.perf_counter(), time.process_time(), problem.interaction_count)

    def eval_end(batch):
        if clock["on"]:
            wall, cpu, steps = clock["t"]
            clock["wall"] += time.perf_counter() - wall
            clock["cpu"] += time.process_time() - cpu
            clock["steps"] += problem.interaction_count - steps
        return {}

    problem.before_eval_hook.append(eval_start)
    problem.after_eval_hook.append(eval_end)

    wall0, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(max(1, args.warmup_generations)):
        searcher.step()  # the first one also builds the pop-size vector of gymnasium envs
    warmup_wall, warmup_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(f"warm-up: {warmup_wall:.2f} s wall, {warmup_cpu:.2f} s CPU", file=sys.stderr)

    clock["on"] = True
    steps0 = problem.interaction_count
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for g in range(args.generations):
        searcher.step()
        print(
            f"  generation {g}: {problem.interaction_count - steps0} env steps so far, "
            f"{time.perf_counter() - wall0:.1f} s",
            file=sys.stderr,
        )
    gen_wall, gen_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    env_steps = problem.interaction_count - steps0
    best = float(searcher.status["pop_best_eval"])
    print(
        f"{args.generations} generations: {env_steps} env steps, {gen_wall:.2f} s wall, "
        f"{gen_cpu:.2f} s CPU, best return {best:.1f}",
        file=sys.stderr,
    )

    import ray  # a dependency of EvoTorch; must stay unused here

    versions = {name: version(name) for name in ("evotorch", "torch", "gymnasium", "numpy", "ray")}
    print(
        json.dumps(
            {
                "contender": f"EvoTorch {versions['evotorch']} SNES + VecGymNE (gymnasium {versions['gymnasium']})",
                "env": args.env,
                "pop": args.pop,
                "generations": args.generations,
                "seed": args.seed,
                "env_steps": env_steps,
                "gen_wall_s": gen_wall,
                "gen_cpu_s": gen_cpu,
                "eval_env_steps": clock["steps"],
                "eval_wall_s": clock["wall"],
                "eval_cpu_s": clock["cpu"],
                "warmup_wall_s": warmup_wall,
                "warmup_cpu_s": warmup_cpu,
                "mean_episode_length": env_steps / (args.pop * args.generations),
                "best_fitness": best,
                "versions": versions,
                "notes": (
                    f"SNES stdev_init={STDEV_INIT}, center_init zeros, other hyperparameters default; "
                    f"generation = searcher.step(); eval alone timed inside the same generations "
                    f"between the problem's before/after_eval_hook; env steps = VecGymNE "
                    f"interaction_count; warm-up = {max(1, args.warmup_generations)} generation(s) "
                    f"incl. building the envs; num_actors=None, ray initialized: "
                    f"{ray.is_initialized()}; threads={args.threads} ({thread_notes})"
                ),
            }
        ),
        file=stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
