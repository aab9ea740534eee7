"""Running experiments: experiment files to objects (once, for run and resume), the
``neuroevo`` command and its sub-commands, and the registry of task and strategy names."""
