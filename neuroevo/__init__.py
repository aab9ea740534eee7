"""neuroevo: NEAT and other neuroevolution strategies, whole populations evaluated in PyTorch.

Example::

    import neuroevo as ne

    cfg = ne.load_config("configs/xor.ini")                      # a neat.Config
    result = ne.evolve(ne.NEAT(cfg), ne.tasks.XOR(), generations=300, seed=1)
    print(result.solved, result.best_fitness, result.evaluations)

    net = ne.compile_population(genomes, cfg.genome_config)      # [B, n_in] -> [P, B, n_out]

Names are resolved on first use, so ``import neuroevo`` does not import gymnasium,
matplotlib or graphviz.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from neuroevo._lazy import lazy_getattr
from neuroevo.errors import (
    CheckpointError,
    CompileError,
    ConfigError,
    NeuroevoError,
    StrategyError,
    TaskError,
)

__version__ = "0.1.0"

_NAMES = {
    # configuration
    "load_config": "neuroevo.config:load_config",
    "load_experiment": "neuroevo.run.experiment_file:load_experiment",
    "Experiment": "neuroevo.run.experiment_file:Experiment",
    # compiler
    "compile_population": "neuroevo.compile.population:compile_population",
    "PopulationNetwork": "neuroevo.compile.population:PopulationNetwork",
    "compile_genome": "neuroevo.compile.module:compile_genome",
    "GenomeModule": "neuroevo.compile.module:GenomeModule",
    "compile_recurrent": "neuroevo.compile.recurrent:compile_recurrent",
    "RecurrentPopulationNetwork": "neuroevo.compile.recurrent:RecurrentPopulationNetwork",
    "export_genome": "neuroevo.compile.export:export_genome",
    # the loop
    "evolve": "neuroevo.loop:evolve",
    "Result": "neuroevo.loop:Result",
    "RunStatus": "neuroevo.loop:RunStatus",
    "ProofRecord": "neuroevo.loop:ProofRecord",
    # strategies
    "Strategy": "neuroevo.strategies.base:Strategy",
    "BatchedPolicy": "neuroevo.policy:BatchedPolicy",
    "NEAT": "neuroevo.strategies.neat.engines:NEAT",
    "PythonNEAT": "neuroevo.strategies.neat.strategy:PythonNEAT",
    "TensorNEAT": "neuroevo.strategies.neat.tensor:TensorNEAT",
    "GA": "neuroevo.strategies.ga:GA",
    "PSO": "neuroevo.strategies.pso:PSO",
    "SimulatedAnnealing": "neuroevo.strategies.annealing:SimulatedAnnealing",
    "GAParams": "neuroevo.strategies.ga:GAParams",
    "PSOParams": "neuroevo.strategies.pso:PSOParams",
    "SAParams": "neuroevo.strategies.annealing:SAParams",
    "ParameterPolicy": "neuroevo.compile.params:ParameterPolicy",
    "MLP": "neuroevo.compile.nets:MLP",
    "GradientDescent": "neuroevo.strategies.gradient:GradientDescent",
    "GradientParams": "neuroevo.strategies.gradient:GradientParams",
    "GradientRefinement": "neuroevo.strategies.neat.refine:GradientRefinement",
    # neat-python plug-ins (same semantics, faster)
    "FastSpeciesSet": "neuroevo.strategies.neat.speciation:FastSpeciesSet",
    "FastGenome": "neuroevo.strategies.neat.genome:FastGenome",
    "FastReproduction": "neuroevo.strategies.neat.reproduction:FastReproduction",
    # islands and local SGD (evaluation backends: evolve(workers=, backend=))
    "Islands": "neuroevo.islands.islands:Islands",
    "local_sgd": "neuroevo.islands.async_gradient:local_sgd",
    # neat-python drop-in
    "BatchedEvaluator": "neuroevo.strategies.neat.compat:BatchedEvaluator",
    "GenomeEvaluator": "neuroevo.parallel.genome_evaluator:GenomeEvaluator",
    # reporting
    "Reporter": "neuroevo.loop:Reporter",
    "GenerationStats": "neuroevo.loop:GenerationStats",
    "StdOutReporter": "neuroevo.reporting.stdout:StdOutReporter",
    "ProgressBar": "neuroevo.reporting.progress:ProgressBar",
    "RunFolderReporter": "neuroevo.reporting.run_folder:RunFolderReporter",
    "Checkpointer": "neuroevo.reporting.checkpointer:Checkpointer",
    # experiment trackers (extras: tensorboard, mlflow, wandb)
    "TensorBoardReporter": "neuroevo.reporting.tracking.tensorboard_reporter:TensorBoardReporter",
    "MLflowReporter": "neuroevo.reporting.tracking.mlflow_reporter:MLflowReporter",
    "WandbReporter": "neuroevo.reporting.tracking.wandb_reporter:WandbReporter",
    # genome files (JSON, never pickle)
    "save_genome": "neuroevo.io.genome_json:save_genome",
    "load_genome": "neuroevo.io.genome_json:load_genome",
    "save_checkpoint": "neuroevo.io.checkpoint:save_checkpoint",
    "load_checkpoint": "neuroevo.io.checkpoint:load_checkpoint",
    "load_neat_export": "neuroevo.io.neat_export:load_neat_export",
    "resume": "neuroevo.run.resume:resume",
    "draw_genome": "neuroevo.viz.draw:draw_genome",
    # sub-packages
    "tasks": "neuroevo.tasks",
    "envs": "neuroevo.envs",
    "viz": "neuroevo.viz",
    "strategies": "neuroevo.strategies",
}

__getattr__ = lazy_getattr(__name__, _NAMES, globals())

__all__ = [
    "CheckpointError",
    "CompileError",
    "ConfigError",
    "NeuroevoError",
    "StrategyError",
    "TaskError",
    *sorted(_NAMES),
]


def __dir__() -> list[str]:
    return sorted({*__all__, "__version__"})


if TYPE_CHECKING:  # type checkers and IDEs see every lazy name at its real home
    from neuroevo import envs, strategies, tasks, viz  # noqa: F401
    from neuroevo.compile.export import export_genome  # noqa: F401
    from neuroevo.compile.module import GenomeModule, compile_genome  # noqa: F401
    from neuroevo.compile.nets import MLP  # noqa: F401
    from neuroevo.compile.params import ParameterPolicy  # noqa: F401
    from neuroevo.compile.population import PopulationNetwork, compile_population  # noqa: F401
    from neuroevo.compile.recurrent import (  # noqa: F401
        RecurrentPopulationNetwork,
        compile_recurrent,
    )
    from neuroevo.config import load_config  # noqa: F401
    from neuroevo.io.checkpoint import load_checkpoint, save_checkpoint  # noqa: F401
    from neuroevo.io.genome_json import load_genome, save_genome  # noqa: F401
    from neuroevo.io.neat_export import load_neat_export  # noqa: F401
    from neuroevo.islands.async_gradient import local_sgd  # noqa: F401
    from neuroevo.islands.islands import Islands  # noqa: F401
    from neuroevo.loop import (  # noqa: F401
        GenerationStats,
        ProofRecord,
        Reporter,
        Result,
        RunStatus,
        evolve,
    )
    from neuroevo.parallel.genome_evaluator import GenomeEvaluator  # noqa: F401
    from neuroevo.policy import BatchedPolicy  # noqa: F401
    from neuroevo.reporting.checkpointer import Checkpointer  # noqa: F401
    from neuroevo.reporting.progress import ProgressBar  # noqa: F401
    from neuroevo.reporting.run_folder import RunFolderReporter  # noqa: F401
    from neuroevo.reporting.stdout import StdOutReporter  # noqa: F401
    from neuroevo.reporting.tracking.mlflow_reporter import MLflowReporter  # noqa: F401
    from neuroevo.reporting.tracking.tensorboard_reporter import (  # noqa: F401
        TensorBoardReporter,
    )
    from neuroevo.reporting.tracking.wandb_reporter import WandbReporter  # noqa: F401
    from neuroevo.run.experiment_file import Experiment, load_experiment  # noqa: F401
    from neuroevo.run.resume import resume  # noqa: F401
    from neuroevo.strategies.annealing import SAParams, SimulatedAnnealing  # noqa: F401
    from neuroevo.strategies.base import Strategy  # noqa: F401
    from neuroevo.strategies.ga import GA, GAParams  # noqa: F401
    from neuroevo.strategies.gradient import GradientDescent, GradientParams  # noqa: F401
    from neuroevo.strategies.neat.compat import BatchedEvaluator  # noqa: F401
    from neuroevo.strategies.neat.engines import NEAT  # noqa: F401
    from neuroevo.strategies.neat.genome import FastGenome  # noqa: F401
    from neuroevo.strategies.neat.refine import GradientRefinement  # noqa: F401
    from neuroevo.strategies.neat.reproduction import FastReproduction  # noqa: F401
    from neuroevo.strategies.neat.speciation import FastSpeciesSet  # noqa: F401
    from neuroevo.strategies.neat.strategy import PythonNEAT  # noqa: F401
    from neuroevo.strategies.neat.tensor import TensorNEAT  # noqa: F401
    from neuroevo.strategies.pso import PSO, PSOParams  # noqa: F401
    from neuroevo.viz.draw import draw_genome  # noqa: F401
