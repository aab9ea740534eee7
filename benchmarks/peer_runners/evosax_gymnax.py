"""Peer runner: evosax SNES + gymnax, env steps of running episodes per CPU-second.

Measures one (env, population) cell of the peer comparison driven by
``benchmarks/peers.py``, using

* evosax (Lange 2022, https://github.com/RobertTLange/evosax) ``SNES``, and
* gymnax (Lange 2022, https://github.com/RobertTLange/gymnax) classic-control
  environments (``CartPole-v1``, ``Acrobot-v1``, ``Pendulum-v1``), all in JAX on CPU.

Protocol: policy obs -> 8 tanh -> outputs (argmax for CartPole/Acrobot,
clip(2*out, -2, 2) for Pendulum); SNES with std_init 0.1, mean zeros, every other
hyperparameter the library's default; each candidate plays 1 episode from its own
fresh reset state up to the env's time limit; fitness = episode return.

One generation (ask + rollout + tell) is one jitted function. The rollout runs
all candidates in lockstep: ``--loop while`` (default) stops once every episode has
ended; ``--loop scan`` (the idiom of evosax's own GymnaxProblem) always steps
``max_steps_in_episode`` times (up to 2x slower on CartPole, where most episodes
are short, otherwise within noise). gymnax auto-resets after
done, so steps after an episode's end are computed but masked out: only steps of
running episodes (the terminating step included) are counted and summed into the
return. Evaluation alone is a separately jitted rollout replayed afterwards on the
timed generations' populations with the same keys (so it plays the same episodes).

    python benchmarks/peer_runners/evosax_gymnax.py --env CartPole-v1 --pop 200

Prints one JSON line on stdout; everything else goes to stderr. Exit code 3 when
the libraries are missing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

ENVS = {  # name: (observation size, outputs, discrete?)
    "CartPole-v1": (4, 2, True),
    "Acrobot-v1": (6, 3, True),
    "Pendulum-v1": (3, 1, False),
}
HIDDEN = 8
STD_INIT = 0.1
INSTALL = (
    "install the peers' environment: python -m venv .peers && "
    ".peers/bin/pip install -r benchmarks/peer_runners/requirements.txt"
)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--env", default="CartPole-v1", choices=sorted(ENVS))
    p.add_argument("--pop", type=int, default=200)
    p.add_argument("--generations", type=int, default=10)
    p.add_argument(
        "--warmup-generations",
        type=int,
        default=2,
        help="the 2nd generation recompiles (the ES state loses its weak types)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--loop", choices=("while", "scan"), default="while")
    p.add_argument("--no-pin", action="store_true", help="do not pin the process to --threads CPUs")
    return p.parse_args()


def limit_threads(threads: int, pin: bool) -> str:
    """Must run before jax is imported. Returns a description for the notes."""
    notes = []
    # Pinning (before jax starts) is what keeps XLA:CPU to one core: with the flag alone,
    # unpinned, CartPole at pop 10,000 took ~1.6x the CPU time per env step on a 2-core
    # machine. intra_op_parallelism_threads is not an XLA flag in jax 0.10.
    if threads == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false").strip()
        notes.append("XLA_FLAGS=--xla_cpu_multi_thread_eigen=false")
    if pin and hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))[:threads]
        os.sched_setaffinity(0, cpus)
        notes.append(f"pinned to cpu {cpus}")
    return ", ".join(notes)


def main() -> int:
    args = parse_args()
    stdout, sys.stdout = sys.stdout, sys.stderr  # library logging -> stderr
    thread_notes = limit_threads(args.threads, not args.no_pin)
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    try:
        from importlib.metadata import version

        import gymnax
        import jax
        import jax.numpy as jnp
        from evosax.algorithms import SNES
    except ImportError as exc:
        print(f"{INSTALL} ({exc})", file=sys.stderr)
        return 3

    n_obs, n_out, discrete = ENVS[args.env]
    env, env_params = gymnax.make(args.env)
    max_steps = int(env_params.max_steps_in_episode)
    template = {
        "w1": jnp.zeros((n_obs, HIDDEN)),
        "b1": jnp.zeros(HIDDEN),
        "w2": jnp.zeros((HIDDEN, n_out)),
        "b2": jnp.zeros(n_out),
    }

    def act(theta, obs):
        out = jnp.tanh(obs @ theta["w1"] + theta["b1"]) @ theta["w2"] + theta["b2"]
        return jnp.argmax(out) if discrete else jnp.clip(2.0 * out, -2.0, 2.0)

    def step_one(theta, key, carry, t):
        obs, state, ret, length, alive = carry
        obs, state, reward, terminated, truncated, _ = env.step(
            jax.random.fold_in(key, t), state, act(theta, obs), env_params
        )
        ret = ret + jnp.where(alive, reward, 0.0)
        length = length + alive.astype(jnp.int32)
        alive = alive & ~(terminated | truncated)
        return obs, state, ret, length, alive

    batched_step = jax.vmap(step_one, in_axes=(0, 0, 0, None))

    def evaluate(pop, key):
        """Returns (episode returns, episode lengths), one each per candidate."""
        reset_keys, step_keys = jnp.split(jax.random.split(key, 2 * args.pop), 2)
        obs, state = jax.vmap(env.reset, in_axes=(0, None))(reset_keys, env_params)
        carry = (
            obs,
            state,
            jnp.zeros(args.pop),
            jnp.zeros(args.pop, jnp.int32),
            jnp.ones(args.pop, bool),
        )
        if args.loop == "scan":
            carry, _ = jax.lax.scan(
                lambda c, t: (batched_step(pop, step_keys, c, t), None),
                carry,
                jnp.arange(max_steps),
            )
        else:

            def body(tc):
                t, c = tc
                return t + 1, batched_step(pop, step_keys, c, t)

            _, carry = jax.lax.while_loop(
                lambda tc: (tc[0] < max_steps) & jnp.any(tc[1][4]), body, (0, carry)
            )
        return carry[2], carry[3]

    strategy = SNES(population_size=args.pop, solution=template)
    es_params = strategy.default_params.replace(std_init=STD_INIT)

    @jax.jit
    def generation(es_state, key):
        k_ask, k_eval, k_tell = jax.random.split(key, 3)
        pop, es_state = strategy.ask(k_ask, es_state, es_params)
        returns, lengths = evaluate(pop, k_eval)
        es_state, _ = strategy.tell(k_tell, pop, -returns, es_state, es_params)  # evosax minimises
        return es_state, pop, k_eval, returns, lengths

    evaluate_jit = jax.jit(evaluate)
    key = jax.random.key(args.seed)
    key, k_init = jax.random.split(key)

    wall0, cpu0 = time.perf_counter(), time.process_time()
    es_state = strategy.init(k_init, template, es_params)  # mean zeros
    for _ in range(max(1, args.warmup_generations)):
        key, k_gen = jax.random.split(key)
        es_state, pop, k_eval, returns, lengths = generation(es_state, k_gen)
    jax.block_until_ready(evaluate_jit(pop, k_eval))
    warmup_wall, warmup_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(f"warm-up: {warmup_wall:.2f} s wall, {warmup_cpu:.2f} s CPU", file=sys.stderr)

    gen_keys = list(jax.random.split(key, args.generations))
    compiled = getattr(generation, "_cache_size", lambda: 0)()
    replays, gen_lengths = [], []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for g in range(args.generations):
        es_state, pop, k_eval, returns, lengths = generation(es_state, gen_keys[g])
        jax.block_until_ready((es_state, returns, lengths))
        replays.append((pop, k_eval))
        gen_lengths.append(lengths)
    gen_wall, gen_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    recompiled = getattr(generation, "_cache_size", lambda: 0)() - compiled
    if recompiled:
        print(
            f"warning: {recompiled} recompilation(s) inside the timed generations", file=sys.stderr
        )
    env_steps = sum(int(lengths.sum()) for lengths in gen_lengths)
    best = float(returns.max())
    print(
        f"{args.generations} generations: {env_steps} env steps, {gen_wall:.2f} s wall, "
        f"{gen_cpu:.2f} s CPU, best return {best:.1f}",
        file=sys.stderr,
    )

    eval_lengths = []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for pop, k_eval in replays:
        eval_lengths.append(jax.block_until_ready(evaluate_jit(pop, k_eval))[1])
    eval_wall, eval_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    eval_steps = sum(int(lengths.sum()) for lengths in eval_lengths)

    loop_note = (
        f"lax.while_loop until every episode ended (<= {max_steps} steps)"
        if args.loop == "while"
        else f"lax.scan over all {max_steps} steps"
    )
    versions = {
        name: version(name) for name in ("evosax", "gymnax", "jax", "jaxlib", "flax", "numpy")
    }
    print(
        json.dumps(
            {
                "contender": f"evosax {versions['evosax']} SNES + gymnax {versions['gymnax']}",
                "env": args.env,
                "pop": args.pop,
                "generations": args.generations,
                "seed": args.seed,
                "env_steps": env_steps,
                "gen_wall_s": gen_wall,
                "gen_cpu_s": gen_cpu,
                "eval_env_steps": eval_steps,
                "eval_wall_s": eval_wall,
                "eval_cpu_s": eval_cpu,
                "warmup_wall_s": warmup_wall,
                "warmup_cpu_s": warmup_cpu,
                "mean_episode_length": env_steps / (args.pop * args.generations),
                "best_fitness": best,
                "versions": versions,
                "notes": (
                    f"SNES std_init={STD_INIT}, mean zeros, other hyperparameters default; "
                    f"rollout: {loop_note}, all candidates in lockstep with a done mask (steps "
                    f"after an episode's end, where gymnax auto-resets, are not counted); one "
                    f"jitted generation, block_until_ready after each; eval alone = separately "
                    f"jitted rollout replayed on the timed generations' populations and keys; "
                    f"warm-up = compile + {max(1, args.warmup_generations)} generation(s) + eval "
                    f"compile; recompiles while timed: {recompiled}; threads={args.threads}"
                    + (f" ({thread_notes})" if thread_notes else "")
                ),
            }
        ),
        file=stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
